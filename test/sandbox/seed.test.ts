import type { RunningSandbox } from '../../sandbox/server';
import { BUSINESS_BASIC_SKU, KAIZALA_SKU, SandboxClient, startTestSandbox, type Json } from './support';

let sandbox: RunningSandbox;
let client: SandboxClient;
let states: Json[];

beforeAll(async () => {
  ({ sandbox, client } = await startTestSandbox());
  const customers = await client.customers();
  states = await Promise.all(customers.map((customer) => client.state(customer.id)));
});
afterAll(() => sandbox.close());

const DAY = 86_400_000;
const kaizalaSubscriptions = (state: Json) => state.subscriptions.filter((subscription: Json) => subscription.sandbox.skuId === KAIZALA_SKU);

describe('demo seed', () => {
  test('at least 40 customers, each with standalone Kaizala Pro (auto-renew off) ending from expired to 200 days out', () => {
    expect(states.length).toBeGreaterThanOrEqual(40);
    const days: number[] = [];
    for (const state of states) {
      const subscriptions = kaizalaSubscriptions(state);
      expect(subscriptions.length).toBeGreaterThan(0);
      for (const subscription of subscriptions) {
        expect(subscription.autoRenewEnabled).toBe(false);
        expect(subscription.offerName).toContain('Kaizala Pro');
        const today = Math.floor(Date.parse(state.now) / DAY) * DAY;
        days.push(Math.round((Date.parse(subscription.commitmentEndDate) - today) / DAY));
      }
    }
    expect(Math.min(...days)).toBeLessThan(0);
    expect(Math.max(...days)).toBe(200);
    expect(states.filter((state) => kaizalaSubscriptions(state).length > 1).length).toBeGreaterThanOrEqual(2);
    expect(states.some((state) => kaizalaSubscriptions(state).some((subscription: Json) => subscription.status === 'expired'))).toBe(true);
  });

  test('covers education (Approved and InReview), frontline, large customers and other subscriptions', () => {
    const education = states.filter((state) => state.customer.qualifications.some((q: Json) => q.qualification === 'Education'));
    expect(education.filter((state) => state.customer.qualifications[0].vettingStatus === 'Approved').length).toBeGreaterThanOrEqual(2);
    expect(education.filter((state) => state.customer.qualifications[0].vettingStatus === 'InReview')).toHaveLength(1);
    expect(states.filter((state) => state.customer.profile === 'frontline').length).toBeGreaterThanOrEqual(3);
    expect(states.filter((state) => state.users.length > 300).length).toBeGreaterThanOrEqual(3);
    expect(states.every((state) => state.users.length >= 10 && state.users.length <= 400)).toBe(true);
    expect(states.filter((state) => state.subscriptions.some((s: Json) => s.sandbox.skuId !== KAIZALA_SKU)).length).toBeGreaterThanOrEqual(5);
  });

  test('has users without usageLocation, one group-inherited Kaizala license, and untrusted-looking names', () => {
    const users = states.flatMap((state) => state.users);
    expect(users.filter((user) => user.usageLocation === null).length).toBeGreaterThanOrEqual(2);
    const inherited = users.filter((user) => user.licenses.some((license: Json) => license.skuId === KAIZALA_SKU && license.groupId));
    expect(inherited).toHaveLength(1);
    expect(states.map((state) => state.customer.companyName)).toContain('Contoso [Beta] *Ltd* <script>');
  });

  test('one customer is half migrated: target bought, half the holders moved, seats consistent', () => {
    const trey = states.find((state) => state.customer.companyName === 'Trey Research');
    const onKaizala = trey.users.filter((user: Json) => user.licenses.some((license: Json) => license.skuId === KAIZALA_SKU));
    const standard = trey.subscribedSkus.find((sku: Json) => sku.skuId === 'f245ecc8-75af-4f8e-b61f-27d8114de5f3');
    expect(onKaizala).toHaveLength(30);
    expect(standard).toMatchObject({ enabled: 60, consumed: 30 });
    const both = trey.users.filter((user: Json) => user.licenses.length > 1);
    expect(both).toHaveLength(0);
  });

  test('consumed seats never exceed the seats bought (expired ones included); some seats were bought elsewhere', () => {
    for (const state of states) {
      for (const sku of state.subscribedSkus) {
        expect(sku.consumed).toBeLessThanOrEqual(sku.enabled + sku.warning + sku.suspended + sku.lockedOut);
      }
    }
    const vanArsdel = states.find((state) => state.customer.companyName === 'VanArsdel Ltd');
    expect(vanArsdel.subscribedSkus.find((sku: Json) => sku.skuId === BUSINESS_BASIC_SKU).enabled).toBe(250);
    expect(vanArsdel.subscriptions.find((s: Json) => s.sandbox.skuId === BUSINESS_BASIC_SKU).sandbox.partnerVisible).toBe(false);
  });
});

describe('generated portfolio', () => {
  test('reset with customers: N writes N deterministic customers', async () => {
    const reset = await client.admin('POST', '/reset', { customers: 200 });
    expect(reset.body.customers).toBe(200);
    const first = (await client.customers()).map((customer) => customer.companyName);
    await client.admin('POST', '/reset', { customers: 200 });
    expect((await client.customers()).map((customer) => customer.companyName)).toEqual(first);
    await client.admin('POST', '/reset', { seed: 'demo' });
    expect((await client.customers()).length).toBe(states.length);
  });
});
