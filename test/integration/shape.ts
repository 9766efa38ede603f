/**
 * Field-by-field shape checks against the documented JSON (docs/partner-center.md §4). A spec names each
 * documented key with its JSON kind — `'string'`, `'number?'` (optional), `'string|null'`, `'absent'` (must not
 * be there) — or a nested spec for an object. Extra keys are allowed: the services send more than the docs show.
 */
export type FieldKind = 'string' | 'number' | 'boolean' | 'array' | 'object' | 'null';
export type FieldSpec = string | ShapeSpec;
export interface ShapeSpec {
  [key: string]: FieldSpec;
}

function kindOf(value: unknown): FieldKind | 'undefined' {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value as FieldKind;
}

/** Every way `value` departs from `spec`, as readable paths; empty when it conforms. */
export function shapeProblems(value: unknown, spec: ShapeSpec, path = '$'): string[] {
  if (kindOf(value) !== 'object') return [`${path}: expected object, got ${kindOf(value)}`];
  const record = value as Record<string, unknown>;
  const problems: string[] = [];
  for (const [key, expected] of Object.entries(spec)) {
    const at = `${path}.${key}`;
    const actual = record[key];
    if (typeof expected !== 'string') {
      problems.push(...shapeProblems(actual, expected, at));
      continue;
    }
    if (expected === 'absent') {
      if (actual !== undefined) problems.push(`${at}: must be absent, got ${JSON.stringify(actual)}`);
      continue;
    }
    const optional = expected.endsWith('?');
    const allowed = expected.replace(/\?$/, '').split('|');
    if (actual === undefined && optional) continue;
    if (!allowed.includes(kindOf(actual))) problems.push(`${at}: expected ${expected}, got ${kindOf(actual)}`);
  }
  return problems;
}

/** Checks each element of an array against the spec (and that there is at least one). */
export function eachShapeProblems(values: unknown, spec: ShapeSpec, path = '$'): string[] {
  if (!Array.isArray(values)) return [`${path}: expected array, got ${kindOf(values)}`];
  if (values.length === 0) return [`${path}: expected at least one element`];
  return values.flatMap((value, index) => shapeProblems(value, spec, `${path}[${index}]`));
}
