/**
 * `npm run bench [-- --quick] [-- --out FILE]`: every benchmark against the real code over real HTTP on 127.0.0.1
 * (sandbox in process), a table on stdout and `bench/results.json`. Exits 1 when a target is missed.
 * `--quick` scales everything down to finish in under a minute on two cores; the full run takes a few minutes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { benchAlertPlanning } from './alertPlanning';
import { benchCardRender } from './cardRender';
import { benchInvokeLatency } from './invokeLatency';
import { runBenchmarks, type Benchmark, type BenchMode, type BenchReport } from './runner';
import { benchScanThroughput } from './scanThroughput';
import { benchScanUnderLimit } from './scanUnderLimit';
import { formatTable } from './table';

export const BENCH_USAGE = 'Usage: npm run bench -- [--quick] [--out FILE]';
export const DEFAULT_RESULTS_FILE = path.join('bench', 'results.json');
/** Quick runs are for a developer's loop; they never overwrite the committed full results. */
export const QUICK_RESULTS_FILE = path.join('bench', 'results.local.json');

/** Sizes per mode. The limit benchmark needs more than ~170 customers before it meets the 500/min limit at all. */
export const BENCHMARKS: readonly Benchmark[] = [
  { id: 'scanThroughput', run: (mode) => benchScanThroughput({ customers: byMode(mode, 200, 2000) }) },
  { id: 'scanUnderLimit', run: (mode) => benchScanUnderLimit({ customers: byMode(mode, 200, 300) }) },
  { id: 'alertPlanning', run: () => benchAlertPlanning({ subscriptions: 5000, accountManagers: 500 }) },
  { id: 'invokeLatency', run: (mode) => benchInvokeLatency({ requests: byMode(mode, 50, 200) }) },
  { id: 'cardRender', run: (mode) => benchCardRender({ iterations: byMode(mode, 20, 200) }) },
];

function byMode(mode: BenchMode, quick: number, full: number): number {
  return mode === 'quick' ? quick : full;
}

export interface BenchArgs {
  mode: BenchMode;
  out: string;
}

/** The options, or a problem to print with the usage. */
export function parseBenchArgs(argv: readonly string[]): BenchArgs | { problem: string } {
  let mode: BenchMode = 'full';
  let out: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--quick') mode = 'quick';
    else if (arg === '--out' && argv[i + 1] !== undefined && !argv[i + 1].startsWith('--')) out = argv[++i];
    else if (arg.startsWith('--out=') && arg.length > '--out='.length) out = arg.slice('--out='.length);
    else return { problem: `unknown or incomplete option: ${arg}` };
  }
  return { mode, out: out ?? (mode === 'quick' ? QUICK_RESULTS_FILE : DEFAULT_RESULTS_FILE) };
}

export function writeReport(report: BenchReport, file: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
}

async function main(argv: readonly string[]): Promise<number> {
  const args = parseBenchArgs(argv);
  if ('problem' in args) {
    process.stderr.write(`${args.problem}\n${BENCH_USAGE}\n`);
    return 2;
  }
  process.stdout.write(`Running ${BENCHMARKS.length} benchmarks (${args.mode})…\n`);
  const report = await runBenchmarks(BENCHMARKS, args.mode, (results) => {
    for (const result of results) process.stdout.write(`  ${result.pass ? 'ok  ' : 'MISS'} ${result.name}\n`);
  });
  const file = path.resolve(args.out);
  writeReport(report, file);
  const missed = report.results.filter((result) => !result.pass).length;
  process.stdout.write(`\n${formatTable(report.results)}\n\n`);
  process.stdout.write(`${report.results.length - missed} of ${report.results.length} targets met in ${Math.round(report.durationMs / 1000)} s; written to ${file}\n`);
  return missed === 0 ? 0 : 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`Benchmarks failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}
