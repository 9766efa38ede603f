import type { TableName } from './store';

/** Serializes a stored value, refusing what JSON cannot carry so that nothing is silently lost. */
export function toJson(table: TableName, key: string, value: unknown): string {
  const json = JSON.stringify(value);
  if (json === undefined) {
    throw new TypeError(`Cannot store ${table}/${key}: value of type ${typeof value} is not JSON`);
  }
  return json;
}

/** Orders items by key the way JavaScript compares strings, identically on every backend. */
export function byKey(a: { key: string }, b: { key: string }): number {
  if (a.key < b.key) return -1;
  return a.key > b.key ? 1 : 0;
}
