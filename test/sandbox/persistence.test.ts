import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { knobsFromEnv } from '../../sandbox/knobs';
import { BUSINESS_BASIC_ITEM, BUSINESS_BASIC_SKU, GRAPH_AUDIENCE, KAIZALA_SKU, startTestSandbox, type Json } from './support';

let dataDir: string;

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'sandbox-state-'));
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

describe('persistence', () => {
  test('a restart with the same dataDir keeps purchases, licenses, suspensions, the clock offset and the ledger', async () => {
    const first = await startTestSandbox({ dataDir, knobs: { provisioningDelayMs: 0 } });
    const { client } = first;
    const customerId = await first.client.customerNamed('Relecloud');
    const cart = await client.pc('POST', `/customers/${customerId}/carts`, {
      body: { lineItems: [{ id: 0, catalogItemId: BUSINESS_BASIC_ITEM, quantity: 45, billingCycle: 'monthly' }] },
    });
    const checkout = await client.pc('POST', `/customers/${customerId}/carts/${cart.body.id}/checkout`);
    const orderId = checkout.body.orders[0].id;
    const user = (await client.state(customerId)).users[0];
    // Relecloud, like most demo customers under GDAP, gave no app-only consent: the partner admin's delegated token.
    expect((await client.graph('POST', customerId, `/users/${user.id}/assignLicense`, {
      token: client.token({ aud: GRAPH_AUDIENCE, tid: customerId, idtyp: 'user' }),
      body: { addLicenses: [{ skuId: BUSINESS_BASIC_SKU, disabledPlans: [] }], removeLicenses: [KAIZALA_SKU] },
    })).status).toBe(200);
    const kaizala = (await client.pc('GET', `/customers/${customerId}/subscriptions`)).body.items.find((item: Json) =>
      item.offerName.includes('Kaizala'),
    );
    await client.pc('PATCH', `/customers/${customerId}/subscriptions/${kaizala.id}`, {
      headers: { 'If-Match': `"${kaizala.attributes.etag}"` },
      body: { ...kaizala, status: 'suspended' },
    });
    await client.admin('POST', '/clock', { advanceMs: 86_400_000 });
    const ledgerBefore = (await client.admin('GET', '/ledger')).body.entries;
    await first.sandbox.close();

    const second = await startTestSandbox({ dataDir, seed: 'empty' });
    try {
      const again = second.client;
      expect((await again.customers()).length).toBeGreaterThanOrEqual(40);
      expect((await again.pc('GET', `/customers/${customerId}/orders/${orderId}`)).body.status).toBe('completed');
      expect((await again.pc('GET', `/customers/${customerId}/subscriptions/${kaizala.id}`)).body.status).toBe('suspended');
      const held = await again.graph('GET', customerId, `/users/${user.id}?$select=assignedLicenses`, {
        token: again.token({ aud: GRAPH_AUDIENCE, tid: customerId, idtyp: 'user' }),
      });
      expect(held.body.assignedLicenses.map((license: Json) => license.skuId)).toEqual([BUSINESS_BASIC_SKU]);
      expect((await again.admin('GET', '/clock')).body.offsetMs).toBe(86_400_000);
      const ledgerAfter = (await again.admin('GET', '/ledger')).body.entries;
      expect(ledgerAfter.slice(0, ledgerBefore.length)).toEqual(ledgerBefore);
    } finally {
      await second.sandbox.close();
    }
  });

  test('a generated portfolio is written once and deterministic', async () => {
    const first = await startTestSandbox({ dataDir, customers: 30 });
    const names = (await first.client.customers()).map((customer) => customer.companyName);
    await first.sandbox.close();
    const memory = await startTestSandbox({ customers: 30 });
    expect((await memory.client.customers()).map((customer) => customer.companyName)).toEqual(names);
    await memory.sandbox.close();
    expect(names).toHaveLength(30);
  });
});

describe('configuration from the environment', () => {
  test('SANDBOX_* variables set knobs, with JSON for fault rules; bad values are refused', () => {
    const knobs = knobsFromEnv({
      SANDBOX_LATENCY_MS: '25',
      SANDBOX_PROVISIONING_DELAY_MS: '100',
      SANDBOX_POST_END_STATE: 'deleted',
      SANDBOX_BATCH_SHUFFLE: 'false',
      SANDBOX_FAULTS: '[{"action":"timeout","operation":"checkout"}]',
    });
    expect(knobs).toEqual({
      latencyMs: 25,
      provisioningDelayMs: 100,
      postEndState: 'deleted',
      batchShuffle: false,
      faults: [{ action: 'timeout', operation: 'checkout' }],
    });
    expect(() => knobsFromEnv({ SANDBOX_POST_END_STATE: 'gone' })).toThrow(/postEndState/);
  });
});
