import axios from 'axios';
import { randomUUID } from 'node:crypto';
import type { LedgerChange, LedgerEntry } from '../../sandbox/model';
import { startSandbox, type Knobs, type RunningSandbox } from '../../sandbox/server';
import type { MigrationRequest } from '../../services/domain/request';
import { GraphClient } from '../../services/graph';
import { ApiHttp } from '../../services/http';
import { silentLogger, type Logger } from '../../services/logging';
import { MigrationRunner, type MigrationRun, type MigrationSettings, type RunNotifier, silentRunNotifier } from '../../services/migration';
import { PartnerCenterClient } from '../../services/partnerCenter';
import { IN_MEMORY, openSqliteStore, type Store } from '../../services/store';
import { lazySandboxTokens } from '../support/sandboxAuth';

export const KAIZALA_SKU = '00000000-0000-4000-8000-00000000c0de';
export const BUSINESS_BASIC = { planId: 'O365_BUSINESS_ESSENTIALS', title: 'Microsoft 365 Business Basic', skuId: '3b555118-da6a-4418-894f-7df1e2096870', family: 'business' as const };
export const OFFICE_E1 = { planId: 'STANDARDPACK', title: 'Office 365 E1', skuId: '18181a46-0d4e-45cd-891e-60aabd171b4e', family: 'enterprise' as const };
export const REQUESTER = { aadObjectId: 'aad-requester', name: 'Megan Bowen' };
export const APPROVER = { aadObjectId: 'aad-approver', name: 'Alex Wilber' };

/** Small delays everywhere so a whole run takes a fraction of a second against the sandbox. */
export const FAST_KNOBS: Partial<Knobs> = { provisioningDelayMs: 150, orderListLagMs: 100, batchShuffle: false };

export const FAST_SETTINGS: Omit<MigrationSettings, 'ownerId'> = {
  concurrency: 3,
  defaultLicensePath: 'graph',
  deadlineMarginDays: 3,
  defaultCountry: 'US',
  leaseTtlMs: 2_000,
  tickMs: 50,
  requestPollMs: 200,
  progressMinIntervalMs: 0,
  userConcurrency: 4,
  graphAssignPerSecond: 1_000,
  partnerCenterLicenseUpdatesPerSecond: 1_000,
  pollInitialMs: 40,
  pollMaxMs: 300,
  inlineWaitMaxMs: 150,
  provisioningTimeoutMs: 20_000,
  purchaseLandingTimeoutMs: 5_000,
  maxTransientFailures: 6,
  maxUserRounds: 3,
  maxVerifyRounds: 3,
};

export interface SandboxHandle {
  sandbox: RunningSandbox;
  admin<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  setKnobs(knobs: Partial<Knobs>): Promise<void>;
  close(): Promise<void>;
}

export async function startTestSandbox(knobs: Partial<Knobs> = {}): Promise<SandboxHandle> {
  const sandbox = await startSandbox({ port: 0, seed: 'empty', knobs: { ...FAST_KNOBS, ...knobs } });
  const admin = async <T = unknown>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${sandbox.url}/_sandbox${path}`, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`admin ${method} ${path}: ${response.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };
  return {
    sandbox,
    admin,
    setKnobs: async (next) => {
      await admin('PUT', '/knobs', next);
    },
    close: () => sandbox.close(),
  };
}

export interface Clients {
  partnerCenter: PartnerCenterClient;
  graph: GraphClient;
}

export function clientsFor(sandbox: RunningSandbox, options: { timeoutMs?: number } = {}): Clients {
  const tokens = lazySandboxTokens(sandbox);
  const http = new ApiHttp({
    axios: axios.create(),
    timeoutMs: options.timeoutMs ?? 5_000,
    retryPolicy: { maxAttempts: 6, baseDelayMs: 5, maxDelayMs: 50, maxTotalMs: 20_000 },
    // Retry-After from the sandbox is in whole seconds; tests shorten every wait.
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.min(ms, 20))),
  });
  return {
    partnerCenter: new PartnerCenterClient({
      http,
      baseUrl: sandbox.partnerCenterBaseUrl,
      getToken: tokens.partnerCenter,
      getUserToken: tokens.partnerCenterUser,
      pollIntervalMs: 10,
    }),
    graph: new GraphClient({ http, baseUrl: sandbox.graphBaseUrl, getToken: tokens.graph }),
  };
}

export interface CustomerState {
  customer: { id: string; companyName: string };
  subscriptions: Array<{ id: string; status: string; commitmentEndDate: string; sandbox: { skuId: string } }>;
  users: Array<{
    id: string;
    userPrincipalName: string;
    usageLocation: string | null;
    jobTitle: string | null;
    licenses: Array<{ skuId: string; groupId: string | null }>;
  }>;
  orders: Array<{ id: string; status: string }>;
  subscribedSkus: Array<{ skuId: string; enabled: number; consumed: number }>;
}

export async function addCustomer(
  env: SandboxHandle,
  spec: { users: number; endInDays?: number; usersWithoutUsageLocation?: number; groupInheritedKaizala?: number; access?: Record<string, boolean>; companyName?: string },
): Promise<CustomerState> {
  return env.admin<CustomerState>('POST', '/customers', {
    companyName: spec.companyName ?? `Test ${randomUUID().slice(0, 8)}`,
    users: spec.users,
    kaizala: [{ endInDays: spec.endInDays ?? 40 }],
    kaizalaHolderShare: 1,
    usersWithoutUsageLocation: spec.usersWithoutUsageLocation,
    groupInheritedKaizala: spec.groupInheritedKaizala,
    access: spec.access,
  });
}

export async function customerState(env: SandboxHandle, customerId: string): Promise<CustomerState> {
  return env.admin<CustomerState>('GET', `/state/customers/${customerId}`);
}

export function kaizalaSubscription(state: CustomerState) {
  const found = state.subscriptions.find((subscription) => subscription.sandbox.skuId === KAIZALA_SKU);
  if (!found) throw new Error('customer has no Kaizala subscription');
  return found;
}

/** An approved migration request for every Kaizala holder of the customer, written the way the approvals flow does. */
export async function approvedRequest(
  store: Store,
  state: CustomerState,
  options: { plan?: MigrationRequest['plan']; userIds?: string[]; createdAt?: string } = {},
): Promise<MigrationRequest> {
  const kaizala = kaizalaSubscription(state);
  const holders = state.users.filter((user) => user.licenses.some((license) => license.skuId === KAIZALA_SKU)).map((user) => user.id);
  const userIds = options.userIds ?? holders;
  const now = new Date().toISOString();
  const request: MigrationRequest = {
    id: randomUUID(),
    version: 2,
    status: 'approved',
    customerId: state.customer.id,
    customerName: state.customer.companyName,
    tenantId: state.customer.id,
    kaizalaSubscriptionId: kaizala.id,
    kaizalaSkuId: KAIZALA_SKU,
    commitmentEndDate: kaizala.commitmentEndDate,
    plan: options.plan ?? BUSINESS_BASIC,
    quantity: userIds.length,
    userIds,
    requester: REQUESTER,
    requesterLocale: 'en',
    createdAt: options.createdAt ?? new Date(Date.now() - 60_000).toISOString(),
    expiresAt: new Date(Date.now() + 7 * 86_400_000).toISOString(),
    decidedAt: now,
    decidedBy: APPROVER,
  };
  await store.insert('requests', request.id, request);
  return request;
}

export interface RunnerOptions {
  ownerId?: string;
  settings?: Partial<MigrationSettings>;
  notifier?: RunNotifier;
  logger?: Logger;
}

export function createRunner(store: Store, clients: Clients, options: RunnerOptions = {}): MigrationRunner {
  return new MigrationRunner(
    {
      store,
      partnerCenter: clients.partnerCenter,
      graph: clients.graph,
      notifier: options.notifier ?? silentRunNotifier,
      logger: options.logger ?? silentLogger,
      isApprover: (person) => person.aadObjectId === APPROVER.aadObjectId,
    },
    { ...FAST_SETTINGS, ownerId: options.ownerId ?? `test-${randomUUID().slice(0, 8)}`, ...options.settings },
  );
}

export function memoryStore(): Store {
  return openSqliteStore(IN_MEMORY);
}

/** Polls the store until the run satisfies `done` (default: completed, cancelled or parked). */
export async function waitForRun(
  store: Store,
  runId: string,
  done: (run: MigrationRun) => boolean = (run) => ['completed', 'cancelled', 'parked'].includes(run.status),
  timeoutMs = 20_000,
): Promise<MigrationRun> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = (await store.get<MigrationRun>('runs', runId))?.value;
    if (run && done(run)) return run;
    if (Date.now() > deadline) throw new Error(`run ${runId} did not settle: ${JSON.stringify(run && { status: run.status, step: run.step, parked: run.parked, wakeAt: run.wakeAt })}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export type { LedgerEntry } from '../../sandbox/model';
type LicensesChange = Extract<LedgerChange, { kind: 'userLicenses' }>;
type SubscriptionChange = Extract<LedgerChange, { kind: 'subscription' }>;

export async function ledger(env: SandboxHandle, customerId: string): Promise<LedgerEntry[]> {
  return (await env.admin<{ entries: LedgerEntry[] }>('GET', `/ledger?customerId=${customerId}`)).entries;
}

/** The license change of a license call's ledger entry. */
export function licenseChange(entry: LedgerEntry): LicensesChange {
  const change = entry.changes.find((candidate): candidate is LicensesChange => candidate.kind === 'userLicenses');
  if (!change) throw new Error(`ledger #${entry.seq} changed no licenses`);
  return change;
}

export function subscriptionChange(entry: LedgerEntry): SubscriptionChange | undefined {
  return entry.changes.find((candidate): candidate is SubscriptionChange => candidate.kind === 'subscription');
}

/** Orders created for the customer (through checkout or legacy purchase). */
export async function ordersCreated(env: SandboxHandle, customerId: string): Promise<number> {
  return (await ledger(env, customerId)).filter((entry) => entry.changes.some((change) => change.kind === 'order' && change.before === null)).length;
}

/** Final license picture of the run's users: how many moved cleanly, and who holds what otherwise. */
export function licensePicture(state: CustomerState, userIds: string[], newSkuId: string): { moved: number; others: Record<string, string[]> } {
  let moved = 0;
  const others: Record<string, string[]> = {};
  for (const user of state.users.filter((candidate) => userIds.includes(candidate.id))) {
    const skus = user.licenses.map((license) => license.skuId);
    if (skus.includes(newSkuId) && !skus.includes(KAIZALA_SKU)) moved++;
    else others[user.userPrincipalName] = skus;
  }
  return { moved, others };
}
