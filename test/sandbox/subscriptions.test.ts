import type { RunningSandbox } from '../../sandbox/server';
import { KAIZALA_SKU, makeCustomer, SandboxClient, startTestSandbox, type Json } from './support';

let sandbox: RunningSandbox;
let client: SandboxClient;

beforeAll(async () => {
  ({ sandbox, client } = await startTestSandbox());
});
afterAll(() => sandbox.close());

const DAY = 86_400_000;

async function kaizalaOf(customerId: string): Promise<Json> {
  const list = await client.pc('GET', `/customers/${customerId}/subscriptions`);
  return list.body.items.find((item: Json) => item.offerName.includes('Kaizala Pro'));
}

async function patch(customerId: string, subscription: Json, change: Record<string, unknown>, etag = subscription.attributes.etag) {
  return client.pc('PATCH', `/customers/${customerId}/subscriptions/${subscription.id}`, {
    headers: { 'If-Match': `"${etag}"` },
    body: { ...subscription, ...change },
  });
}

async function kaizalaSeats(customerId: string) {
  const graph = (await client.graph('GET', customerId, '/subscribedSkus')).body.value.find((sku: Json) => sku.skuId === KAIZALA_SKU);
  const pc = (await client.pc('GET', `/customers/${customerId}/subscribedskus`, { token: client.userToken })).body.items.find(
    (sku: Json) => sku.productSku.id === KAIZALA_SKU,
  );
  return { graph, pc };
}

describe('the legacy Kaizala subscription', () => {
  test('looks legacy: no NCE fields but a billingCycle (documented on legacy items too), auto-renew off, Kaizala Pro in the offer name, empty upgrade and transition lists', async () => {
    const customer = await makeCustomer(client, { users: 3 });
    const kaizala = await kaizalaOf(customer.id);
    expect(kaizala).toMatchObject({ autoRenewEnabled: false, status: 'active', attributes: { objectType: 'Subscription' } });
    expect(kaizala.termDuration).toBeUndefined();
    expect(kaizala.productType).toBeUndefined();
    // get-a-list-of-subscriptions shows a legacy item ("Intune Device") with billingCycle "monthly" and no termDuration.
    expect(kaizala.billingCycle).toBe('monthly');
    expect(kaizala.links.offer.uri).toMatch(/^\/v1\/offers\/[0-9a-f-]{36}$/);
    const upgrades = await client.pc('GET', `/customers/${customer.id}/subscriptions/${kaizala.id}/upgrades`);
    expect(upgrades.body).toMatchObject({ totalCount: 0, items: [] });
    const transitions = await client.pc('GET', `/customers/${customer.id}/subscriptions/${kaizala.id}/transitionEligibilities?eligibilityType=immediate`);
    expect(transitions.body.items).toEqual([]);
    const status = await client.pc('GET', `/customers/${customer.id}/subscriptions/${kaizala.id}/provisioningstatus`, { token: client.userToken });
    expect(status.body.skuId).toBe(KAIZALA_SKU.toUpperCase());
    expect((await client.pc('GET', `/customers/${customer.id}/subscriptions/unknown`)).body.code).toBe(20003);
  });
});

describe('PATCH', () => {
  test('a stale ETag gets 2055; suspending changes the ETag and moves seats to the suspended counters', async () => {
    const customer = await makeCustomer(client, { users: 3 });
    const kaizala = await kaizalaOf(customer.id);
    const stale = await patch(customer.id, kaizala, { status: 'suspended' }, 'not-the-etag');
    expect(stale.status).toBe(400);
    expect(stale.body.code).toBe(2055);
    const noEtag = await client.pc('PATCH', `/customers/${customer.id}/subscriptions/${kaizala.id}`, { body: { status: 'suspended' } });
    expect(noEtag.body.code).toBe(2055);

    const suspended = await patch(customer.id, kaizala, { status: 'suspended' });
    expect(suspended.status).toBe(200);
    expect(suspended.body.status).toBe('suspended');
    expect(suspended.body.attributes.etag).not.toBe(kaizala.attributes.etag);
    const reused = await patch(customer.id, kaizala, { status: 'active' });
    expect(reused.body.code).toBe(2055);

    const { graph, pc } = await kaizalaSeats(customer.id);
    expect(graph.prepaidUnits).toMatchObject({ enabled: 0, suspended: kaizala.quantity });
    expect(graph.capabilityStatus).toBe('Suspended');
    expect(pc).toMatchObject({ activeUnits: 0, suspendedUnits: kaizala.quantity, consumedUnits: 3 });

    const ledger = await client.admin('GET', `/ledger?customerId=${customer.id}`);
    const suspension = ledger.body.entries.find((entry: Json) => entry.operation === 'patchSubscription');
    expect(suspension.changes[0]).toMatchObject({ kind: 'subscription', before: { status: 'active' }, after: { status: 'suspended' }, consumedUnits: 3 });
  });

  test('suspending an already suspended subscription returns it unchanged with 200', async () => {
    const customer = await makeCustomer(client, { users: 2 });
    const suspended = (await patch(customer.id, await kaizalaOf(customer.id), { status: 'suspended' })).body;
    const again = await patch(customer.id, suspended, { status: 'suspended' });
    expect(again.status).toBe(200);
    expect(again.body.status).toBe('suspended');
    expect(again.body.attributes.etag).toBe(suspended.attributes.etag);
  });

  test('reactivation works before term end; Kaizala quantity and auto-renew cannot change', async () => {
    const customer = await makeCustomer(client, { users: 2 });
    const kaizala = await kaizalaOf(customer.id);
    expect((await patch(customer.id, kaizala, { quantity: kaizala.quantity + 5 })).body.code).toBe(2006);
    expect((await patch(customer.id, kaizala, { autoRenewEnabled: true })).body.code).toBe(800093);
    const suspended = (await patch(customer.id, kaizala, { status: 'suspended' })).body;
    const reactivated = await patch(customer.id, suspended, { status: 'active' });
    expect(reactivated.status).toBe(200);
    expect(reactivated.body.status).toBe('active');
  });

  test('a 202 answer carries Location and the change lands after N polls', async () => {
    const customer = await makeCustomer(client, { users: 2 });
    await client.admin('PUT', '/knobs', { patchAcceptedPolls: 2 });
    const kaizala = await kaizalaOf(customer.id);
    const accepted = await patch(customer.id, kaizala, { status: 'suspended' });
    await client.admin('PUT', '/knobs', { patchAcceptedPolls: 0 });
    expect(accepted.status).toBe(202);
    const location = accepted.headers.get('location');
    expect(location).toBe(`/customers/${customer.id}/subscriptions/${kaizala.id}`);
    const poll = () => client.pc('GET', location ?? '');
    expect((await poll()).body.status).toBe('active');
    expect((await poll()).body.status).toBe('suspended');
  });

  test('a partial body turns auto-renew off, as the docs warn', async () => {
    const customer = await makeCustomer(client, { users: 2, extras: [{ partNumber: 'SPE_E3', quantity: 5, holders: 0 }] });
    const list = await client.pc('GET', `/customers/${customer.id}/subscriptions`);
    const e3 = list.body.items.find((item: Json) => item.offerName === 'Microsoft 365 E3');
    expect(e3.autoRenewEnabled).toBe(true);
    const partial = await client.pc('PATCH', `/customers/${customer.id}/subscriptions/${e3.id}`, {
      headers: { 'If-Match': `"${e3.attributes.etag}"` },
      body: { quantity: 6 },
    });
    expect(partial.status).toBe(200);
    expect(partial.body).toMatchObject({ quantity: 6, autoRenewEnabled: false });
  });
});

describe('time', () => {
  test('a suspended Kaizala subscription is deprovisioned after deprovisionAfterDays, and its licenses go', async () => {
    const customer = await makeCustomer(client, { users: 2, kaizalaEndInDays: 200 });
    await patch(customer.id, await kaizalaOf(customer.id), { status: 'suspended' });
    await client.admin('POST', '/clock', { advanceMs: 89 * DAY });
    expect((await kaizalaOf(customer.id)).status).toBe('suspended');
    await client.admin('POST', '/clock', { advanceMs: 2 * DAY });
    const deleted = await kaizalaOf(customer.id);
    expect(deleted.status).toBe('deleted');
    const users = await client.graph('GET', customer.id, `/users?$filter=${encodeURIComponent(`assignedLicenses/any(x:x/skuId eq ${KAIZALA_SKU})`)}`);
    expect(users.body.value).toEqual([]);
    const ledger = await client.admin('GET', `/ledger?customerId=${customer.id}`);
    const entry = ledger.body.entries.find((candidate: Json) => candidate.operation === 'deprovisioned');
    expect(entry.actor).toBe('lifecycle');
    expect(Date.parse(entry.time)).toBeLessThan(Date.parse((await client.admin('GET', '/clock')).body.now));
  });

  test('an active Kaizala subscription takes the configured post-end state at term end', async () => {
    await client.admin('PUT', '/knobs', { postEndState: 'disabled' });
    const customer = await makeCustomer(client, { users: 2, kaizalaEndInDays: 3 });
    await client.admin('POST', '/clock', { advanceMs: 3 * DAY });
    expect((await kaizalaOf(customer.id)).status).toBe('active');
    await client.admin('POST', '/clock', { advanceMs: 1 * DAY });
    const ended = await kaizalaOf(customer.id);
    await client.admin('PUT', '/knobs', { postEndState: 'expired' });
    expect(ended.status).toBe('disabled');
    expect((await kaizalaSeats(customer.id)).graph.prepaidUnits.lockedOut).toBe(ended.quantity);
  });
});
