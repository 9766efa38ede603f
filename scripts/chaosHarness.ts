/**
 * The crash harness: a sandbox process with the demo portfolio, approved migration requests for several customers
 * written straight into a fresh store, and a worker process that is killed with SIGKILL at random moments and
 * restarted each time. Once every run has settled (or the settle budget is spent), the sandbox — its ledger and its
 * own end state of each customer — decides whether the runs kept their promises; the worker's store only says
 * which runs claim to be finished, and a claim the sandbox contradicts is a violation.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { manageable } from '../sandbox/gdap';
import type { CustomerAccess } from '../sandbox/model';
import { TEAMS_EEA, TEAMS_STANDALONE_SKU_IDS, findPlan, isEeaMarket, toChosenPlan, type PlanDefinition } from '../services/catalog';
import type { ChosenPlan, MigrationRequest, RequestLine } from '../services/domain/request';
import type { MigrationRun } from '../services/migration';
import { openSqliteStore, type Store } from '../services/store';
import { evaluateChaos, type ChaosRequest, type ChaosVerdict, type LedgerRecord, type SandboxCustomerState } from './chaosInvariants';
import { spawnEntry, stopProcess, waitForLine } from './chaosProcess';

export interface ChaosOptions {
  kills: number;
  runs: number;
  faults: boolean;
  seed: number;
  /**
   * How long the runs may take to settle once the last kill is done (the kill phase has no deadline: it always
   * runs all its kills). Undefined: derived from the workload (defaultSettleBudgetMs).
   */
  timeoutMs?: number;
  concurrency: number;
  leaseTtlMs: number;
  /** How many runs are partial migrations (1–3 holders left behind); undefined = one in five. */
  partial?: number;
  /** Only customers with at most this many Kaizala Pro holders (small, quick self-tests); undefined = any. */
  maxUsers?: number;
  /** Keep the temporary data directory (store and logs) for inspection. */
  keep: boolean;
  log: (line: string) => void;
}

export interface ChaosReport extends ChaosVerdict {
  options: { kills: number; runs: number; partial: number; faults: boolean; seed: number };
  kills: { done: number; whileRunsUnfinished: number; workerStarts: number };
  runs: Array<{ requestId: string; customer: string; users: number; leftBehind: number; plan: string; status: string; step: string; outcome?: string; parked?: string }>;
  /** Users the runs were asked to move, and how long each phase took. */
  users: number;
  killPhaseMs: number;
  settleMs: number;
  settleBudgetMs: number;
  /** False when the settle budget ran out before every run was completed, parked or cancelled in the store. */
  settled: boolean;
  durationMs: number;
  dataDir?: string;
}

const KAIZALA_SKU = '00000000-0000-4000-8000-00000000c0de';
const REQUEST_ID_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** Short waits so a run takes seconds, not the real minutes. */
const BASE_KNOBS = { provisioningDelayMs: 800, seatProvisioningDelayMs: 200, orderListLagMs: 500, checkoutProcessingMs: 50, latencyMs: 2, latencyJitterMs: 6 };

/** `--faults`: 429 storms, transient 5xx, timeouts, commit-then-drop and assign-without-remove, all seeded. */
function faultKnobs(seed: number): Record<string, unknown> {
  return {
    randomSeed: seed,
    throttleStormRate: 0.05,
    throttleStormRetryAfterSeconds: 1,
    serverErrorRate: 0.03,
    timeoutRate: 0.01,
    timeoutHoldMs: 3_500,
    faults: [
      { action: 'commitThenDrop', operation: 'checkout', probability: 0.5 },
      { action: 'commitThen504', operation: 'createCart', probability: 0.2 },
      { action: 'assignOnly', operation: 'assignLicense', probability: 0.02 },
      { action: 'assignOnly', operation: 'assignLicense', probability: 0.01, reply: 'error' },
      { action: 'commitThenDrop', operation: 'assignLicense', probability: 0.02 },
      { action: 'commitThenDrop', operation: 'patchSubscription', probability: 0.3 },
      { action: 'accepted202', operation: 'patchSubscription', probability: 0.3, polls: 2 },
    ],
  };
}

interface SandboxState extends SandboxCustomerState {
  customer: { id: string; companyName: string; country: string; profile: string; access: CustomerAccess };
  subscriptions: Array<{ id: string; status: string; commitmentEndDate: string; sandbox: { skuId: string } }>;
  users: Array<{ id: string; userPrincipalName: string; usageLocation: string | null; licenses: Array<{ skuId: string; groupId: string | null }> }>;
}

/** A seeded generator, so `--seed` repeats the same customers and kill moments. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = Math.imul(state ^ (state >>> 15), 1 | state);
    value = (value + Math.imul(value ^ (value >>> 7), 61 | value)) ^ value;
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

class SandboxAdmin {
  constructor(readonly url: string) {}

  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.url}/_sandbox${path}`, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`sandbox ${method} ${path}: ${response.status} ${text}`);
    return JSON.parse(text) as T;
  }

  async ledger(afterSeq: number): Promise<LedgerRecord[]> {
    const entries: LedgerRecord[] = [];
    for (let after = afterSeq; ; ) {
      const page = await this.call<{ entries: LedgerRecord[]; lastSeq: number }>('GET', `/ledger?afterSeq=${after}&limit=5000`);
      entries.push(...page.entries);
      if (page.entries.length < 5000) return entries;
      after = page.lastSeq;
    }
  }
}

/** Demo customers a clean run can finish for: reachable, one active Kaizala subscription, every holder movable. */
async function pickCustomers(admin: SandboxAdmin, count: number, maxUsers: number, random: () => number): Promise<SandboxState[]> {
  const { customers } = await admin.call<{ customers: Array<{ id: string }> }>('GET', '/customers');
  const eligible: SandboxState[] = [];
  for (const { id } of customers) {
    const state = await admin.call<SandboxState>('GET', `/state/customers/${id}`);
    const access = state.customer.access;
    // The worker reaches Graph as the bot does, app-only where consented, else delegated through GDAP: any customer
    // whose tenant the partner's app may enter by either token (most demo customers, like Microsoft's, have no app-only consent).
    const graphReachable = access.graphConsent || access.delegatedConsent !== false;
    if (!manageable(access) || !graphReachable || state.customer.profile === 'education') continue;
    const kaizala = state.subscriptions.filter((subscription) => subscription.sandbox.skuId === KAIZALA_SKU);
    if (kaizala.length !== 1 || kaizala[0].status !== 'active') continue;
    const holders = state.users.filter((user) => user.licenses.some((license) => license.skuId === KAIZALA_SKU));
    const movable = holders.every((user) => user.usageLocation && user.licenses.every((license) => license.groupId === null));
    if (holders.length > 0 && holders.length <= maxUsers && movable) eligible.push(state);
  }
  if (eligible.length < count) throw new Error(`only ${eligible.length} demo customers can run cleanly; ask for at most that many runs`);
  for (let index = eligible.length - 1; index > 0; index--) {
    const other = Math.floor(random() * (index + 1));
    [eligible[index], eligible[other]] = [eligible[other], eligible[index]];
  }
  return eligible.slice(0, count);
}

/**
 * The request the wizard would make for the Kaizala Pro holders: Business Basic for up to 100 (unless the tenant has
 * it already), else Office 365 E1 — in the EEA and Switzerland the E1 EEA "(no Teams)" suite plus Teams EEA for those
 * without a Teams standalone, two lines in one purchase, as Microsoft sells it there. A partial migration leaves the
 * last `leaveBehind` holders (the sandbox's order) on Kaizala Pro.
 */
function requestFor(state: SandboxState, random: () => number, leaveBehind: number): { request: MigrationRequest; chaos: ChaosRequest } {
  const kaizala = state.subscriptions.find((subscription) => subscription.sandbox.skuId === KAIZALA_SKU) as SandboxState['subscriptions'][number];
  const allHolders = state.users.filter((user) => user.licenses.some((license) => license.skuId === KAIZALA_SKU));
  const holders = allHolders.slice(0, allHolders.length - leaveBehind);
  const leftBehind = allHolders.slice(holders.length).map((user) => user.id);
  const holderIds = holders.map((user) => user.id);
  const businessBasic = requirePlan('business-basic');
  const e1 = requirePlan('o365-e1');
  const hasBusinessBasic = state.subscriptions.some((subscription) => subscription.sandbox.skuId === businessBasic.skus[0].skuId);
  const eeaSuite = e1.withoutTeams?.eeaNoTeams;
  let plan: ChosenPlan;
  let lines: RequestLine[] | undefined;
  if (holders.length <= 100 && !hasBusinessBasic) plan = toChosenPlan(businessBasic);
  else if (isEeaMarket(state.customer.country) && eeaSuite) {
    plan = { ...toChosenPlan(e1), title: eeaSuite.title, skuId: eeaSuite.skuId };
    const needTeams = holders.filter((user) => !user.licenses.some((license) => TEAMS_STANDALONE_SKU_IDS.has(license.skuId))).map((user) => user.id);
    lines = [
      { skuId: eeaSuite.skuId, skuPartNumber: eeaSuite.skuPartNumber, title: eeaSuite.title, quantity: holderIds.length, userIds: holderIds },
      ...(needTeams.length > 0 ? [{ skuId: TEAMS_EEA.skuId, skuPartNumber: TEAMS_EEA.skuPartNumber, title: TEAMS_EEA.title, quantity: needTeams.length, userIds: needTeams }] : []),
    ];
  } else plan = toChosenPlan(e1);
  let id = 'MR-';
  for (let index = 0; index < 10; index++) id += REQUEST_ID_ALPHABET[Math.floor(random() * REQUEST_ID_ALPHABET.length)];
  const now = new Date();
  const request: MigrationRequest = {
    id,
    version: 1,
    status: 'pending',
    customerId: state.customer.id,
    customerName: state.customer.companyName,
    tenantId: state.customer.id,
    kaizalaSubscriptionId: kaizala.id,
    kaizalaSkuId: KAIZALA_SKU,
    commitmentEndDate: kaizala.commitmentEndDate,
    plan,
    quantity: holderIds.length,
    userIds: holderIds,
    ...(lines ? { lines } : {}),
    ...(leftBehind.length > 0 ? { usersLeftBehind: leftBehind.length } : {}),
    requester: { aadObjectId: randomUUID(), name: 'Chaos requester' },
    requesterLocale: 'en',
    createdAt: new Date(now.getTime() - 60_000).toISOString(),
    expiresAt: new Date(now.getTime() + 7 * 86_400_000).toISOString(),
  };
  const targets: Record<string, string[]> = Object.fromEntries(holderIds.map((userId) => [userId, lines ? [] : [plan.skuId]]));
  for (const line of lines ?? []) for (const userId of line.userIds) targets[userId].push(line.skuId);
  const chaos: ChaosRequest = {
    requestId: id,
    customerId: state.customer.id,
    customerName: state.customer.companyName,
    kaizalaSubscriptionId: kaizala.id,
    kaizalaSkuId: KAIZALA_SKU,
    targets,
    initialLicenses: Object.fromEntries(state.users.map((user) => [user.id, user.licenses.map((license) => license.skuId)])),
    initialOrderIds: state.orders.map((order) => order.id),
    leftBehind,
  };
  return { request, chaos };
}

/** Which of the customers (by index) leave how many holders behind: seeded, only customers with at least 2 holders. */
function partialRuns(customers: SandboxState[], count: number, random: () => number): Map<number, number> {
  const holdersOf = (state: SandboxState) => state.users.filter((user) => user.licenses.some((license) => license.skuId === KAIZALA_SKU)).length;
  const candidates = customers.map((state, index) => ({ index, holders: holdersOf(state) })).filter((entry) => entry.holders >= 2);
  if (candidates.length < count) throw new Error(`only ${candidates.length} of the picked customers can leave users behind; ask for at most that many partial runs`);
  const partial = new Map<number, number>();
  while (partial.size < count) {
    const { index, holders } = candidates[Math.floor(random() * candidates.length)];
    if (!partial.has(index)) partial.set(index, 1 + Math.floor(random() * Math.min(3, holders - 1)));
  }
  return partial;
}

function requirePlan(planId: string): PlanDefinition {
  const plan = findPlan(planId);
  if (!plan) throw new Error(`the catalog has no plan ${planId}`);
  return plan;
}

/** Writes the requests as the approvals flow leaves them: inserted pending, then approved with compare-and-set. */
async function approveRequests(store: Store, requests: MigrationRequest[]): Promise<void> {
  for (const request of requests) {
    const inserted = await store.insert('requests', request.id, request);
    const decidedAt = new Date().toISOString();
    await store.replace<MigrationRequest>(
      'requests',
      request.id,
      { ...request, status: 'approved', version: 2, decidedAt, decidedBy: { aadObjectId: randomUUID(), name: 'Chaos approver' } },
      inserted.version,
    );
  }
}

function settled(runs: MigrationRun[], expected: number): boolean {
  return runs.length >= expected && runs.every((run) => run.status === 'completed' || run.status === 'parked' || run.status === 'cancelled');
}

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const started = Date.now();
  const random = seededRandom(options.seed);
  const dataDir = mkdtempSync(join(tmpdir(), 'kma-chaos-'));
  const children = new Set<ChildProcess>();
  let store: Store | undefined;
  try {
    const sandboxProcess = spawnEntry('sandbox/main', ['--port', '0', '--in-memory', '--seed', 'demo'], { ...process.env, SANDBOX_PORT: '0' });
    children.add(sandboxProcess);
    const [, url] = await waitForLine(sandboxProcess, /sandbox listening on (http:\/\/[^\s]+)/, 60_000);
    const admin = new SandboxAdmin(url);
    await admin.call('PUT', '/knobs', { ...BASE_KNOBS, ...(options.faults ? faultKnobs(options.seed) : {}) });
    options.log(`sandbox at ${url}${options.faults ? ' with faults' : ''}; data in ${dataDir}`);

    const customers = await pickCustomers(admin, options.runs, options.maxUsers ?? Infinity, random);
    const partial = partialRuns(customers, options.partial ?? Math.floor(options.runs / 5), random);
    const picked = customers.map((state, index) => requestFor(state, random, partial.get(index) ?? 0));
    const baselineSeq = (await admin.call<{ lastSeq: number }>('GET', '/ledger?afterSeq=0&limit=1000000')).lastSeq;
    store = openSqliteStore(dataDir);
    await approveRequests(store, picked.map((entry) => entry.request));
    for (const { request, chaos } of picked) {
      const behind = chaos.leftBehind.length > 0 ? ` (${chaos.leftBehind.length} left behind on Kaizala Pro)` : '';
      options.log(`request ${request.id}: ${request.customerName}, ${request.userIds.length} users → ${request.plan.title}${behind}`);
    }

    const users = picked.reduce((sum, { request }) => sum + request.userIds.length, 0);

    const workerArgs = ['--data-dir', dataDir, '--pc-url', `${url}/v1`, '--graph-url', `${url}/graph/v1.0`, '--concurrency', String(options.concurrency), '--lease-ttl-ms', String(options.leaseTtlMs)];
    const kills = { done: 0, whileRunsUnfinished: 0, workerStarts: 0 };
    const startWorker = async (): Promise<ChildProcess> => {
      kills.workerStarts++;
      const worker = spawnEntry('scripts/chaosWorker', [...workerArgs, '--owner', `chaos-worker-${kills.workerStarts}`]);
      children.add(worker);
      // Kept with --keep: what each worker logged before it was killed.
      worker.stderr?.pipe(createWriteStream(join(dataDir, `worker-${kills.workerStarts}.log`)));
      await waitForLine(worker, /^ready/, 60_000);
      return worker;
    };

    const killPhaseStarted = Date.now();
    let worker = await startWorker();
    for (let kill = 1; kill <= options.kills; kill++) {
      // Anywhere from right after start (a restarted worker may still wait for the dead one's leases to expire) to
      // well into its work.
      const delayMs = 200 + Math.floor(random() * (options.leaseTtlMs + 2_500));
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      const unfinished = !settled(await runsOf(store), picked.length);
      await stopProcess(worker, 'SIGKILL');
      children.delete(worker);
      kills.done++;
      if (unfinished) kills.whileRunsUnfinished++;
      options.log(`kill ${kill}/${options.kills} after ${delayMs} ms${unfinished ? '' : ' (runs already settled)'}`);
      worker = await startWorker();
    }
    const killPhaseMs = Date.now() - killPhaseStarted;

    // Its own budget, counted from the last kill: however long the kills took, the runs always get time to settle.
    const settleBudgetMs = options.timeoutMs ?? defaultSettleBudgetMs(users, picked.length, options.concurrency);
    const settleStarted = Date.now();
    let allSettled = settled(await runsOf(store), picked.length);
    while (!allSettled && Date.now() - settleStarted < settleBudgetMs) {
      if (worker.exitCode !== null || worker.signalCode !== null) {
        options.log(`worker exited by itself (${worker.exitCode ?? worker.signalCode}); restarting it`);
        children.delete(worker);
        worker = await startWorker();
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
      allSettled = settled(await runsOf(store), picked.length);
    }
    const settleMs = Date.now() - settleStarted;
    if (!allSettled) options.log(`runs not settled after the settle budget of ${Math.round(settleBudgetMs / 1000)} s`);
    await stopProcess(worker, 'SIGTERM');
    children.delete(worker);

    const runs = await runsOf(store);
    const ledger = await admin.ledger(baselineSeq);
    // The sandbox's own view of each customer decides; the store only says which runs claim to be done.
    const endStates: Record<string, SandboxCustomerState> = {};
    for (const { chaos } of picked) endStates[chaos.customerId] = await admin.call<SandboxCustomerState>('GET', `/state/customers/${chaos.customerId}`);
    const verdict = evaluateChaos({ requests: picked.map((entry) => entry.chaos), ledger, endStates, runs });
    await stopProcess(sandboxProcess, 'SIGTERM');
    children.delete(sandboxProcess);
    const byId = new Map(runs.map((run) => [run.id, run]));
    return {
      ...verdict,
      options: { kills: options.kills, runs: options.runs, partial: partial.size, faults: options.faults, seed: options.seed },
      kills,
      runs: picked.map(({ request, chaos }) => {
        const run = byId.get(request.id);
        return {
          requestId: request.id,
          customer: request.customerName,
          users: request.userIds.length,
          leftBehind: chaos.leftBehind.length,
          plan: request.plan.title,
          status: run?.status ?? 'missing',
          step: run?.step ?? '-',
          outcome: run?.outcome,
          parked: run?.parked && `${run.parked.code}: ${run.parked.detail}`,
        };
      }),
      users,
      killPhaseMs,
      settleMs,
      settleBudgetMs,
      settled: allSettled,
      durationMs: Date.now() - started,
      ...(options.keep ? { dataDir } : {}),
    };
  } finally {
    for (const child of children) await stopProcess(child, 'SIGKILL');
    await store?.close();
    if (!options.keep) rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * The default settle budget: generous for the workload (a run of a few hundred users under faults takes about a
 * minute here, and runs beyond `concurrency` wait for a slot), so that only a stuck run exhausts it.
 */
export function defaultSettleBudgetMs(users: number, runs: number, concurrency: number): number {
  return 60_000 + 30_000 * Math.ceil(runs / concurrency) + 100 * users;
}

async function runsOf(store: Store): Promise<MigrationRun[]> {
  return (await store.list<MigrationRun>('runs')).map((item) => item.value);
}
