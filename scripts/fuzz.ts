/**
 * `npm run fuzz -- [--count N] [--seed S] [--only I,J,…] [--lanes L] [--json]`
 *
 * The stranger fuzz (test/fuzz/): the real bot in local mode as a child process against a sandbox, a scenario set
 * up by its legitimate users, then N random and hostile activities, invokes and raw requests from people it does not
 * know. Prints counts by status, 5xx, crashes, hangs, stored-state changes and each distinct failure with the
 * command that replays it. Exit code 0 = no failure, 1 = a failure, 2 = the harness itself could not run.
 * With --json, stdout carries exactly one JSON object (progress goes to stderr).
 */
import { DEFAULT_FUZZ_OPTIONS, formatReport, runStrangerFuzz, type FuzzOptions } from '../test/fuzz/harness';

const USAGE = 'usage: npm run fuzz -- [--count N] [--seed S] [--only I,J,…] [--lanes L] [--json]';

interface CliOptions extends Omit<FuzzOptions, 'log'> {
  json: boolean;
}

function wholeNumber(name: string, raw: string | undefined, min: number, max: number): number {
  const value = Number(raw);
  if (raw === undefined || !Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be a whole number from ${min} to ${max}`);
  }
  return value;
}

export function parseFuzzArgs(argv: string[]): CliOptions {
  const options: CliOptions = { ...DEFAULT_FUZZ_OPTIONS, seed: Date.now() % 1_000_000, count: 2_000, json: false };
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index];
    const value = () => argv[++index];
    switch (arg) {
      case '--count':
        options.count = wholeNumber('--count', value(), 1, 1_000_000);
        break;
      case '--seed':
        options.seed = wholeNumber('--seed', value(), 0, 2 ** 32 - 1);
        break;
      case '--lanes':
        options.lanes = wholeNumber('--lanes', value(), 1, 16);
        break;
      case '--only': {
        const raw = value() ?? '';
        options.only = raw.split(',').map((part) => wholeNumber('--only', part.trim(), 0, 10_000_000));
        break;
      }
      case '--json':
        options.json = true;
        break;
      default:
        throw new Error(`unknown argument ${arg}`);
    }
  }
  return options;
}

async function main(): Promise<void> {
  let options: CliOptions;
  try {
    options = parseFuzzArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
    process.exit(2);
  }
  const { json, ...fuzz } = options;
  const log = (line: string) => (json ? process.stderr : process.stdout).write(`${line}\n`);
  log(`stranger fuzz: seed ${fuzz.seed}, ${fuzz.only ? `payloads ${fuzz.only.join(', ')}` : `${fuzz.count} payloads`}, ${fuzz.lanes} lanes`);
  const report = await runStrangerFuzz({ ...fuzz, log });
  if (json) process.stdout.write(`${JSON.stringify(report)}\n`);
  else log(formatReport(report));
  process.exitCode = report.failures.length === 0 ? 0 : 1;
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`fuzz harness failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(2);
  });
}
