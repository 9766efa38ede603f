/**
 * `npm run -s chaos -- --kills N [--runs M] [--json] [--out FILE] [--faults] [--seed S] [--timeout SECONDS] [--concurrency C] [--partial P] [--max-users U] [--keep]`
 *
 * Kills the migration worker N times at random moments while M migrations run against the sandbox, then checks
 * the invariants against the sandbox's ledger and its own end state of every customer. Exit code 0 when every
 * invariant holds, 1 when one fails, 2 when the harness itself could not run. Progress goes to stderr; stdout
 * carries only the result: with --json exactly one JSON object (npm prints its own banner on stdout unless run with
 * -s, hence `npm run -s`), and --out FILE writes that JSON report to FILE as well. --timeout bounds the settle
 * phase after the last kill (default: derived from the workload). --partial P makes P runs partial migrations that
 * leave 1–3 holders on Kaizala Pro (default: one run in five); --max-users picks only customers with at most U
 * Kaizala Pro holders.
 */
import { writeFileSync } from 'node:fs';
import { runChaos, type ChaosOptions, type ChaosReport } from './chaosHarness';

const USAGE =
  'usage: npm run -s chaos -- --kills N [--runs M] [--json] [--out FILE] [--faults] [--seed S] [--timeout SECONDS] [--concurrency C] [--partial P] [--max-users U] [--keep]';

interface CliOptions extends Omit<ChaosOptions, 'log'> {
  json: boolean;
  /** Also write the JSON report here. */
  out?: string;
}

function wholeNumber(name: string, raw: string | undefined, min: number, max: number): number {
  const value = Number(raw);
  if (raw === undefined || !Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be a whole number from ${min} to ${max}`);
  }
  return value;
}

export function parseChaosArgs(argv: string[]): CliOptions {
  const options: CliOptions = {
    kills: -1,
    runs: 3,
    faults: false,
    json: false,
    seed: Date.now() % 1_000_000,
    concurrency: 3,
    leaseTtlMs: 1_500,
    keep: false,
  };
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index];
    const value = () => argv[++index];
    switch (arg) {
      case '--kills':
        options.kills = wholeNumber('--kills', value(), 0, 10_000);
        break;
      case '--runs':
        options.runs = wholeNumber('--runs', value(), 1, 30);
        break;
      case '--seed':
        options.seed = wholeNumber('--seed', value(), 0, 2 ** 31);
        break;
      case '--timeout':
        options.timeoutMs = wholeNumber('--timeout', value(), 10, 86_400) * 1000;
        break;
      case '--partial':
        options.partial = wholeNumber('--partial', value(), 0, 30);
        break;
      case '--max-users':
        options.maxUsers = wholeNumber('--max-users', value(), 1, 100_000);
        break;
      case '--concurrency':
        options.concurrency = wholeNumber('--concurrency', value(), 1, 8);
        break;
      case '--json':
        options.json = true;
        break;
      case '--out': {
        const file = value();
        if (!file || file.startsWith('--')) throw new Error('--out needs a file name');
        options.out = file;
        break;
      }
      case '--faults':
        options.faults = true;
        break;
      case '--keep':
        options.keep = true;
        break;
      default:
        throw new Error(`unknown argument ${arg}`);
    }
  }
  if (options.kills < 0) throw new Error('--kills is required');
  return options;
}

function printHuman(report: ChaosReport): void {
  const lines = [
    `chaos: ${report.options.runs} runs (${report.options.partial} partial) moving ${report.users} users, ${report.kills.done} kills (${report.kills.whileRunsUnfinished} while runs were unfinished), ${report.kills.workerStarts} worker starts, faults ${report.options.faults ? 'on' : 'off'}, seed ${report.options.seed}`,
    `  ${(report.durationMs / 1000).toFixed(1)} s: kill phase ${(report.killPhaseMs / 1000).toFixed(1)} s, settled ${report.settled ? 'after' : 'NOT within'} ${(report.settleMs / 1000).toFixed(1)} s (budget ${Math.round(report.settleBudgetMs / 1000)} s)`,
    ...report.runs.map(
      (run) =>
        `  ${run.requestId} ${run.customer} (${run.users} users → ${run.plan}${run.leftBehind ? `, ${run.leftBehind} left behind` : ''}): ${run.status}${run.outcome ? `, Kaizala ${run.outcome}` : ''}${run.parked ? `, ${run.parked}` : ''}`,
    ),
    ...Object.entries(report.invariants).map(([name, value]) => `  ${name}: ${typeof value === 'number' ? value : JSON.stringify(value)}`),
    ...report.violations.map((violation) => `  VIOLATION ${violation}`),
    report.ok ? 'chaos: every invariant holds' : 'chaos: INVARIANTS FAILED',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

async function main(): Promise<void> {
  let options: CliOptions;
  try {
    options = parseChaosArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`chaos: ${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
    process.exit(2);
  }
  // npm prints "> name@version chaos" on stdout before the script runs: only `npm run -s` keeps it pure JSON.
  if (options.json && process.env.npm_lifecycle_event && process.env.npm_config_loglevel !== 'silent') {
    process.stderr.write('chaos: npm printed its banner on stdout ahead of the JSON; use `npm run -s chaos -- --json` or --out FILE\n');
  }
  const report = await runChaos({ ...options, log: (line) => process.stderr.write(`chaos: ${line}\n`) });
  if (options.out) writeFileSync(options.out, `${JSON.stringify(report, null, 2)}\n`);
  if (options.json) process.stdout.write(`${JSON.stringify(report)}\n`);
  else printHuman(report);
  process.exit(report.ok ? 0 : 1);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`chaos: harness failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(2);
  });
}
