/**
 * The crash harness's worker: the same migration runner the bot uses, against a running sandbox and a SQLite store
 * in `--data-dir`, without Teams (progress goes to the log). It resumes every unfinished run at start and prints
 * `ready`; the harness kills it with SIGKILL at random moments. SIGTERM stops it cleanly.
 *
 * CHAOS_MUTANT=skipMove|skipSuspend|buyTwice (read here and nowhere else) swaps in a client that breaks that promise
 * while reporting success (scripts/chaosMutants.ts): the harness's self-test must then fail. Unknown values are refused.
 *
 * node -r ./scripts/chaosRegister.cjs scripts/chaosWorker.ts --data-dir DIR --pc-url URL --graph-url URL --owner ID
 *   [--concurrency N] [--lease-ttl-ms MS] [--verbose]
 */
import { join } from 'node:path';
import axios from 'axios';
import { createPartnerAuth, localEncryptionKey, signInSandboxPartnerAdmin } from '../services/auth';
import { SANDBOX_AUTHORITY_HOST, SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, SANDBOX_PARTNER_TENANT_ID } from '../sandbox/identity';
import { GraphClient, StoreAccessMemory, TenantAccess } from '../services/graph';
import { ApiHttp } from '../services/http';
import { createLogger } from '../services/logging';
import { MigrationRunner, type RunNotifier } from '../services/migration';
import { PartnerCenterClient } from '../services/partnerCenter';
import { openSqliteStore } from '../services/store';
import { BuyTwicePartnerCenterClient, SkipMoveGraphClient, SkipSuspendPartnerCenterClient, parseMutant } from './chaosMutants';

interface WorkerOptions {
  dataDir: string;
  partnerCenterUrl: string;
  graphUrl: string;
  owner: string;
  concurrency: number;
  leaseTtlMs: number;
  verbose: boolean;
}

function parseArgs(argv: string[]): WorkerOptions {
  const values = new Map<string, string>();
  let verbose = false;
  for (let index = 0; index < argv.length; index++) {
    const name = argv[index];
    if (name === '--verbose') {
      verbose = true;
      continue;
    }
    const value = argv[index + 1];
    if (!name.startsWith('--') || value === undefined) throw new Error(`chaos worker: bad argument ${name}`);
    values.set(name.slice(2), value);
    index++;
  }
  const required = (name: string) => {
    const value = values.get(name);
    if (!value) throw new Error(`chaos worker: --${name} is required`);
    return value;
  };
  return {
    dataDir: required('data-dir'),
    partnerCenterUrl: required('pc-url'),
    graphUrl: required('graph-url'),
    owner: required('owner'),
    concurrency: Number(values.get('concurrency') ?? 3),
    leaseTtlMs: Number(values.get('lease-ttl-ms') ?? 1_500),
    verbose,
  };
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const logger = createLogger(options.verbose ? 'info' : 'warn', (line) => process.stderr.write(`${line}\n`));
  const store = openSqliteStore(options.dataDir);
  // Tokens from the sandbox's identity endpoint, as the bot gets them; the demo partner admin signs in once per data dir.
  const sandboxUrl = new URL(options.partnerCenterUrl).origin;
  const { tokens, partnerConnection } = createPartnerAuth(
    { mode: 'sandbox', tenantId: SANDBOX_PARTNER_TENANT_ID, clientId: SANDBOX_CLIENT_ID, clientSecret: SANDBOX_CLIENT_SECRET, authorityHost: SANDBOX_AUTHORITY_HOST, sandboxUrl },
    { store, encryptionKey: localEncryptionKey(options.dataDir) },
  );
  if ((await partnerConnection.status()).state !== 'connected') await signInSandboxPartnerAdmin(partnerConnection, sandboxUrl);
  const http = new ApiHttp({
    axios: axios.create(),
    timeoutMs: 3_000,
    retryPolicy: { maxAttempts: 6, baseDelayMs: 50, maxDelayMs: 1_000, maxTotalMs: 30_000 },
  });
  const mutant = parseMutant(process.env.CHAOS_MUTANT);
  const partnerCenterOptions = {
    http,
    baseUrl: options.partnerCenterUrl,
    getToken: tokens.partnerCenter,
    getUserToken: tokens.partnerCenterUser,
    pollIntervalMs: 100,
  };
  const partnerCenter =
    mutant === 'skipSuspend'
      ? new SkipSuspendPartnerCenterClient(partnerCenterOptions)
      : mutant === 'buyTwice'
        ? new BuyTwicePartnerCenterClient(partnerCenterOptions)
        : new PartnerCenterClient(partnerCenterOptions);
  // Customer tenants as bot/index.ts reaches them: app-only where the customer consented, else the partner admin's
  // delegated GDAP token (remembered in the store, so a restarted worker goes straight to what worked).
  const access = new TenantAccess({ appOnly: tokens.graph, delegated: tokens.graphDelegated, memory: new StoreAccessMemory(store) });
  const graphOptions = { http, baseUrl: options.graphUrl, getToken: tokens.graph, access, batchPartBackoffMs: 100 };
  const graph = mutant === 'skipMove' ? new SkipMoveGraphClient(graphOptions, join(options.dataDir, 'mutant-skipMove.jsonl')) : new GraphClient(graphOptions);
  if (mutant) logger.warn('chaos worker runs a mutant', { mutant });
  const notifier: RunNotifier = {
    progress: async (view) => {
      logger.info('progress', { run: view.runId, status: view.status, step: view.step, moved: view.users.moved, total: view.users.total });
      return undefined;
    },
    completed: async (view) => logger.info('completed', { run: view.runId, outcome: view.outcome }),
    deadlineAtRisk: async (view) => logger.info('deadline at risk', { run: view.runId }),
  };
  const runner = new MigrationRunner(
    { store, partnerCenter, graph, notifier, logger, isApprover: () => false },
    {
      ownerId: options.owner,
      concurrency: options.concurrency,
      leaseTtlMs: options.leaseTtlMs,
      tickMs: 100,
      requestPollMs: 500,
      progressMinIntervalMs: 500,
      pollInitialMs: 100,
      pollMaxMs: 1_000,
      inlineWaitMaxMs: 1_500,
      provisioningTimeoutMs: 180_000,
      purchaseLandingTimeoutMs: 120_000,
    },
  );
  const resumed = await runner.resumeAll();
  runner.start();
  process.stdout.write(`ready ${JSON.stringify(resumed)}\n`);

  const shutdown = () => {
    runner
      .stop()
      .then(() => store.close())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          process.stderr.write(`chaos worker: shutdown failed: ${String(error)}\n`);
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

main().catch((error: unknown) => {
  process.stderr.write(`chaos worker: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
