import { randomUUID } from 'node:crypto';
import type { RunningSandbox } from '../../sandbox/server';
import {
  BUSINESS_BASIC_ITEM,
  BUSINESS_BASIC_SKU,
  KAIZALA_SKU,
  makeCustomer,
  PC_AUDIENCE,
  SandboxClient,
  startTestSandbox,
  type Json,
} from './support';

let sandbox: RunningSandbox;
let client: SandboxClient;

beforeAll(async () => {
  ({ sandbox, client } = await startTestSandbox({ seed: 'empty', knobs: { provisioningDelayMs: 0, orderListLagMs: 0 } }));
});
afterAll(() => sandbox.close());
afterEach(async () => {
  await client.admin('PUT', '/knobs', {
    faults: [],
    partnerRequestsPerMinute: 500,
    customerRequestsPerMinute: 500,
    graphWritesPer150Seconds: 3000,
    throttleStormRate: 0,
    serverErrorRate: 0,
    timeoutRate: 0,
    requestIdReplayMode: 'replay',
    requestIdBodyMismatchMode: 'replay',
  });
});

const swap = { addLicenses: [{ skuId: BUSINESS_BASIC_SKU, disabledPlans: [] }], removeLicenses: [KAIZALA_SKU] };
const cartBody = (quantity: number) => ({ lineItems: [{ id: 0, catalogItemId: BUSINESS_BASIC_ITEM, quantity, billingCycle: 'monthly' }] });

async function customerWithSeats(users: number, seats: number) {
  return makeCustomer(client, { users, extras: [{ partNumber: 'O365_BUSINESS_ESSENTIALS', quantity: seats, holders: 0 }] });
}

async function heldSkus(customerId: string, userId: string): Promise<string[]> {
  const reply = await client.graph('GET', customerId, `/users/${userId}?$select=assignedLicenses`);
  return reply.body.assignedLicenses.map((license: Json) => license.skuId).sort();
}

async function knobs(patch: Record<string, unknown>): Promise<void> {
  const reply = await client.admin('PUT', '/knobs', patch);
  expect(reply.status).toBe(200);
}

describe('throttling', () => {
  test('Partner Center buckets answer 429 with Retry-After and the documented body', async () => {
    const customer = await makeCustomer(client, { users: 1 });
    await knobs({ customerRequestsPerMinute: 3 });
    const statuses: number[] = [];
    let throttled: Json;
    for (let i = 0; i < 5; i++) {
      const reply = await client.pc('GET', `/customers/${customer.id}/subscriptions`);
      statuses.push(reply.status);
      if (reply.status === 429) throttled = reply;
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    const retryAfter = Number(throttled.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(throttled.body).toEqual({ statusCode: 429, message: `Rate limit is exceeded. Try again in ${retryAfter} seconds.` });
    // one customer throttled, others pass
    const other = await makeCustomer(client, { users: 1 });
    expect((await client.pc('GET', `/customers/${other.id}/subscriptions`)).status).toBe(200);
    const log = await client.admin('GET', '/requests');
    expect(log.body.requests.filter((entry: Json) => entry.status === 429).every((entry: Json) => entry.retryAfterSeconds === retryAfter && entry.at)).toBe(true);
  });

  test('Graph write bucket answers 429 TooManyRequests with Retry-After', async () => {
    const customer = await customerWithSeats(3, 3);
    await knobs({ graphWritesPer150Seconds: 2 });
    const replies = [];
    for (const user of customer.users) replies.push(await client.graph('POST', customer.id, `/users/${user.id}/assignLicense`, { body: swap }));
    expect(replies.map((reply) => reply.status)).toEqual([200, 200, 429]);
    expect(replies[2].body.error.code).toBe('TooManyRequests');
    expect(Number(replies[2].headers.get('retry-after'))).toBeGreaterThan(0);
    expect(replies[2].headers.get('x-ms-throttle-information')).toBe('WriteLimitExceeded');
  });

  test('a 429 storm can come without Retry-After', async () => {
    const customer = await makeCustomer(client, { users: 1 });
    await knobs({ throttleStormRate: 1, throttleStormRetryAfterSeconds: null });
    const reply = await client.pc('GET', `/customers/${customer.id}`);
    expect(reply.status).toBe(429);
    expect(reply.headers.get('retry-after')).toBeNull();
    expect(reply.body.statusCode).toBe(429);
  });
});

describe('more throttling knobs', () => {
  test('the partner bucket spans customers; Graph read units depend on the knob and warn from 80 %', async () => {
    const first = await makeCustomer(client, { users: 1 });
    const second = await makeCustomer(client, { users: 1 });
    const otherPartner = client.token({ aud: PC_AUDIENCE, tid: randomUUID() });
    await knobs({ partnerRequestsPerMinute: 2 });
    expect((await client.pc('GET', `/customers/${first.id}`, { token: otherPartner })).status).toBe(200);
    expect((await client.pc('GET', `/customers/${second.id}`, { token: otherPartner })).status).toBe(200);
    expect((await client.pc('GET', `/customers/${first.id}`, { token: otherPartner })).status).toBe(429);
    await knobs({ partnerRequestsPerMinute: 500, graphResourceUnitsPer10Seconds: 10 });
    const costs: string[] = [];
    const warnings: (string | null)[] = [];
    let last: Json;
    for (let i = 0; i < 4; i++) {
      last = await client.graph('GET', first.id, '/subscribedSkus');
      costs.push(last.headers.get('x-ms-resource-unit') ?? String(last.status));
      warnings.push(last.headers.get('x-ms-throttle-limit-percentage'));
    }
    await knobs({ graphResourceUnitsPer10Seconds: null });
    expect(costs).toEqual(['3', '3', '3', '429']);
    expect(warnings.slice(0, 2)).toEqual([null, null]);
    expect(Number(warnings[2])).toBeGreaterThanOrEqual(0.8);
    expect(last.body.error.code).toBe('TooManyRequests');
    expect(last.headers.get('x-ms-throttle-information')).toBe('ResourceUnitLimitExceeded');
  });
});

describe('transient failures', () => {
  test('serverErrorRate answers 5xx without applying anything', async () => {
    const customer = await customerWithSeats(1, 1);
    await knobs({ serverErrorRate: 1 });
    const reply = await client.graph('POST', customer.id, `/users/${customer.users[0].id}/assignLicense`, { body: swap });
    await knobs({ serverErrorRate: 0 });
    expect(reply.status).toBe(503);
    expect(await heldSkus(customer.id, customer.users[0].id)).toEqual([KAIZALA_SKU]);
  });

  test('a timeout holds the request, then drops the socket without applying', async () => {
    const customer = await customerWithSeats(1, 1);
    await knobs({ faults: [{ action: 'timeout', operation: 'assignLicense', holdMs: 150 }] });
    const started = Date.now();
    await expect(client.graph('POST', customer.id, `/users/${customer.users[0].id}/assignLicense`, { body: swap })).rejects.toThrow();
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(await heldSkus(customer.id, customer.users[0].id)).toEqual([KAIZALA_SKU]);
  });
});

describe('commit, then lose the answer', () => {
  test('checkout commits then drops; retrying with the same MS-RequestId replays the original result', async () => {
    const customer = await makeCustomer(client, { users: 1 });
    const cart = await client.pc('POST', `/customers/${customer.id}/carts`, { body: cartBody(2) });
    await knobs({ faults: [{ action: 'commitThenDrop', operation: 'checkout', times: 1 }] });
    const requestId = randomUUID();
    const path = `/customers/${customer.id}/carts/${cart.body.id}/checkout`;
    await expect(client.pc('POST', path, { headers: { 'MS-RequestId': requestId } })).rejects.toThrow();
    const ledger = await client.admin('GET', `/ledger?customerId=${customer.id}`);
    const entry = ledger.body.entries.find((candidate: Json) => candidate.operation === 'checkout');
    expect(entry).toMatchObject({ requestId, delivery: 'dropped', status: 201 });
    const retry = await client.pc('POST', path, { headers: { 'MS-RequestId': requestId } });
    expect(retry.status).toBe(201);
    const orderIds = entry.changes.filter((change: Json) => change.kind === 'order').map((change: Json) => change.orderId);
    expect(retry.body.orders.map((order: Json) => order.id)).toEqual(orderIds);
    const log = await client.admin('GET', '/requests');
    expect(log.body.requests.at(-1)).toMatchObject({ replayed: true, requestId });
  });

  test('PATCH, licenseupdates and assignLicense can commit and answer 504', async () => {
    const customer = await customerWithSeats(2, 2);
    await knobs({
      faults: [
        { action: 'commitThen504', operation: 'assignLicense' },
        { action: 'commitThen504', operation: 'licenseUpdates' },
        { action: 'commitThen504', operation: 'patchSubscription' },
      ],
    });
    const [first, second] = customer.users;
    const graph = await client.graph('POST', customer.id, `/users/${first.id}/assignLicense`, { body: swap });
    expect(graph.status).toBe(504);
    expect(await heldSkus(customer.id, first.id)).toEqual([BUSINESS_BASIC_SKU]);
    const pc = await client.pc('POST', `/customers/${customer.id}/users/${second.id}/licenseupdates`, {
      token: client.userToken,
      body: { licensesToAssign: [{ skuId: BUSINESS_BASIC_SKU }], licensesToRemove: [KAIZALA_SKU] },
    });
    expect(pc.status).toBe(504);
    expect(await heldSkus(customer.id, second.id)).toEqual([BUSINESS_BASIC_SKU]);
    const list = await client.pc('GET', `/customers/${customer.id}/subscriptions`);
    const kaizala = list.body.items.find((item: Json) => item.offerName.includes('Kaizala'));
    const patched = await client.pc('PATCH', `/customers/${customer.id}/subscriptions/${kaizala.id}`, {
      headers: { 'If-Match': `"${kaizala.attributes.etag}"` },
      body: { ...kaizala, status: 'suspended' },
    });
    expect(patched.status).toBe(504);
    expect((await client.pc('GET', `/customers/${customer.id}/subscriptions/${kaizala.id}`)).body.status).toBe('suspended');
  });
});

describe('half-applied license swaps', () => {
  test('assignOnly adds the new SKU and keeps Kaizala (success reply); removeOnly removes without adding (error reply)', async () => {
    const customer = await customerWithSeats(2, 2);
    const [first, second] = customer.users;
    await knobs({
      faults: [
        { action: 'assignOnly', operation: 'assignLicense', userId: first.userPrincipalName, reply: 'success' },
        { action: 'removeOnly', operation: 'assignLicense', userId: second.id, reply: 'error' },
      ],
    });
    const assigned = await client.graph('POST', customer.id, `/users/${first.id}/assignLicense`, { body: swap });
    expect(assigned.status).toBe(200);
    expect(await heldSkus(customer.id, first.id)).toEqual([KAIZALA_SKU, BUSINESS_BASIC_SKU].sort());
    const removed = await client.graph('POST', customer.id, `/users/${second.id}/assignLicense`, { body: swap });
    expect(removed.status).toBe(500);
    expect(await heldSkus(customer.id, second.id)).toEqual([]);
    const ledger = await client.admin('GET', `/ledger?customerId=${customer.id}`);
    const neither = ledger.body.entries
      .flatMap((entry: Json) => entry.changes)
      .filter((change: Json) => change.kind === 'userLicenses' && change.after.length === 0);
    expect(neither.map((change: Json) => change.userId)).toEqual([second.id]);
  });

  test('assignOnly on licenseupdates with an error reply still commits the addition', async () => {
    const customer = await customerWithSeats(1, 1);
    await knobs({ faults: [{ action: 'assignOnly', operation: 'licenseUpdates', reply: 'error' }] });
    const reply = await client.pc('POST', `/customers/${customer.id}/users/${customer.users[0].id}/licenseupdates`, {
      token: client.userToken,
      body: { licensesToAssign: [{ skuId: BUSINESS_BASIC_SKU }], licensesToRemove: [KAIZALA_SKU] },
    });
    expect(reply.status).toBe(400);
    expect(reply.body.code).toBe(60000);
    expect(await heldSkus(customer.id, customer.users[0].id)).toEqual([KAIZALA_SKU, BUSINESS_BASIC_SKU].sort());
  });

  test('call numbers target the 3rd assignLicense of one tenant only', async () => {
    const customer = await customerWithSeats(4, 4);
    const other = await customerWithSeats(3, 3);
    await knobs({ faults: [{ action: 'serverError', operation: 'assignLicense', customerId: customer.id, callNumbers: [3], status: 500 }] });
    for (const user of other.users) {
      expect((await client.graph('POST', other.id, `/users/${user.id}/assignLicense`, { body: swap })).status).toBe(200);
    }
    const statuses = [];
    for (const user of customer.users) statuses.push((await client.graph('POST', customer.id, `/users/${user.id}/assignLicense`, { body: swap })).status);
    expect(statuses).toEqual([200, 200, 500, 200]);
    const stats = (await client.admin('GET', '/knobs')).body.faultStats;
    expect(stats[0]).toMatchObject({ matched: 4, fired: 1 });
  });
});

describe('duplicate MS-RequestId', () => {
  async function checkoutTwice(mode: string) {
    await knobs({ requestIdReplayMode: mode });
    const customer = await makeCustomer(client, { users: 1 });
    const cart = await client.pc('POST', `/customers/${customer.id}/carts`, { body: cartBody(1) });
    const requestId = randomUUID();
    const path = `/customers/${customer.id}/carts/${cart.body.id}/checkout`;
    const first = await client.pc('POST', path, { headers: { 'MS-RequestId': requestId } });
    const second = await client.pc('POST', path, { headers: { 'MS-RequestId': requestId } });
    const orders = (await client.state(customer.id)).orders.filter((order: Json) => order.sandbox.cartId === cart.body.id);
    return { first, second, orders };
  }

  test('replay (default) returns the original answer', async () => {
    const { first, second, orders } = await checkoutTwice('replay');
    expect(second.body).toEqual(first.body);
    expect(orders).toHaveLength(1);
  });

  test('reject modes answer 800064 or 800065', async () => {
    expect((await checkoutTwice('reject800064')).second.body.code).toBe(800064);
    expect((await checkoutTwice('reject800065')).second.body.code).toBe(800065);
  });

  test('execute runs it again: the worst case, a second order for the same cart', async () => {
    const { first, second, orders } = await checkoutTwice('execute');
    expect(second.status).toBe(201);
    expect(second.body.orders[0].id).not.toBe(first.body.orders[0].id);
    expect(orders).toHaveLength(2);
  });

  test('a replay with a different body can be rejected or executed', async () => {
    const customer = await makeCustomer(client, { users: 1 });
    const requestId = randomUUID();
    const create = (quantity: number) =>
      client.pc('POST', `/customers/${customer.id}/carts`, { headers: { 'MS-RequestId': requestId }, body: cartBody(quantity) });
    const original = await create(1);
    await knobs({ requestIdBodyMismatchMode: 'reject' });
    expect((await create(2)).status).toBe(400);
    await knobs({ requestIdBodyMismatchMode: 'execute' });
    const executed = await create(3);
    expect(executed.status).toBe(201);
    expect(executed.body.id).not.toBe(original.body.id);
    await knobs({ requestIdBodyMismatchMode: 'replay' });
    expect((await create(4)).body.id).toBe(executed.body.id);
  });
});

describe('commerce faults', () => {
  test('staleEtag and accepted202 rules, and an order that fails', async () => {
    const customer = await makeCustomer(client, { users: 1 });
    const list = await client.pc('GET', `/customers/${customer.id}/subscriptions`);
    const kaizala = list.body.items[0];
    const send = () =>
      client.pc('PATCH', `/customers/${customer.id}/subscriptions/${kaizala.id}`, {
        headers: { 'If-Match': `"${kaizala.attributes.etag}"` },
        body: { ...kaizala, status: 'suspended' },
      });
    await knobs({ faults: [{ action: 'staleEtag', operation: 'patchSubscription', times: 1 }, { action: 'accepted202', operation: 'patchSubscription', polls: 1 }] });
    expect((await send()).body.code).toBe(2055);
    const accepted = await send();
    expect(accepted.status).toBe(202);
    expect((await client.pc('GET', `/customers/${customer.id}/subscriptions/${kaizala.id}`)).body.status).toBe('suspended');

    await knobs({ faults: [{ action: 'failOrder', operation: 'checkout' }] });
    const cart = await client.pc('POST', `/customers/${customer.id}/carts`, { body: cartBody(1) });
    const checkout = await client.pc('POST', `/customers/${customer.id}/carts/${cart.body.id}/checkout`);
    const orderId = checkout.body.orders[0].id;
    const order = await client.pc('GET', `/customers/${customer.id}/orders/${orderId}`);
    expect(order.body.status).toBe('cancelled');
    const status = await client.pc('GET', `/customers/${customer.id}/orders/${orderId}/provisioningstatus`, { token: client.userToken });
    expect(status.body.items[0].status).toBe('failed');
    const skus = await client.graph('GET', customer.id, '/subscribedSkus?$select=skuId');
    expect(skus.body.value.map((sku: Json) => sku.skuId)).not.toContain(BUSINESS_BASIC_SKU);
  });

  test('seats appear only after the seat provisioning delay (provisioning status pending until then)', async () => {
    const customer = await makeCustomer(client, { users: 1 });
    await knobs({ seatProvisioningDelayMs: 60_000 });
    const cart = await client.pc('POST', `/customers/${customer.id}/carts`, { body: cartBody(1) });
    const checkout = await client.pc('POST', `/customers/${customer.id}/carts/${cart.body.id}/checkout`);
    await knobs({ seatProvisioningDelayMs: 0 });
    const order = await client.pc('GET', `/customers/${customer.id}/orders/${checkout.body.orders[0].id}`);
    const subscriptionId = order.body.lineItems[0].subscriptionId;
    const status = () =>
      client.pc('GET', `/customers/${customer.id}/subscriptions/${subscriptionId}/provisioningstatus`, { token: client.userToken });
    const skuIds = async () => (await client.graph('GET', customer.id, '/subscribedSkus?$select=skuId')).body.value.map((sku: Json) => sku.skuId);
    expect((await status()).body.status).toBe('pending');
    expect(await skuIds()).not.toContain(BUSINESS_BASIC_SKU);
    await client.admin('POST', '/clock', { advanceMs: 61_000 });
    expect((await status()).body.status).toBe('success');
    expect(await skuIds()).toContain(BUSINESS_BASIC_SKU);
  });

  test('batch answers come back in a seeded shuffled order, or in request order when configured', async () => {
    const customer = await makeCustomer(client, { users: 6 });
    const requests = customer.users.map((user, index) => ({ id: String(index + 1), method: 'GET', url: `/users/${user.id}?$select=id` }));
    const order = async () => (await client.graph('POST', customer.id, '/$batch', { body: { requests } })).body.responses.map((r: Json) => r.id);
    const shuffled = await order();
    expect([...shuffled].sort()).toEqual(['1', '2', '3', '4', '5', '6']);
    expect(shuffled).not.toEqual(['1', '2', '3', '4', '5', '6']);
    await knobs({ batchShuffle: false });
    const ordered = await order();
    await knobs({ batchShuffle: true });
    expect(ordered).toEqual(['1', '2', '3', '4', '5', '6']);
  });

  test('latency delays every answer', async () => {
    const customer = await makeCustomer(client, { users: 1 });
    await knobs({ latencyMs: 120 });
    const started = Date.now();
    await client.pc('GET', `/customers/${customer.id}`);
    await knobs({ latencyMs: 0 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(110);
  });
});
