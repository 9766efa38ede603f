/**
 * License moves with Graph throttling on: one approved migration of a customer with many Kaizala Pro users, run by
 * the MigrationRunner with the license pacing the composition root gives it (connectBackend's shared budgets, the
 * RATE_HEADROOM default), against the sandbox enforcing Graph's write limit (3,000 per 150 s per tenant, 20/s).
 * The bound is users ÷ 20 writes/s; the purchase and verification around the moves are counted against the run.
 */
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { connectBackend } from '../bot/backend';
import { loadConfig } from '../bot/config';
import { startSandbox } from '../sandbox/server';
import type { MigrationRequest } from '../services/domain/request';
import { silentLogger } from '../services/logging';
import { MigrationRunner, silentRunNotifier, type MigrationRun } from '../services/migration';
import { openSqliteStore } from '../services/store';
import { atMost, benchResult, type BenchResult } from './result';

export interface LicenseMovesOptions {
  users: number;
}

const KAIZALA_SKU = '00000000-0000-4000-8000-00000000c0de';
/** An enterprise plan: business plans stop at 300 seats per subscription, below the full run's 2,000 users. */
const OFFICE_E1 = { planId: 'STANDARDPACK', title: 'Office 365 E1', skuId: '18181a46-0d4e-45cd-891e-60aabd171b4e', family: 'enterprise' as const };
/** Graph's published write limit per tenant, and the sandbox's default `graphWritesPer150Seconds`. */
const GRAPH_WRITES_PER_SECOND = 3_000 / 150;
const TARGET_RATIO = 1.1;
const APPROVER = { aadObjectId: 'aad-approver', name: 'Alex Wilber' };

interface CustomerState {
  customer: { id: string; companyName: string };
  subscriptions: Array<{ id: string; commitmentEndDate: string; sandbox: { skuId: string } }>;
  users: Array<{ id: string; licenses: Array<{ skuId: string }> }>;
}

export async function benchLicenseMoves(options: LicenseMovesOptions): Promise<BenchResult[]> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kma-bench-moves-'));
  // Provisioning and order-list delays shortened so the run is about the license writes; throttling stays on.
  const sandbox = await startSandbox({ port: 0, host: '127.0.0.1', seed: 'empty', knobs: { provisioningDelayMs: 150, orderListLagMs: 100, batchShuffle: false } });
  const store = openSqliteStore(dataDir);
  const config = loadConfig({ DATA_DIR: dataDir, PARTNER_CENTER_BASE_URL: sandbox.partnerCenterBaseUrl, GRAPH_BASE_URL: sandbox.graphBaseUrl });
  const backend = await connectBackend(config.partnerCenter, dataDir, silentLogger, store, { ...config.rates, shared: false });
  const runner = new MigrationRunner(
    {
      store,
      partnerCenter: backend.partnerCenter,
      graph: backend.graph,
      notifier: silentRunNotifier,
      logger: silentLogger,
      isApprover: (person) => person.aadObjectId === APPROVER.aadObjectId,
      licensePacers: { graph: backend.budgets.graphWrites, partnerCenter: backend.budgets.partnerCenterLicenseUpdates },
    },
    { ownerId: `bench-${randomUUID().slice(0, 8)}`, defaultLicensePath: 'graph', defaultCountry: config.partnerCenter.country },
  );
  try {
    const state = await admin<CustomerState>(sandbox.url, 'POST', '/customers', {
      companyName: 'Bench Moves Ltd',
      users: options.users,
      kaizala: [{ endInDays: 40 }],
      kaizalaHolderShare: 1,
    });
    const request = approvedRequest(state);
    await store.insert('requests', request.id, request);
    const started = performance.now();
    runner.start();
    const outcome = await runner.startRun(request.id);
    if (outcome.kind !== 'started' && outcome.kind !== 'alreadyStarted') throw new Error(`run did not start: ${outcome.kind}`);
    const run = await waitForRun(store, outcome.runId, options.users * 1_000);
    const seconds = (performance.now() - started) / 1000;
    const after = await admin<CustomerState>(sandbox.url, 'GET', `/state/customers/${state.customer.id}`);
    const unlicensed = after.users.filter((user) => request.userIds.includes(user.id) && user.licenses.length === 0).length;
    const moved = run.users.filter((user) => user.state === 'done').length;
    return [
      benchResult({
        name: `license moves, ${options.users} users, Graph throttling on`,
        inputs: { users: options.users, path: 'graph', headroom: config.rates.headroom, graphWritesPerSecondLimit: GRAPH_WRITES_PER_SECOND },
        figures: { seconds: Math.round(seconds * 10) / 10, status: run.status, ...(run.parked ? { parked: `${run.parked.code} at ${run.parked.step}: ${run.parked.detail}` } : {}), moved, movesPerSecond: Math.round((moved / seconds) * 10) / 10, unlicensed },
        measured: seconds,
        bound: { basis: `users ÷ ${GRAPH_WRITES_PER_SECOND} writes/s`, value: options.users / GRAPH_WRITES_PER_SECOND, unit: 's' },
        target: atMost(TARGET_RATIO),
        conditions: [{ label: 'every user moved, nobody left unlicensed', met: run.status === 'completed' && moved === options.users && unlicensed === 0 }],
      }),
    ];
  } finally {
    await runner.stop();
    await backend.close();
    await store.close();
    await sandbox.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

function approvedRequest(state: CustomerState): MigrationRequest {
  const kaizala = state.subscriptions.find((subscription) => subscription.sandbox.skuId === KAIZALA_SKU);
  if (!kaizala) throw new Error('the sandbox customer has no Kaizala Pro subscription');
  const userIds = state.users.filter((user) => user.licenses.some((license) => license.skuId === KAIZALA_SKU)).map((user) => user.id);
  const now = Date.now();
  return {
    id: randomUUID(),
    version: 2,
    status: 'approved',
    customerId: state.customer.id,
    customerName: state.customer.companyName,
    tenantId: state.customer.id,
    kaizalaSubscriptionId: kaizala.id,
    kaizalaSkuId: KAIZALA_SKU,
    commitmentEndDate: kaizala.commitmentEndDate,
    plan: OFFICE_E1,
    quantity: userIds.length,
    userIds,
    requester: { aadObjectId: 'aad-requester', name: 'Megan Bowen' },
    requesterLocale: 'en',
    createdAt: new Date(now - 60_000).toISOString(),
    expiresAt: new Date(now + 7 * 86_400_000).toISOString(),
    decidedAt: new Date(now).toISOString(),
    decidedBy: APPROVER,
  };
}

async function waitForRun(store: ReturnType<typeof openSqliteStore>, runId: string, timeoutMs: number): Promise<MigrationRun> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const run = (await store.get<MigrationRun>('runs', runId))?.value;
    if (run && ['completed', 'cancelled', 'parked'].includes(run.status)) return run;
    if (performance.now() > deadline) throw new Error(`run ${runId} did not finish within ${timeoutMs} ms (${run?.status}/${run?.step})`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function admin<T>(sandboxUrl: string, method: string, route: string, body?: unknown): Promise<T> {
  const response = await fetch(`${sandboxUrl}/_sandbox${route}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`sandbox ${method} ${route}: ${response.status} ${text}`);
  return JSON.parse(text) as T;
}
