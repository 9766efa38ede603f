/** The readable form of the results: one aligned row per scenario, its figures and conditions underneath. */
import { formatTarget, type BenchResult } from './result';

const HEADERS = ['Scenario', 'Measured', 'Bound', 'Ratio', 'Target', 'Pass'] as const;

export function formatTable(results: readonly BenchResult[]): string {
  const rows = results.map((result) => [
    result.name,
    `${formatNumber(result.measured)} ${result.bound.unit}`,
    `${formatNumber(result.bound.value)} (${result.bound.basis})`,
    formatNumber(result.ratio),
    formatTarget(result.target),
    result.pass ? 'yes' : 'NO',
  ]);
  const widths = HEADERS.map((header, column) => Math.max(header.length, ...rows.map((row) => row[column].length)));
  const line = (cells: readonly string[]) => cells.map((cell, column) => cell.padEnd(widths[column])).join('  ').trimEnd();
  const lines = [line(HEADERS), line(widths.map((width) => '-'.repeat(width)))];
  results.forEach((result, index) => {
    lines.push(line(rows[index]));
    lines.push(`    ${formatFigures(result)}`);
    for (const condition of result.conditions) lines.push(`    ${condition.met ? 'met' : 'MISSED'}: ${condition.label}`);
  });
  return lines.join('\n');
}

function formatFigures(result: BenchResult): string {
  return Object.entries({ ...result.inputs, ...result.figures })
    .map(([key, value]) => `${key}=${typeof value === 'number' ? formatNumber(value) : String(value)}`)
    .join(' ');
}

/** Large numbers without decimals, small ones with up to three. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 3;
  return String(Number(value.toFixed(digits)));
}
