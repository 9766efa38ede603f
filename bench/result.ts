/**
 * What every benchmark reports: a measured figure as a ratio to its physical bound (Partner Center's, Graph's or
 * Teams' limit, or a bare baseline measured in the same run), since absolute times on a shared machine are noise.
 */

/** `atMost` for ratios of time to a bound (lower is better), `atLeast` for ratios of throughput (higher is better). */
export interface Target {
  direction: 'atLeast' | 'atMost';
  value: number;
}

/** Flat and JSON-friendly, so `bench/results.json` stays easy to diff between runs. */
export type Figures = Readonly<Record<string, string | number | boolean>>;

/** What the measured figure is compared with: `ratio = measured ÷ value`. */
export interface Bound {
  /** How the bound is obtained, e.g. "calls ÷ 500/min" or "echo bot, same run". */
  basis: string;
  value: number;
  unit: string;
}

/** A condition the ratio alone cannot carry (e.g. "≤ 1 % of calls answered 429", "nothing lost"). */
export interface Condition {
  label: string;
  met: boolean;
}

export interface BenchResult {
  name: string;
  inputs: Figures;
  figures: Figures;
  /** The measured figure the ratio is taken of, in the bound's unit. */
  measured: number;
  bound: Bound;
  ratio: number;
  target: Target;
  conditions: Condition[];
  pass: boolean;
}

export const atLeast = (value: number): Target => ({ direction: 'atLeast', value });
export const atMost = (value: number): Target => ({ direction: 'atMost', value });

export function meets(value: number, target: Target): boolean {
  if (!Number.isFinite(value)) return false;
  return target.direction === 'atLeast' ? value >= target.value : value <= target.value;
}

/** `measured ÷ bound`; NaN (which meets no target) when the bound is zero or missing. */
export function ratioTo(measured: number, bound: number): number {
  return bound > 0 && Number.isFinite(bound) && Number.isFinite(measured) ? measured / bound : Number.NaN;
}

/** A result whose ratio and pass are computed here, so no benchmark can get the arithmetic wrong on its own. */
export function benchResult(fields: {
  name: string;
  inputs: Figures;
  figures: Figures;
  measured: number;
  bound: Bound;
  target: Target;
  conditions?: Condition[];
}): BenchResult {
  const { name, inputs, figures, measured, bound, target, conditions = [] } = fields;
  const ratio = ratioTo(measured, bound.value);
  return {
    name,
    inputs,
    figures,
    measured: round(measured),
    bound: { ...bound, value: round(bound.value) },
    ratio: round(ratio),
    target,
    conditions,
    pass: meets(ratio, target) && conditions.every((condition) => condition.met),
  };
}

/** Three significant decimals are plenty for ratios and timings, and keep the JSON readable. */
export function round(value: number): number {
  return Number.isFinite(value) ? Math.round(value * 1000) / 1000 : value;
}

export function formatTarget(target: Target): string {
  return `${target.direction === 'atLeast' ? '≥' : '≤'} ${target.value}`;
}
