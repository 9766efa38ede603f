/**
 * Every sandbox fault the run must survive: lost checkout answers, replays that would buy again, half-applied
 * license calls, 429 storms, 5xx and timeouts. Each ends with exactly one order and every user moved.
 */
import type { Knobs } from '../../sandbox/server';
import type { MigrationRequest } from '../../services/domain/request';
import type { MigrationRun } from '../../services/migration';
import type { Store } from '../../services/store';
import {
  BUSINESS_BASIC,
  FAST_KNOBS,
  KAIZALA_SKU,
  addCustomer,
  approvedRequest,
  clientsFor,
  createRunner,
  customerState,
  kaizalaSubscription,
  ledger,
  licensePicture,
  memoryStore,
  ordersCreated,
  startTestSandbox,
  waitForRun,
  type CustomerState,
  type SandboxHandle,
  licenseChange,
} from './support';

let env: SandboxHandle;

beforeAll(async () => {
  env = await startTestSandbox();
});
afterAll(() => env.close());
afterEach(() => env.setKnobs({ ...FAST_KNOBS, businessSeatCap: 300, throttleStormRetryAfterSeconds: 5, faults: [], throttleStormRate: 0, serverErrorRate: 0, timeoutRate: 0, requestIdReplayMode: 'replay', recheckoutMode: 'replay' }));

interface Outcome {
  run: MigrationRun;
  state: CustomerState;
  request: MigrationRequest;
  store: Store;
}

async function migrate(users: number, knobs: (customerId: string) => Partial<Knobs>, clientTimeoutMs?: number): Promise<Outcome> {
  const store = memoryStore();
  const created = await addCustomer(env, { users });
  await env.setKnobs(knobs(created.customer.id));
  const request = await approvedRequest(store, created);
  const runner = createRunner(store, clientsFor(env.sandbox, { timeoutMs: clientTimeoutMs }));
  runner.start();
  try {
    await runner.startRun(request.id);
    const run = await waitForRun(store, request.id, undefined, 30_000);
    return { run, request, store, state: await customerState(env, created.customer.id) };
  } finally {
    await runner.stop();
  }
}

async function expectCleanMigration(outcome: Outcome): Promise<void> {
  expect(outcome.run.parked).toBeUndefined();
  expect(outcome.run.status).toBe('completed');
  expect(licensePicture(outcome.state, outcome.request.userIds, BUSINESS_BASIC.skuId)).toEqual({ moved: outcome.request.userIds.length, others: {} });
  expect(kaizalaSubscription(outcome.state).status).toBe('suspended');
  expect(await ordersCreated(env, outcome.state.customer.id)).toBe(1);
}

describe('purchase faults', () => {
  test('checkout committed then the connection dropped: exactly one order', async () => {
    const outcome = await migrate(4, (customerId) => ({ faults: [{ action: 'commitThenDrop', operation: 'checkout', customerId, times: 1 }] }));
    await expectCleanMigration(outcome);
    expect(outcome.run.purchase.adopted).toBe(true);
    const dropped = (await ledger(env, outcome.state.customer.id)).filter((entry) => entry.operation === 'checkout');
    expect(dropped.map((entry) => entry.delivery)).toEqual(['dropped']);
  });

  test('purchase landed but its answer was lost (504), with a server that would execute a replayed request again: nothing more is bought', async () => {
    const outcome = await migrate(4, (customerId) => ({
      requestIdReplayMode: 'execute',
      recheckoutMode: 'reject800065',
      faults: [{ action: 'commitThen504', operation: 'checkout', customerId, times: 1 }],
    }));
    await expectCleanMigration(outcome);
  });

  test('checkout timed out before anything happened: the same cart is checked out again with the same MS-RequestId', async () => {
    const outcome = await migrate(
      3,
      (customerId) => ({ faults: [{ action: 'timeout', operation: 'checkout', customerId, times: 1, holdMs: 600 }] }),
      300,
    );
    await expectCleanMigration(outcome);
    const checkouts = (await ledger(env, outcome.state.customer.id)).filter((entry) => entry.operation === 'checkout');
    expect(checkouts).toHaveLength(1);
    expect(checkouts[0].requestId).toBe(outcome.run.purchase.checkoutRequestId);
  });

  test('a failed (cancelled) order parks the run; Retry buys anew, once', async () => {
    const store = memoryStore();
    const created = await addCustomer(env, { users: 2 });
    await env.setKnobs({ faults: [{ action: 'failOrder', operation: 'checkout', customerId: created.customer.id, times: 1 }] });
    const request = await approvedRequest(store, created);
    const runner = createRunner(store, clientsFor(env.sandbox));
    runner.start();
    try {
      await runner.startRun(request.id);
      const parked = await waitForRun(store, request.id);
      expect(parked).toMatchObject({ status: 'parked', parked: { code: 'orderFailed' } });
      expect((await runner.retry({ runId: request.id, version: parked.version, actor: request.requester })).kind).toBe('done');
      expect((await waitForRun(store, request.id, (run) => run.status === 'completed')).purchase.orderIds).not.toEqual(parked.purchase.orderIds);
      expect(await ordersCreated(env, created.customer.id)).toBe(2);
      const statuses = (await customerState(env, created.customer.id)).orders.map((order) => order.status);
      expect(statuses.filter((status) => status === 'cancelled')).toHaveLength(1);
    } finally {
      await runner.stop();
    }
  });

  test('a seat cap answer (10015) parks the run with the remaining quantity and buys nothing', async () => {
    const outcome = await migrate(6, () => ({ businessSeatCap: 4 }));
    expect(outcome.run).toMatchObject({ status: 'parked', parked: { code: 'seatCap', step: 'purchase' } });
    expect(outcome.run.parked?.detail).toContain('4 still allowed');
    expect(await ordersCreated(env, outcome.state.customer.id)).toBe(0);
    expect(kaizalaSubscription(outcome.state).status).toBe('active');
  });
});

describe('license faults', () => {
  test('assign without remove (success reply): the read-back sees both licenses and removes Kaizala', async () => {
    const outcome = await migrate(5, (customerId) => ({ faults: [{ action: 'assignOnly', operation: 'assignLicense', customerId, callNumbers: [1, 3] }] }));
    await expectCleanMigration(outcome);
    const calls = (await ledger(env, outcome.state.customer.id)).filter((entry) => entry.operation === 'assignLicense');
    const removalsOnly = calls.map(licenseChange).filter((change) => change.before.length === 2 && change.after.length === 1);
    expect(removalsOnly).toHaveLength(2);
    expect(calls).toHaveLength(7);
  });

  test('assign without remove with an error reply, and remove without assign: the read-back repairs both', async () => {
    const outcome = await migrate(4, (customerId) => ({
      faults: [
        { action: 'assignOnly', operation: 'assignLicense', customerId, callNumbers: [1], reply: 'error' },
        { action: 'removeOnly', operation: 'assignLicense', customerId, callNumbers: [2] },
      ],
    }));
    await expectCleanMigration(outcome);
  });

  test('a 429 storm (with and without Retry-After), transient 5xx and timeouts everywhere: one order, every user moved once', async () => {
    const outcome = await migrate(
      8,
      (customerId) => ({
        throttleStormRate: 0.25,
        throttleStormRetryAfterSeconds: null,
        faults: [{ action: 'throttle', operation: 'assignLicense', customerId, callNumbers: [2, 3, 4], retryAfterSeconds: 1 }],
        serverErrorRate: 0.1,
        timeoutRate: 0.03,
        timeoutHoldMs: 300,
        randomSeed: 7,
      }),
      200,
    );
    await expectCleanMigration(outcome);
    const changes = (await ledger(env, outcome.state.customer.id))
      .filter((entry) => entry.operation === 'assignLicense')
      .map(licenseChange);
    // No call changed the licenses of a user who was already moved.
    const movedAlready = changes.filter((change) => change.before.includes(BUSINESS_BASIC.skuId) && !change.before.includes(KAIZALA_SKU));
    expect(movedAlready).toEqual([]);
  });

  test('a license call applied then answered 504: the read-back finds the user done, nothing changes twice', async () => {
    const outcome = await migrate(3, (customerId) => ({ faults: [{ action: 'commitThen504', operation: 'assignLicense', customerId, callNumbers: [1] }] }));
    await expectCleanMigration(outcome);
    const calls = (await ledger(env, outcome.state.customer.id)).filter((entry) => entry.operation === 'assignLicense');
    expect(calls).toHaveLength(3);
  });
});

describe('suspension faults', () => {
  test('PATCH applied then dropped, a stale ETag and a 202 that settles after polls: suspended once', async () => {
    const outcome = await migrate(2, (customerId) => ({
      faults: [
        { action: 'staleEtag', operation: 'patchSubscription', customerId, callNumbers: [1] },
        { action: 'accepted202', operation: 'patchSubscription', customerId, callNumbers: [2], polls: 2 },
      ],
    }));
    await expectCleanMigration(outcome);
    const dropped = await migrate(2, (customerId) => ({ faults: [{ action: 'commitThenDrop', operation: 'patchSubscription', customerId, times: 1 }] }));
    await expectCleanMigration(dropped);
    const suspensions = (await ledger(env, dropped.state.customer.id)).filter((entry) =>
      entry.changes.some((change) => change.kind === 'subscription' && change.after?.status === 'suspended'),
    );
    expect(suspensions).toHaveLength(1);
  });
});
