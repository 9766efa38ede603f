/** The readable form of the results: one aligned row per result, its key figures underneath. */
import { formatTarget, type BenchResult } from './result';

const HEADERS = ['Benchmark', 'Value', 'Unit', 'Target', 'Pass'] as const;

export function formatTable(results: readonly BenchResult[]): string {
  const rows = results.map((result) => [result.name, formatNumber(result.value), result.unit, formatTarget(result.target), result.pass ? 'yes' : 'NO']);
  const widths = HEADERS.map((header, column) => Math.max(header.length, ...rows.map((row) => row[column].length)));
  const line = (cells: readonly string[]) =>
    cells.map((cell, column) => (column === 1 ? cell.padStart(widths[column]) : cell.padEnd(widths[column]))).join('  ').trimEnd();
  const lines = [line(HEADERS), line(widths.map((width) => '-'.repeat(width)))];
  results.forEach((result, index) => {
    lines.push(line(rows[index]));
    lines.push(`    ${formatDetails(result)}`);
  });
  return lines.join('\n');
}

function formatDetails(result: BenchResult): string {
  return Object.entries(result.details)
    .map(([key, value]) => `${key}=${typeof value === 'number' ? formatNumber(value) : String(value)}`)
    .join(' ');
}

/** Large numbers without decimals, small ones with up to three. */
function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 3;
  return String(Number(value.toFixed(digits)));
}
