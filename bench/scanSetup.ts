/**
 * A sandbox with a generated portfolio and an ExpiryScanner wired to it exactly as the composition root wires it
 * (`connectBackend` with the sandbox's URLs, a SQLite store on disk), plus a record of every HTTP call the clients made.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { connectBackend, DEFAULT_RATE_BUDGETS, type RateBudgetOptions } from '../bot/backend';
import { loadConfig } from '../bot/config';
import { startSandbox, type Knobs, type RunningSandbox } from '../sandbox/server';
import type { LogFields, Logger } from '../services/logging';
import { silentLogger } from '../services/logging';
import { ExpiryScanner } from '../services/scan';
import { openSqliteStore } from '../services/store';
import type { Store } from '../services/store/store';

/** One client call (one attempt) as `ApiHttp` logged it, on the `performance.now()` clock. */
export interface RecordedCall {
  service: string;
  status: number | undefined;
  outcome: string;
  /** When the attempt was sent: the log line's arrival minus the attempt's duration. */
  sentAtMs: number;
}

export interface ScanSetup {
  sandbox: SandboxUrls;
  store: Store;
  scanner: ExpiryScanner;
  /** Every client call so far, in order. */
  calls: RecordedCall[];
  close(): Promise<void>;
}

export interface ScanSetupOptions {
  customers: number;
  knobs?: Partial<Knobs>;
  /** The bot's own pacing (default: Partner Center's 500/min); benchmarks of our own code lift it with the sandbox's. */
  rates?: RateBudgetOptions;
  /** A sandbox already running elsewhere (the RSS benchmark keeps it out of the measured process); not closed here. */
  sandboxUrls?: SandboxUrls;
}

export type SandboxUrls = Pick<RunningSandbox, 'partnerCenterBaseUrl' | 'graphBaseUrl'>;

/** The bot's pacing lifted too, so nothing waits on a limit. */
export const UNPACED: RateBudgetOptions = { headroom: 1, partnerCenterRequestsPerMinute: 1_000_000_000 };

/** Knobs that lift every throttling bucket, for benchmarks about our own code rather than Microsoft's limits. */
export const UNTHROTTLED: Partial<Knobs> = {
  partnerRequestsPerMinute: 1_000_000_000,
  customerRequestsPerMinute: 1_000_000_000,
  graphWritesPer150Seconds: 1_000_000_000,
  graphResourceUnitsPer10Seconds: 1_000_000_000,
};

export async function setUpScan(options: ScanSetupOptions): Promise<ScanSetup> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kma-bench-scan-'));
  const own = options.sandboxUrls ? undefined : await startSandbox({ port: 0, host: '127.0.0.1', customers: options.customers, knobs: options.knobs });
  const sandbox: SandboxUrls = options.sandboxUrls ?? own!;
  const calls: RecordedCall[] = [];
  const config = loadConfig({
    DATA_DIR: dataDir,
    PARTNER_CENTER_BASE_URL: sandbox.partnerCenterBaseUrl,
    GRAPH_BASE_URL: sandbox.graphBaseUrl,
  });
  const store = openSqliteStore(dataDir);
  const backend = await connectBackend(config.partnerCenter, dataDir, callRecordingLogger(calls), store, options.rates ?? DEFAULT_RATE_BUDGETS);
  const scanner = new ExpiryScanner({
    partnerCenter: backend.partnerCenter,
    graph: backend.graph,
    store,
    limiter: backend.limiter,
    logger: silentLogger,
    timeZone: config.alerts.timeZone,
  });
  return {
    sandbox,
    store,
    scanner,
    calls,
    close: async () => {
      await backend.close();
      await store.close();
      await own?.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The backend logs each client call (debug when it succeeded, warn otherwise); keep those, drop everything else. */
function callRecordingLogger(calls: RecordedCall[]): Logger {
  const record = (_message: string, fields?: LogFields) => {
    if (!fields || typeof fields.service !== 'string' || typeof fields.outcome !== 'string') return;
    const durationMs = typeof fields.durationMs === 'number' ? fields.durationMs : 0;
    calls.push({
      service: fields.service,
      status: typeof fields.status === 'number' ? fields.status : undefined,
      outcome: fields.outcome,
      sentAtMs: performance.now() - durationMs,
    });
  };
  return { ...silentLogger, debug: record, warn: record };
}
