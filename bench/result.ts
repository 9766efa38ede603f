/** What every benchmark reports: one measured number against its target, with the figures behind it. */

/** `atLeast` for rates (higher is better), `atMost` for times and limits (lower is better). */
export interface Target {
  direction: 'atLeast' | 'atMost';
  value: number;
}

/** Flat and JSON-friendly, so `bench/results.json` stays easy to diff between runs. */
export type BenchDetails = Readonly<Record<string, string | number | boolean>>;

export interface BenchResult {
  name: string;
  unit: string;
  value: number;
  target: Target;
  pass: boolean;
  details: BenchDetails;
}

export const atLeast = (value: number): Target => ({ direction: 'atLeast', value });
export const atMost = (value: number): Target => ({ direction: 'atMost', value });

export function meets(value: number, target: Target): boolean {
  if (!Number.isFinite(value)) return false;
  return target.direction === 'atLeast' ? value >= target.value : value <= target.value;
}

/**
 * A result whose `pass` is the target check, and-ed with any extra condition a number alone cannot carry
 * (e.g. "and no customer failed").
 */
export function benchResult(fields: Omit<BenchResult, 'pass' | 'value'> & { value: number; alsoRequired?: boolean }): BenchResult {
  const { name, unit, value, target, details, alsoRequired = true } = fields;
  return { name, unit, value: round(value), target, pass: meets(value, target) && alsoRequired, details };
}

/** Three significant decimals are plenty for timings and rates, and keep the JSON readable. */
export function round(value: number): number {
  return Number.isFinite(value) ? Math.round(value * 1000) / 1000 : value;
}

export function formatTarget(target: Target): string {
  return `${target.direction === 'atLeast' ? '≥' : '≤'} ${target.value}`;
}
