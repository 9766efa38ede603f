/**
 * `npm run scan -- [--json|--csv] [--within DAYS] [--no-refresh]`: scans Partner Center for expiring standalone
 * Kaizala Pro subscriptions, then prints the report (table, JSON array or RFC 4180 CSV) on stdout; logs and the
 * scan summary go to stderr, so the output can be piped. Works against whatever backend the bot uses: the embedded
 * sandbox (default), a running sandbox (PARTNER_CENTER_BASE_URL + GRAPH_BASE_URL) or live Partner Center.
 */
import * as fs from 'node:fs';
import { connectBackend } from '../bot/backend';
import { ConfigError, environmentWithDotEnv, loadConfig, type PartnerCenterConfig } from '../bot/config';
import { StoreAccessMemory, TenantAccess } from '../services/graph';
import { createLogger, type Logger } from '../services/logging';
import {
  ExpiringReport,
  ExpiryScanner,
  ScanAlreadyRunningError,
  ScanRunner,
  formatCsv,
  formatJson,
  formatTable,
  toReportRow,
  type ScanSummary,
} from '../services/scan';
import { LeaseManager, openStore, type Store } from '../services/store';

export const SCAN_USAGE = `Usage: npm run -s scan -- [--json | --csv] [--within DAYS] [--no-refresh] [--out FILE]

Scans every customer for standalone Kaizala Pro subscriptions, then prints the report, most urgent first.
  --json          a JSON array instead of a table
  --csv           RFC 4180 CSV instead of a table
  --within DAYS   only subscriptions ending within DAYS days (expired ones included)
  --no-refresh    print the stored report without scanning first
  --out FILE      write the report to FILE instead of stdout
  --help          this text
Use npm's -s (silent): without it npm prints its own banner on stdout, before the report.
Exit codes: 0 done; 1 the scan failed (the stored report is not printed); 2 bad arguments;
            3 done, but some customers could not be read (listed on stderr; the report keeps what is known).
`;

export interface ScanCliArgs {
  format: 'table' | 'json' | 'csv';
  withinDays?: number;
  refresh: boolean;
  help: boolean;
  /** Where the report goes instead of stdout. */
  outFile?: string;
}

const MAX_WITHIN_DAYS = 36_500;

/** Parses the arguments after `--`; a string is the problem to show above the usage text. */
export function parseScanArgs(argv: readonly string[]): ScanCliArgs | string {
  const args: ScanCliArgs = { format: 'table', refresh: true, help: false };
  for (let index = 0; index < argv.length; index++) {
    const [flag, inlineValue] = argv[index].startsWith('--within=') ? ['--within', argv[index].slice('--within='.length)] : [argv[index], undefined];
    switch (flag) {
      case '--json':
      case '--csv': {
        const format = flag === '--json' ? 'json' : 'csv';
        if (args.format !== 'table' && args.format !== format) return '--json and --csv cannot be combined';
        args.format = format;
        break;
      }
      case '--within': {
        const raw = inlineValue ?? argv[++index];
        if (raw === undefined) return '--within needs a number of days';
        if (!/^\d+$/.test(raw) || Number(raw) > MAX_WITHIN_DAYS) return `--within takes a whole number of days from 0 to ${MAX_WITHIN_DAYS}, not "${raw}"`;
        args.withinDays = Number(raw);
        break;
      }
      case '--no-refresh':
        args.refresh = false;
        break;
      case '--out': {
        const file = argv[++index];
        if (file === undefined || file.startsWith('--')) return '--out needs a file name';
        args.outFile = file;
        break;
      }
      case '--help':
      case '-h':
        args.help = true;
        break;
      default:
        return `unknown argument "${argv[index]}"`;
    }
  }
  return args;
}

/** Everything the CLI needs, already built: the lead's entry (or `openScanCli`) wires it. */
export interface ScanCliDeps {
  /** Runs the scan under the same one-at-a-time rule (and lease) as the bot's `scan now`. */
  runner: Pick<ScanRunner, 'run'>;
  report: Pick<ExpiringReport, 'read'>;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Writes `--out FILE`; defaults to the file system. */
  writeFile?: (file: string, text: string) => void;
}

/** Exit codes, as SCAN_USAGE explains them. */
export const SCAN_EXIT = { done: 0, failed: 1, badArguments: 2, partial: 3 } as const;

/** Runs the CLI; returns the exit code (SCAN_EXIT). */
export async function runScanCli(argv: readonly string[], deps: ScanCliDeps): Promise<number> {
  const args = parseScanArgs(argv);
  if (typeof args === 'string') {
    deps.stderr(`scan: ${args}\n\n${SCAN_USAGE}`);
    return 2;
  }
  if (args.help) {
    deps.stdout(SCAN_USAGE);
    return 0;
  }
  let partial = false;
  if (args.refresh) {
    try {
      const summary = await deps.runner.run({ reason: 'cli', by: 'npm run scan' });
      partial = summary.customersFailed > 0;
      deps.stderr(`${describeSummary(summary)}\n`);
    } catch (error) {
      if (!(error instanceof ScanAlreadyRunningError)) {
        deps.stderr(`scan: the scan failed: ${error instanceof Error ? error.message : String(error)}\n`);
        return SCAN_EXIT.failed;
      }
      deps.stderr('scan: another scan is running (the bot\'s?); printing the report stored so far\n');
    }
  }
  const rows = (await deps.report.read({ withinDays: args.withinDays })).map(toReportRow);
  const text = args.format === 'json' ? formatJson(rows) : args.format === 'csv' ? formatCsv(rows) : formatTable(rows);
  if (args.outFile === undefined) {
    deps.stdout(text);
  } else {
    try {
      (deps.writeFile ?? ((file, content) => fs.writeFileSync(file, content)))(args.outFile, text);
    } catch (error) {
      deps.stderr(`scan: cannot write ${args.outFile}: ${error instanceof Error ? error.message : String(error)}\n`);
      return SCAN_EXIT.failed;
    }
    deps.stderr(`scan: wrote ${rows.length} rows to ${args.outFile}\n`);
  }
  return partial ? SCAN_EXIT.partial : SCAN_EXIT.done;
}

/** The scan summary in a few lines for stderr. */
export function describeSummary(summary: ScanSummary): string {
  const seconds = (summary.durationMs / 1000).toFixed(1);
  const lines = [
    `Scanned ${summary.customersScanned} of ${summary.customersTotal} customers in ${seconds} s${summary.resumed ? ' (resumed an interrupted scan)' : ''}: ` +
      `${summary.subscriptionsFound} Kaizala Pro subscriptions, ${summary.urgent} urgent (expired or ending within 7 days), ` +
      `${summary.needsReview} need review; days counted in ${summary.timeZone}.`,
  ];
  if (summary.customersFailed > 0) {
    lines.push(`${summary.customersFailed} customers could not be read:`);
    for (const failure of summary.failures) lines.push(`  - ${failure.customerName} (${failure.customerId}): ${failure.kind}: ${failure.reason}`);
  }
  if (summary.partial > 0) lines.push(`${summary.partial} subscriptions are listed with something unknown (a lookup failed): see the "unknown" column.`);
  for (const warning of summary.warnings) lines.push(`  note: ${warning.customerName}: ${warning.message}`);
  return lines.join('\n');
}

export interface ScanCliSettings {
  partnerCenter: PartnerCenterConfig;
  store: Parameters<typeof openStore>[0];
  /** Where the embedded sandbox keeps its state (the bot's DATA_DIR, so both see the same customers). */
  dataDir: string;
  timeZone: string;
  logger: Logger;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

export interface OpenScanCli {
  deps: ScanCliDeps;
  store: Store;
  close(): Promise<void>;
}

/**
 * Builds the clients (through the bot's own `connectBackend`), store, scanner and report: an embedded sandbox on a
 * free port when sandbox mode has no base URL, else the configured endpoints with sandbox or MSAL tokens.
 */
export async function openScanCli(settings: ScanCliSettings): Promise<OpenScanCli> {
  const { logger } = settings;
  // A free port for an embedded sandbox, so the CLI never collides with a running bot's sandbox.
  const store = await openStore(settings.store);
  const backend = await connectBackend({ ...settings.partnerCenter, sandboxPort: 0 }, settings.dataDir, logger, store);
  // Customer tenants as the bot reaches them (bot/index.ts): app-only where consented, else delegated through GDAP.
  const graph = backend.graph.withTenantAccess(
    new TenantAccess({ appOnly: backend.tokens.graph, delegated: backend.tokens.graphDelegated, memory: new StoreAccessMemory(store) }),
  );
  const scanner = new ExpiryScanner({
    partnerCenter: backend.partnerCenter,
    graph,
    store,
    limiter: backend.limiter,
    logger,
    timeZone: settings.timeZone,
    country: settings.partnerCenter.country,
  });
  const runner = new ScanRunner({ scanner, logger, leases: new LeaseManager(store), owner: `scan-cli-${process.pid}` });
  return {
    deps: { runner, report: new ExpiringReport({ store, timeZone: settings.timeZone }), stdout: settings.stdout, stderr: settings.stderr },
    store,
    async close() {
      await store.close();
      await backend.close();
    },
  };
}

async function main(argv: readonly string[]): Promise<number> {
  const stdout = (text: string) => void process.stdout.write(text);
  const stderr = (text: string) => void process.stderr.write(text);
  const args = parseScanArgs(argv);
  // Bad arguments and --help are answered before anything is started or opened.
  if (typeof args === 'string') {
    stderr(`scan: ${args}\n\n${SCAN_USAGE}`);
    return 2;
  }
  if (args.help) {
    stdout(SCAN_USAGE);
    return 0;
  }

  const env = environmentWithDotEnv(process.cwd(), process.env);
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    stderr(`${error.message}\n`);
    return 1;
  }
  const cli = await openScanCli({
    partnerCenter: config.partnerCenter,
    store: config.store,
    dataDir: config.dataDir,
    timeZone: config.alerts.timeZone,
    logger: createLogger(config.logLevel, (line) => stderr(`${line}\n`)),
    stdout,
    stderr,
  });
  try {
    return await runScanCli(argv, cli.deps);
  } finally {
    await cli.close();
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`scan: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
