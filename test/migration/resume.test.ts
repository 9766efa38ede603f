/**
 * Crash recovery: a run persisted in each state a crash can leave behind (with the side effects that state implies
 * already done in the sandbox) is completed by a fresh runner on the same store, with exactly one order.
 */
import { randomUUID } from 'node:crypto';
import type { MigrationRequest } from '../../services/domain/request';
import { newRun, type MigrationRun } from '../../services/migration';
import type { Store } from '../../services/store';
import {
  BUSINESS_BASIC,
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
  type Clients,
  type CustomerState,
  type SandboxHandle,
  licenseChange,
} from './support';

const BUSINESS_BASIC_ITEM = 'CFQ7TTC0LH18:0001:CFQ7TTC0K971';
const USERS = 6;
const ITEMS = { [BUSINESS_BASIC.skuId]: BUSINESS_BASIC_ITEM };

let env: SandboxHandle;
let clients: Clients;

beforeAll(async () => {
  env = await startTestSandbox();
  clients = clientsFor(env.sandbox);
});
afterAll(() => env.close());

interface Scenario {
  store: Store;
  state: CustomerState;
  request: MigrationRequest;
  run: MigrationRun;
}

/** A customer, an approved request and its run as `newRun` makes it, marked running by a worker that died. */
async function scenario(): Promise<Scenario> {
  const store = memoryStore();
  const state = await addCustomer(env, { users: USERS });
  const request = await approvedRequest(store, state);
  const run: MigrationRun = { ...newRun(request, 'graph', new Date().toISOString()), status: 'running', version: 2, attempt: 1, fence: 1, owner: 'dead-worker' };
  return { store, state, request, run };
}

async function createCart(customerId: string, requestId: string) {
  const line = { catalogItemId: BUSINESS_BASIC_ITEM, quantity: USERS, billingCycle: 'monthly', termDuration: 'P1Y' };
  return (await clients.partnerCenter.createCart(customerId, [line], requestId)).data;
}

async function resume(s: Scenario): Promise<MigrationRun> {
  await s.store.insert('runs', s.run.id, s.run);
  const runner = createRunner(s.store, clients);
  runner.start();
  try {
    return await waitForRun(s.store, s.run.id);
  } finally {
    await runner.stop();
  }
}

async function expectMigrated(s: Scenario, finished: MigrationRun): Promise<void> {
  expect(finished.parked).toBeUndefined();
  expect(finished).toMatchObject({ status: 'completed', outcome: expect.stringMatching(/suspended/) });
  const after = await customerState(env, s.state.customer.id);
  expect(licensePicture(after, s.request.userIds, BUSINESS_BASIC.skuId)).toEqual({ moved: USERS, others: {} });
  expect(kaizalaSubscription(after).status).toBe('suspended');
  expect(await ordersCreated(env, s.state.customer.id)).toBe(1);
}

describe('a fresh runner completes a run left behind', () => {
  test('queued, never started', async () => {
    const s = await scenario();
    s.run = newRun(s.request, 'graph', new Date().toISOString());
    await expectMigrated(s, await resume(s));
  });

  test('cart intent persisted, the create-cart call never sent', async () => {
    const s = await scenario();
    s.run.purchase = { ...s.run.purchase, country: 'US', catalogItems: ITEMS, cartRequestId: randomUUID() };
    await expectMigrated(s, await resume(s));
  });

  test('cart created but its id never persisted: the same MS-RequestId gets the same cart back', async () => {
    const s = await scenario();
    const cartRequestId = randomUUID();
    const cart = await createCart(s.state.customer.id, cartRequestId);
    s.run.purchase = { ...s.run.purchase, country: 'US', catalogItems: ITEMS, cartRequestId };
    const finished = await resume(s);
    await expectMigrated(s, finished);
    expect(finished.purchase.cartId).toBe(cart.id);
  });

  test('cart persisted, checkout intent persisted, the checkout never reached Partner Center', async () => {
    const s = await scenario();
    const cartRequestId = randomUUID();
    const cart = await createCart(s.state.customer.id, cartRequestId);
    s.run.purchase = {
      ...s.run.purchase,
      country: 'US',
      catalogItems: ITEMS,
      cartRequestId,
      cartId: cart.id,
      cartCreatedAt: cart.creationTimestamp,
      checkoutRequestId: randomUUID(),
      checkoutSentAt: new Date().toISOString(),
    };
    await expectMigrated(s, await resume(s));
  });

  test('checkout landed but the worker died before recording the order: the order is found, nothing is bought again', async () => {
    const s = await scenario();
    const cartRequestId = randomUUID();
    const checkoutRequestId = randomUUID();
    const cart = await createCart(s.state.customer.id, cartRequestId);
    const landed = await clients.partnerCenter.checkoutCart(s.state.customer.id, cart.id, checkoutRequestId);
    s.run.purchase = {
      ...s.run.purchase,
      country: 'US',
      catalogItems: ITEMS,
      cartRequestId,
      cartId: cart.id,
      cartCreatedAt: cart.creationTimestamp,
      checkoutRequestId,
      checkoutSentAt: new Date().toISOString(),
    };
    const finished = await resume(s);
    await expectMigrated(s, finished);
    expect(finished.purchase).toMatchObject({ orderIds: [landed.data.orders[0].id], adopted: true });
    const checkouts = (await ledger(env, s.state.customer.id)).filter((entry) => entry.operation === 'checkout');
    expect(checkouts).toHaveLength(1);
  });

  test('order recorded, waiting for provisioning', async () => {
    const s = await scenario();
    const cart = await createCart(s.state.customer.id, randomUUID());
    const order = (await clients.partnerCenter.checkoutCart(s.state.customer.id, cart.id, randomUUID())).data.orders[0];
    s.run.step = 'provisioning';
    s.run.purchase = { ...s.run.purchase, catalogItems: ITEMS, cartId: cart.id, orderIds: [order.id], orderedAt: new Date().toISOString() };
    await expectMigrated(s, await resume(s));
  });

  test('half the users moved, one of them mid-call (holding both licenses) and not yet marked done', async () => {
    const s = await scenario();
    const cart = await createCart(s.state.customer.id, randomUUID());
    const order = (await clients.partnerCenter.checkoutCart(s.state.customer.id, cart.id, randomUUID())).data.orders[0];
    await waitForSeats(s.state.customer.id);
    const [first, second, third] = s.request.userIds;
    for (const userId of [first, second]) {
      await clients.graph.assignLicense(s.state.customer.id, userId, { addLicenses: [{ skuId: BUSINESS_BASIC.skuId }], removeLicenses: [KAIZALA_SKU] });
    }
    await clients.graph.assignLicense(s.state.customer.id, third, { addLicenses: [{ skuId: BUSINESS_BASIC.skuId }], removeLicenses: [] });
    s.run.step = 'moveLicenses';
    s.run.purchase = { ...s.run.purchase, catalogItems: ITEMS, cartId: cart.id, orderIds: [order.id] };
    s.run.newSubscriptionIds = { [BUSINESS_BASIC.skuId]: 'recorded' };
    s.run.users = s.run.users.map((user) => (user.id === first || user.id === second ? { ...user, state: 'done', attempts: 1 } : user));
    const before = (await ledger(env, s.state.customer.id)).length;
    const finished = await resume(s);
    await expectMigrated(s, finished);
    const licenseCalls = (await ledger(env, s.state.customer.id)).slice(before).filter((entry) => entry.operation === 'assignLicense');
    // Users already done are never called again; the half-done user needs only the removal.
    expect(licenseCalls).toHaveLength(USERS - 2);
    const thirdCall = licenseCalls.map(licenseChange).find((change) => change.userId === third);
    expect(thirdCall).toMatchObject({ before: [BUSINESS_BASIC.skuId, KAIZALA_SKU].sort(), after: [BUSINESS_BASIC.skuId] });
  });

  test('every user moved, verification pending; and suspension pending with a verification from an earlier attempt', async () => {
    for (const step of ['verify', 'suspend'] as const) {
      const s = await scenario();
      const cart = await createCart(s.state.customer.id, randomUUID());
      const order = (await clients.partnerCenter.checkoutCart(s.state.customer.id, cart.id, randomUUID())).data.orders[0];
      await waitForSeats(s.state.customer.id);
      for (const userId of s.request.userIds) {
        await clients.graph.assignLicense(s.state.customer.id, userId, { addLicenses: [{ skuId: BUSINESS_BASIC.skuId }], removeLicenses: [KAIZALA_SKU] });
      }
      s.run.step = step;
      s.run.verifiedInAttempt = step === 'suspend' ? 1 : undefined;
      s.run.purchase = { ...s.run.purchase, catalogItems: ITEMS, cartId: cart.id, orderIds: [order.id] };
      s.run.users = s.run.users.map((user) => ({ ...user, state: 'done' }));
      await expectMigrated(s, await resume(s));
    }
  });

  test('suspension sent and applied, the worker died before recording it', async () => {
    const s = await scenario();
    const cart = await createCart(s.state.customer.id, randomUUID());
    const order = (await clients.partnerCenter.checkoutCart(s.state.customer.id, cart.id, randomUUID())).data.orders[0];
    await waitForSeats(s.state.customer.id);
    for (const userId of s.request.userIds) {
      await clients.graph.assignLicense(s.state.customer.id, userId, { addLicenses: [{ skuId: BUSINESS_BASIC.skuId }], removeLicenses: [KAIZALA_SKU] });
    }
    const suspendRequestId = randomUUID();
    await clients.partnerCenter.suspendSubscription(s.state.customer.id, s.run.kaizalaSubscriptionId, suspendRequestId);
    s.run.step = 'suspend';
    s.run.verifiedInAttempt = 1;
    s.run.suspendRequestId = suspendRequestId;
    s.run.purchase = { ...s.run.purchase, catalogItems: ITEMS, cartId: cart.id, orderIds: [order.id] };
    s.run.users = s.run.users.map((user) => ({ ...user, state: 'done' }));
    const finished = await resume(s);
    await expectMigrated(s, finished);
    expect(finished.outcome).toBe('suspended');
    const patches = (await ledger(env, s.state.customer.id)).filter((entry) => entry.operation === 'patchSubscription');
    expect(patches).toHaveLength(1);
  });

  test('a cart whose availability rotated before checkout: nothing was bought, so a new cart buys once', async () => {
    const s = await scenario();
    const cartRequestId = randomUUID();
    const cart = await createCart(s.state.customer.id, cartRequestId);
    await env.setKnobs({ availabilityGeneration: 1 });
    try {
      s.run.purchase = { ...s.run.purchase, country: 'US', catalogItems: ITEMS, cartRequestId, cartId: cart.id, cartCreatedAt: cart.creationTimestamp };
      const finished = await resume(s);
      await expectMigrated(s, finished);
      expect(finished.purchase.abandonedCarts).toEqual([{ cartId: cart.id, reason: 'checkout 400019' }]);
      expect(finished.purchase.catalogItems?.[BUSINESS_BASIC.skuId]).not.toBe(BUSINESS_BASIC_ITEM);
    } finally {
      await env.setKnobs({ availabilityGeneration: 0 });
    }
  });
});

async function waitForSeats(customerId: string): Promise<void> {
  for (let round = 0; round < 200; round++) {
    const state = await customerState(env, customerId);
    if (state.subscribedSkus.some((sku) => sku.skuId === BUSINESS_BASIC.skuId && sku.enabled >= USERS)) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('seats never showed');
}
