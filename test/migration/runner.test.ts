/**
 * Ownership and scheduling: one worker per run (lease + fencing), one run per customer, closest end date first;
 * and the pieces around a run: throttled progress cards, Retry/Cancel policy.
 */
import { randomUUID } from 'node:crypto';
import type { MigrationRequest } from '../../services/domain/request';
import {
  RunAuditLog,
  CUSTOMER_LEASE_PREFIX,
  FencedOutError,
  RunRepository,
  newRun,
  runnable,
  type MigrationRun,
  type ProgressMessageRef,
  type RunNotifier,
  type RunProgressView,
} from '../../services/migration';
import { ProgressReporter } from '../../services/migration/progressReporter';
import { decideCancel, decideRetry } from '../../services/migration/runActions';
import { silentLogger } from '../../services/logging';
import { LeaseManager, type LeaseRecord } from '../../services/store';
import {
  APPROVER,
  BUSINESS_BASIC,
  KAIZALA_SKU,
  REQUESTER,
  addCustomer,
  approvedRequest,
  clientsFor,
  createRunner,
  ledger,
  memoryStore,
  ordersCreated,
  startTestSandbox,
  waitForRun,
  type SandboxHandle,
  licenseChange,
} from './support';

function sampleRequest(overrides: Partial<MigrationRequest> = {}): MigrationRequest {
  return {
    id: randomUUID(),
    version: 2,
    status: 'approved',
    customerId: 'customer-1',
    customerName: 'Contoso',
    tenantId: 'customer-1',
    kaizalaSubscriptionId: 'kaizala-sub',
    kaizalaSkuId: KAIZALA_SKU,
    commitmentEndDate: '2030-06-30T00:00:00Z',
    plan: BUSINESS_BASIC,
    quantity: 2,
    userIds: ['u1', 'u2'],
    requester: REQUESTER,
    requesterLocale: 'en',
    createdAt: '2030-01-01T00:00:00Z',
    expiresAt: '2030-01-08T00:00:00Z',
    decidedBy: APPROVER,
    ...overrides,
  };
}

function sampleRun(overrides: Partial<MigrationRun> = {}, request: Partial<MigrationRequest> = {}): MigrationRun {
  return { ...newRun(sampleRequest(request), 'graph', '2030-01-02T00:00:00Z'), ...overrides };
}

describe('which runs may execute', () => {
  const now = Date.parse('2030-01-05T00:00:00Z');

  test('closest Kaizala end date first, across customers', () => {
    const late = sampleRun({}, { customerId: 'a', commitmentEndDate: '2030-09-01T00:00:00Z' });
    const early = sampleRun({}, { customerId: 'b', commitmentEndDate: '2030-02-01T00:00:00Z' });
    const middle = sampleRun({}, { customerId: 'c', commitmentEndDate: '2030-05-01T00:00:00Z' });
    expect(runnable([late, early, middle], now, new Set()).map((run) => run.customerId)).toEqual(['b', 'c', 'a']);
  });

  test('one run per customer: a running run holds the customer, also while it sleeps', () => {
    const running = sampleRun({ status: 'running', wakeAt: '2030-01-05T00:10:00Z' }, { customerId: 'a', commitmentEndDate: '2030-09-01T00:00:00Z' });
    const queued = sampleRun({}, { customerId: 'a', commitmentEndDate: '2030-02-01T00:00:00Z' });
    expect(runnable([running, queued], now, new Set())).toEqual([]);
    expect(runnable([running, queued], Date.parse('2030-01-05T00:10:00Z'), new Set()).map((run) => run.id)).toEqual([running.id]);
  });

  test('a parked run holds its customer only while its purchase is uncertain; finished and busy customers are skipped', () => {
    const parkedClean = sampleRun({ status: 'parked' }, { customerId: 'a' });
    const queuedA = sampleRun({}, { customerId: 'a' });
    expect(runnable([parkedClean, queuedA], now, new Set()).map((run) => run.id)).toEqual([queuedA.id]);
    const parkedUncertain = sampleRun({ status: 'parked', purchase: { abandonedCarts: [], cartId: 'c', checkoutRequestId: 'r' } }, { customerId: 'b' });
    const queuedB = sampleRun({}, { customerId: 'b' });
    expect(runnable([parkedUncertain, queuedB], now, new Set())).toEqual([]);
    const done = sampleRun({ status: 'completed' }, { customerId: 'c' });
    const busy = sampleRun({}, { customerId: 'd' });
    expect(runnable([done, busy], now, new Set(['d']))).toEqual([]);
  });
});

describe('Retry and Cancel policy', () => {
  const isApprover = (person: { aadObjectId: string }) => person.aadObjectId === APPROVER.aadObjectId;
  const parked = sampleRun({
    status: 'parked',
    version: 4,
    step: 'moveLicenses',
    parked: { code: 'usersNeedAttention', detail: '1 user', step: 'moveLicenses', at: '2030-01-03T00:00:00Z' },
    users: [
      { id: 'u1', state: 'done', attempts: 1 },
      { id: 'u2', state: 'failed', attempts: 1, upn: 'u2@x', problem: { code: 'noUsageLocation', detail: 'no location' } },
    ],
  });

  test('only the requester or an approver, only with the current version, only when parked', () => {
    const stranger = { aadObjectId: 'someone-else', name: 'Eve' };
    expect(decideRetry(parked, { runId: parked.id, version: 4, actor: stranger }, isApprover, 'now').kind).toBe('forbidden');
    expect(decideRetry(parked, { runId: parked.id, version: 3, actor: REQUESTER }, isApprover, 'now').kind).toBe('stale');
    expect(decideRetry({ ...parked, status: 'running' }, { runId: parked.id, version: 4, actor: REQUESTER }, isApprover, 'now').kind).toBe('notAllowed');
    expect(decideCancel({ ...parked, status: 'completed' }, { runId: parked.id, version: 4, actor: APPROVER }, isApprover, 'now').kind).toBe('notAllowed');
  });

  test('Retry resumes the parked step with failed users pending again, on the chosen license path', () => {
    const decision = decideRetry(parked, { runId: parked.id, version: 4, actor: APPROVER, licensePath: 'partnerCenter' }, isApprover, 'now');
    expect(decision.kind).toBe('change');
    if (decision.kind !== 'change') return;
    expect(decision.run).toMatchObject({ status: 'running', version: 5, step: 'moveLicenses', licensePath: 'partnerCenter', parked: undefined });
    expect(decision.run.users).toEqual([
      { id: 'u1', state: 'done', attempts: 1 },
      { id: 'u2', state: 'pending', attempts: 1, upn: 'u2@x' },
    ]);
  });

  test('Retry after a cancelled order forgets that order so a new one can be placed', () => {
    const failedOrder = sampleRun({
      status: 'parked',
      step: 'provisioning',
      purchase: { abandonedCarts: [], country: 'US', cartId: 'cart-1', checkoutRequestId: 'r', orderIds: ['order-1'] },
      parked: { code: 'orderFailed', detail: '', step: 'provisioning', at: 'x' },
    });
    const decision = decideRetry(failedOrder, { runId: failedOrder.id, version: failedOrder.version, actor: REQUESTER }, isApprover, 'now');
    expect(decision.kind === 'change' && decision.run).toMatchObject({
      step: 'purchase',
      purchase: { country: 'US', abandonedCarts: [{ cartId: 'cart-1', reason: 'order order-1 cancelled' }] },
    });
    expect(decision.kind === 'change' && decision.run.purchase.orderIds).toBeUndefined();
  });

  test('Cancel ends a queued or parked run', () => {
    const decision = decideCancel(parked, { runId: parked.id, version: 4, actor: REQUESTER }, isApprover, '2030-01-04T00:00:00Z');
    expect(decision.kind === 'change' && decision.run).toMatchObject({ status: 'cancelled', version: 5, finishedAt: '2030-01-04T00:00:00Z', cancelledBy: REQUESTER });
  });
});

describe('progress cards', () => {
  function recorder() {
    const calls: Array<{ view: RunProgressView; existing: ProgressMessageRef | undefined }> = [];
    const notifier: RunNotifier = {
      progress: async (view, existing) => {
        calls.push({ view, existing });
        return existing ?? { conversationKey: 'conv', activityId: 'act-1' };
      },
      completed: async () => undefined,
      deadlineAtRisk: async () => undefined,
    };
    return { calls, notifier };
  }

  test('one send, then in-place updates at most once per interval, forced ones at once, the latest state last', async () => {
    const { calls, notifier } = recorder();
    const remembered: Array<[string, ProgressMessageRef]> = [];
    const reporter = new ProgressReporter({
      notifier,
      logger: silentLogger,
      minIntervalMs: 200,
      deadlineMarginDays: 3,
      rememberMessage: async (runId, message) => void remembered.push([runId, message]),
    });
    const run = sampleRun({ status: 'running', step: 'moveLicenses' });
    const withMoved = (moved: number): MigrationRun => ({
      ...run,
      users: run.users.map((user, index) => (index < moved ? { ...user, state: 'done' } : user)),
    });
    reporter.report(run, true);
    reporter.report(withMoved(1));
    reporter.report(withMoved(2));
    await reporter.flush(run.id);
    expect(calls.map((call) => call.view.users.moved)).toEqual([0, 2]);
    expect(calls.map((call) => call.existing)).toEqual([undefined, { conversationKey: 'conv', activityId: 'act-1' }]);
    expect(remembered).toEqual([[run.id, { conversationKey: 'conv', activityId: 'act-1' }]]);

    reporter.report({ ...withMoved(2), step: 'verify' }, true);
    await reporter.flush(run.id);
    expect(calls.at(-1)?.view.step).toBe('verify');

    reporter.report(withMoved(1));
    reporter.report(withMoved(2));
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(calls).toHaveLength(3);
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(calls).toHaveLength(4);
  });

  test('a failing notifier never breaks the reporter', async () => {
    const reporter = new ProgressReporter({
      notifier: { progress: () => Promise.reject(new Error('Teams down')), completed: async () => undefined, deadlineAtRisk: async () => undefined },
      logger: silentLogger,
      minIntervalMs: 0,
      deadlineMarginDays: 3,
      rememberMessage: async () => undefined,
    });
    reporter.report(sampleRun(), true);
    await expect(reporter.flush(sampleRun().id)).resolves.toBeUndefined();
  });
});

describe('one owner per run', () => {
  let env: SandboxHandle;
  beforeAll(async () => {
    env = await startTestSandbox();
  });
  afterAll(() => env.close());

  test('a writer from an older lease tenure cannot write the run', async () => {
    const store = memoryStore();
    const repository = new RunRepository(store);
    const run = sampleRun({ fence: 7 });
    await repository.create(run);
    await expect(repository.update(run.id, (latest) => ({ ...latest, step: 'verify' }), 6)).rejects.toBeInstanceOf(FencedOutError);
    expect((await repository.update(run.id, (latest) => ({ ...latest, step: 'verify' }), 8))?.fence).toBe(8);
  });

  test('two runners on the same store: one executes the run, the other never touches it', async () => {
    const store = memoryStore();
    const state = await addCustomer(env, { users: 5 });
    const request = await approvedRequest(store, state);
    const settings = { inlineWaitMaxMs: 5_000 };
    const first = createRunner(store, clientsFor(env.sandbox), { ownerId: 'worker-a', settings });
    const second = createRunner(store, clientsFor(env.sandbox), { ownerId: 'worker-b', settings });
    try {
      await Promise.all([first.startRun(request.id), second.startRun(request.id)]);
      first.start();
      second.start();
      const finished = await waitForRun(store, request.id);
      expect(finished.status).toBe('completed');
      const owners = new Set((await new RunAuditLog(store).forRun(state.customer.id, request.id)).map((entry) => entry.details.owner));
      expect(owners.size).toBe(1);
      expect(await ordersCreated(env, state.customer.id)).toBe(1);
    } finally {
      await Promise.all([first.stop(), second.stop()]);
    }
  });

  test('a worker that lost its lease stops before its next side effect; the next owner finishes without repeating anything', async () => {
    const store = memoryStore();
    const state = await addCustomer(env, { users: 6 });
    const request = await approvedRequest(store, state);
    const clients = clientsFor(env.sandbox);
    const assign = clients.graph.assignLicense.bind(clients.graph);
    let calls = 0;
    // After the second license call the lease changes hands, as if this worker had stalled past its expiry.
    clients.graph.assignLicense = async (tenantId, userId, change) => {
      const result = await assign(tenantId, userId, change);
      if (++calls === 2) {
        const name = `${CUSTOMER_LEASE_PREFIX}${state.customer.id}`;
        const current = await store.get<LeaseRecord>('leases', name);
        await store.upsert<LeaseRecord>('leases', name, { owner: 'intruder', expiresAtMs: Date.now() + 300, fencingToken: (current?.value.fencingToken ?? 0) + 1 });
      }
      return result;
    };
    const stalled = createRunner(store, clients, { ownerId: 'stalled', settings: { userConcurrency: 1, inlineWaitMaxMs: 5_000 } });
    stalled.start();
    await stalled.startRun(request.id);
    await waitForRun(store, request.id, (run) => run.users.filter((user) => user.state === 'done').length >= 2);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await stalled.stop();
    expect(calls).toBe(2);

    const next = createRunner(store, clientsFor(env.sandbox), { ownerId: 'next' });
    next.start();
    try {
      const finished = await waitForRun(store, request.id, (run) => run.status === 'completed');
      expect(finished.owner).toBe('next');
    } finally {
      await next.stop();
    }
    const audit = await new RunAuditLog(store).forRun(state.customer.id, request.id);
    expect(audit.filter((entry) => entry.details.owner === 'stalled' && entry.action === 'assignLicense')).toHaveLength(2);
    const changes = (await ledger(env, state.customer.id)).filter((entry) => entry.operation === 'assignLicense');
    expect(changes).toHaveLength(6);
    expect(new Set(changes.map((entry) => licenseChange(entry).userId)).size).toBe(6);
    expect(await ordersCreated(env, state.customer.id)).toBe(1);
  });

  test('two runs of one customer never execute at the same time', async () => {
    const store = memoryStore();
    const state = await addCustomer(env, { users: 4 });
    const ids = state.users.map((user) => user.id);
    const early = await approvedRequest(store, state, { userIds: ids.slice(0, 2) });
    const late = await approvedRequest(store, state, { userIds: ids.slice(2) });
    const runner = createRunner(store, clientsFor(env.sandbox));
    runner.start();
    try {
      await runner.startRun(early.id);
      await runner.startRun(late.id);
      // Each parks at verification (the other's users still hold Kaizala) or completes after the other moved them.
      await waitForRun(store, early.id);
      await waitForRun(store, late.id);
      const audit = new RunAuditLog(store);
      const spans = await Promise.all(
        [early.id, late.id].map(async (id) => {
          const times = (await audit.forRun(state.customer.id, id)).map((entry) => Date.parse(entry.at));
          return [Math.min(...times), Math.max(...times)];
        }),
      );
      const [[startA, endA], [startB, endB]] = spans.sort((a, b) => a[0] - b[0]);
      expect(startA).toBeLessThanOrEqual(endA);
      expect(endA).toBeLessThanOrEqual(startB);
      expect(startB).toBeLessThanOrEqual(endB);
    } finally {
      await runner.stop();
    }
  });

  test('a lease manager grants a customer lease to one owner at a time', async () => {
    const store = memoryStore();
    const leases = new LeaseManager(store);
    const [a, b] = await Promise.all([leases.acquire('migration:customer:x', 'a', 1_000), leases.acquire('migration:customer:x', 'b', 1_000)]);
    expect([a, b].filter(Boolean)).toHaveLength(1);
  });
});
