import { randomUUID } from 'node:crypto';
import type { RunningSandbox } from '../../sandbox/server';
import { BUSINESS_BASIC_ITEM, BUSINESS_BASIC_SKU, makeCustomer, SandboxClient, startTestSandbox, type Json } from './support';

let sandbox: RunningSandbox;
let client: SandboxClient;

beforeAll(async () => {
  ({ sandbox, client } = await startTestSandbox({ knobs: { provisioningDelayMs: 60_000, orderListLagMs: 30_000 } }));
});
afterAll(() => sandbox.close());

const line = (quantity: number, catalogItemId = BUSINESS_BASIC_ITEM) => ({
  lineItems: [{ id: 0, catalogItemId, quantity, billingCycle: 'Monthly', termDuration: 'P1Y' }],
});

async function advance(ms: number): Promise<void> {
  await client.admin('POST', '/clock', { advanceMs: ms });
}

async function buy(customerId: string, quantity: number, catalogItemId = BUSINESS_BASIC_ITEM) {
  const cart = await client.pc('POST', `/customers/${customerId}/carts`, { body: line(quantity, catalogItemId) });
  expect(cart.status).toBe(201);
  const checkout = await client.pc('POST', `/customers/${customerId}/carts/${cart.body.id}/checkout`);
  return { cart: cart.body, checkout };
}

describe('purchase', () => {
  test('cart → checkout → pending order → completed order with an NCE subscription and seats on both APIs', async () => {
    const customer = await makeCustomer(client, { users: 4 });
    const cart = await client.pc('POST', `/customers/${customer.id}/carts`, { body: line(10) });
    expect(cart.status).toBe(201);
    expect(cart.body).toMatchObject({ status: 'Active', attributes: { objectType: 'Cart' } });
    const week = Date.parse(cart.body.expirationTimestamp) - Date.parse(cart.body.creationTimestamp);
    expect(week).toBe(7 * 86_400_000);

    const checkout = await client.pc('POST', `/customers/${customer.id}/carts/${cart.body.id}/checkout`);
    expect(checkout.status).toBe(201);
    expect(checkout.body.orderErrors).toEqual([]);
    const [order] = checkout.body.orders;
    expect(order).toMatchObject({ status: 'pending', referenceCustomerId: customer.id, attributes: { objectType: 'Order' } });
    expect(order.lineItems[0].subscriptionId).toBeUndefined();
    expect((await client.pc('GET', `/customers/${customer.id}/carts/${cart.body.id}`)).body.status).toBe('Ordered');

    // by id at once, in the list only after the lag
    expect((await client.pc('GET', `/customers/${customer.id}/orders/${order.id}`)).body.status).toBe('pending');
    const earlyList = await client.pc('GET', `/customers/${customer.id}/orders`);
    expect(earlyList.body.items.map((item: Json) => item.id)).not.toContain(order.id);
    const provisioning = await client.pc('GET', `/customers/${customer.id}/orders/${order.id}/provisioningstatus`, { token: client.userToken });
    expect(provisioning.body.items[0].status).toBe('pending');

    await advance(31_000);
    const listed = await client.pc('GET', `/customers/${customer.id}/orders`);
    expect(listed.body.items.map((item: Json) => item.id)).toContain(order.id);
    expect((await client.graph('GET', customer.id, '/subscribedSkus')).body.value.map((sku: Json) => sku.skuId)).not.toContain(BUSINESS_BASIC_SKU);

    await advance(30_000);
    const completed = await client.pc('GET', `/customers/${customer.id}/orders/${order.id}`);
    expect(completed.body.status).toBe('completed');
    const subscriptionId = completed.body.lineItems[0].subscriptionId;
    expect(subscriptionId).toBeDefined();
    const subscription = await client.pc('GET', `/customers/${customer.id}/subscriptions/${subscriptionId}`);
    expect(subscription.body).toMatchObject({
      offerId: BUSINESS_BASIC_ITEM,
      productType: { id: 'OnlineServicesNCE' },
      termDuration: 'P1Y',
      billingCycle: 'monthly',
      autoRenewEnabled: true,
      status: 'active',
      quantity: 10,
    });
    const start = Date.parse(subscription.body.effectiveStartDate);
    const end = Date.parse(subscription.body.commitmentEndDate);
    expect(Math.round((end - start) / 86_400_000)).toBeGreaterThanOrEqual(364);
    const byOrder = await client.pc('GET', `/customers/${customer.id}/subscriptions?order_id=${order.id}`);
    expect(byOrder.body.items.map((item: Json) => item.id)).toEqual([subscriptionId]);

    const graphSku = (await client.graph('GET', customer.id, '/subscribedSkus')).body.value.find((sku: Json) => sku.skuId === BUSINESS_BASIC_SKU);
    expect(graphSku).toMatchObject({ prepaidUnits: { enabled: 10 }, consumedUnits: 0, subscriptionIds: [subscriptionId] });
    const pcSku = (await client.pc('GET', `/customers/${customer.id}/subscribedskus`, { token: client.userToken })).body.items.find(
      (sku: Json) => sku.productSku.id === BUSINESS_BASIC_SKU,
    );
    expect(pcSku).toMatchObject({ totalUnits: 10, activeUnits: 10, availableUnits: 10, consumedUnits: 0 });
    const status = await client.pc('GET', `/customers/${customer.id}/subscriptions/${subscriptionId}/provisioningstatus`, { token: client.userToken });
    expect(status.body).toMatchObject({ skuId: BUSINESS_BASIC_SKU.toUpperCase(), status: 'success', quantity: 10 });
  });

  test('re-checkout of an ordered cart replays the first result, or 800065 when configured', async () => {
    const customer = await makeCustomer(client, { users: 2 });
    const { cart, checkout } = await buy(customer.id, 3);
    const again = await client.pc('POST', `/customers/${customer.id}/carts/${cart.id}/checkout`);
    expect(again.status).toBe(201);
    expect(again.body.orders.map((order: Json) => order.id)).toEqual(checkout.body.orders.map((order: Json) => order.id));
    await client.admin('PUT', '/knobs', { recheckoutMode: 'reject800065' });
    const rejected = await client.pc('POST', `/customers/${customer.id}/carts/${cart.id}/checkout`);
    await client.admin('PUT', '/knobs', { recheckoutMode: 'replay' });
    expect(rejected.status).toBe(400);
    expect(rejected.body.code).toBe(800065);
    const state = await client.state(customer.id);
    expect(state.orders.filter((order: Json) => order.sandbox.cartId === cart.id)).toHaveLength(1);
  });

  test('a concurrent checkout of the same cart gets 409 800064', async () => {
    const customer = await makeCustomer(client, { users: 2 });
    const cart = await client.pc('POST', `/customers/${customer.id}/carts`, { body: line(2) });
    await client.admin('PUT', '/knobs', { checkoutProcessingMs: 300 });
    const [first, second] = await Promise.all([
      client.pc('POST', `/customers/${customer.id}/carts/${cart.body.id}/checkout`),
      new Promise((resolve) => setTimeout(resolve, 50)).then(() => client.pc('POST', `/customers/${customer.id}/carts/${cart.body.id}/checkout`)),
    ]);
    await client.admin('PUT', '/knobs', { checkoutProcessingMs: 0 });
    expect(first.status).toBe(201);
    expect(second.status).toBe(409);
    expect(second.body.code).toBe(800064);
  });

  test('a cart expires after 7 days; a rotated availability gives 400019 at checkout', async () => {
    const customer = await makeCustomer(client, { users: 2 });
    const stale = await client.pc('POST', `/customers/${customer.id}/carts`, { body: line(1) });
    await advance(7 * 86_400_000 + 1000);
    const expired = await client.pc('POST', `/customers/${customer.id}/carts/${stale.body.id}/checkout`);
    expect(expired.status).toBe(404);
    expect(expired.body.code).toBe(800008);

    const rotating = await client.pc('POST', `/customers/${customer.id}/carts`, { body: line(1) });
    await client.admin('PUT', '/knobs', { availabilityGeneration: 1 });
    const rotated = await client.pc('POST', `/customers/${customer.id}/carts/${rotating.body.id}/checkout`);
    const availabilities = await client.pc('GET', '/products/CFQ7TTC0LH18/skus/0001/availabilities?country=US');
    await client.admin('PUT', '/knobs', { availabilityGeneration: 0 });
    expect(rotated.status).toBe(404);
    expect(rotated.body.code).toBe(400019);
    expect(availabilities.body.items[0].catalogItemId).not.toBe(BUSINESS_BASIC_ITEM);
  });

  test('an NCE purchase can be cancelled within 7 days, afterwards 900117', async () => {
    await client.admin('PUT', '/knobs', { provisioningDelayMs: 0 });
    const customer = await makeCustomer(client, { users: 2 });
    const first = await buy(customer.id, 2);
    const second = await buy(customer.id, 2);
    await client.admin('PUT', '/knobs', { provisioningDelayMs: 60_000 });
    const subscriptionOf = async (order: Json) => {
      const id = (await client.pc('GET', `/customers/${customer.id}/orders/${order.id}`)).body.lineItems[0].subscriptionId;
      return (await client.pc('GET', `/customers/${customer.id}/subscriptions/${id}`)).body;
    };
    const cancellable = await subscriptionOf(first.checkout.body.orders[0]);
    const cancelled = await client.pc('PATCH', `/customers/${customer.id}/subscriptions/${cancellable.id}`, {
      headers: { 'If-Match': `"${cancellable.attributes.etag}"` },
      body: { ...cancellable, status: 'deleted' },
    });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('deleted');
    await advance(8 * 86_400_000);
    const late = await subscriptionOf(second.checkout.body.orders[0]);
    const refused = await client.pc('PATCH', `/customers/${customer.id}/subscriptions/${late.id}`, {
      headers: { 'If-Match': `"${late.attributes.etag}"` },
      body: { ...late, status: 'deleted' },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe(900117);
  });
});

describe('catalog and eligibility', () => {
  test('SKUs expose provisioningId and the Business cap of 300', async () => {
    const products = await client.pc('GET', '/products?country=US&targetView=OnlineServices');
    expect(products.body.items.map((product: Json) => product.id)).toContain('CFQ7TTC0LH18');
    const sku = await client.pc('GET', '/products/CFQ7TTC0LH18/skus/0001?country=US');
    expect(sku.body).toMatchObject({ minimumQuantity: 1, maximumQuantity: 300, dynamicAttributes: { provisioningId: BUSINESS_BASIC_SKU } });
    const availability = await client.pc('GET', '/products/CFQ7TTC0LH18/skus/0001/availabilities?country=US');
    expect(availability.body.items[0].catalogItemId).toBe(BUSINESS_BASIC_ITEM);
  });

  test('the pooled 300 cap counts seats bought elsewhere: 10015 with availableQuantity, 800088 at checkout', async () => {
    const vanArsdel = await client.customerNamed('VanArsdel Ltd');
    const tooMany = await client.pc('POST', `/customers/${vanArsdel}/carts`, { body: line(55) });
    expect(tooMany.status).toBe(201);
    expect(tooMany.body.lineItems[0].error).toMatchObject({ errorCode: 10015, additionalInformation: { availableQuantity: 50 } });
    const failed = await client.pc('POST', `/customers/${vanArsdel}/carts/${tooMany.body.id}/checkout`);
    expect(failed.status).toBe(400);
    expect(failed.body.code).toBe(800009);

    const fits = await client.pc('POST', `/customers/${vanArsdel}/carts`, { body: line(40) });
    expect(fits.body.lineItems[0].error).toBeUndefined();
    await client.admin('POST', `/customers/${vanArsdel}/subscriptions`, { skuPartNumber: 'O365_BUSINESS_ESSENTIALS', quantity: 20, partnerVisible: false });
    const capped = await client.pc('POST', `/customers/${vanArsdel}/carts/${fits.body.id}/checkout`);
    expect(capped.status).toBe(403);
    expect(capped.body.code).toBe(800088);
    expect(capped.body.description).toContain('remaining limit of 30');
  });

  test('education plans are sold only to Education-qualified (Approved) customers', async () => {
    const approved = await client.customerNamed('Bellows College');
    const inReview = await client.customerNamed('Lakeshore Community College');
    const commercial = await client.customerNamed('Contoso Ltd');
    const educationProducts = async (customerId: string) =>
      (await client.pc('GET', `/customers/${customerId}/products?country=US&targetView=OnlineServices&targetSegment=education`)).body.items;
    expect((await educationProducts(approved)).length).toBeGreaterThan(0);
    expect(await educationProducts(inReview)).toEqual([]);
    expect(await educationProducts(commercial)).toEqual([]);
    expect((await client.pc('GET', `/customers/${inReview}/qualifications`)).body).toEqual([
      expect.objectContaining({ qualification: 'Education', vettingStatus: 'InReview' }),
    ]);

    const [product] = await educationProducts(approved);
    const skus = await client.pc('GET', `/products/${product.id}/skus?country=US`);
    const availability = await client.pc('GET', `/products/${product.id}/skus/${skus.body.items[0].id}/availabilities?country=US`);
    const itemId = availability.body.items[0].catalogItemId;
    const refused = await client.pc('POST', `/customers/${inReview}/carts`, { body: line(5, itemId) });
    expect(refused.body.lineItems[0].error.errorCode).toBe(10006);
    const accepted = await client.pc('POST', `/customers/${approved}/carts`, { body: line(5, itemId) });
    expect(accepted.body.lineItems[0].error).toBeUndefined();
  });

  test('the legacy channel sells education offers only when configured, never Kaizala', async () => {
    const approved = await client.customerNamed('Bellows College');
    const offers = await client.pc('GET', '/offers?country=US');
    const kaizala = offers.body.items.find((offer: Json) => offer.name.includes('Kaizala'));
    expect(kaizala).toMatchObject({ isAvailableForPurchase: false, product: { id: '00000000-0000-4000-8000-00000000c0de' } });
    const a1 = offers.body.items.find((offer: Json) => offer.product.id === '94763226-9b3c-4e75-a931-5c89701abe66');
    const order = (offerId: string) =>
      client.pc('POST', `/customers/${approved}/orders`, { body: { billingCycle: 'monthly', lineItems: [{ lineItemNumber: 0, offerId, quantity: 5 }] } });
    expect((await order(kaizala.id)).body.code).toBe(2091);
    expect((await order(a1.id)).body.code).toBe(2091);
    await client.admin('PUT', '/knobs', { educationChannel: 'legacy' });
    const placed = await order(a1.id);
    await client.admin('PUT', '/knobs', { educationChannel: 'nce' });
    expect(placed.status).toBe(201);
    expect(placed.body.status).toBe('pending');
  });
});

describe('suites with and without Teams, by market', () => {
  const E1_WITH_TEAMS = 'SBXO365E1001:0001:SBXAVO365E11';
  const E1_EEA = 'SBXO365E1EE1:0001:SBXAVO365E1E';
  const E1_NO_TEAMS = 'SBXO365E1NT1:0001:SBXAVO365E1N';
  const TEAMS_EEA = 'SBXTEAMSEEA1:0001:SBXAVTEAMSEE';

  async function customerIn(country: string, extras?: unknown[]): Promise<string> {
    const created = await client.admin('POST', '/customers', {
      companyName: `Market ${randomUUID().slice(0, 8)}`,
      country,
      users: 4,
      kaizala: [{ endInDays: 30 }],
      kaizalaHolderShare: 1,
      extras,
    });
    return created.body.customer.id as string;
  }

  const cartOf = (lines: Array<{ catalogItemId: string; billingCycle?: string; termDuration?: string }>, cart: Record<string, unknown> = {}) => ({
    ...cart,
    lineItems: lines.map((item, id) => ({ id, quantity: 4, billingCycle: 'monthly', termDuration: 'P1Y', ...item })),
  });

  test('the EEA catalog lists the EEA suites and Teams EEA, not the worldwide "(no Teams)" ones, and the reverse elsewhere', async () => {
    const titles = async (country: string) =>
      (await client.pc('GET', `/products?country=${country}&targetView=OnlineServices`)).body.items.map((item: Json) => item.title as string);
    const de = await titles('DE');
    expect(de).toEqual(expect.arrayContaining(['Office 365 E1 EEA (no Teams)', 'Microsoft Teams EEA']));
    expect(de).not.toContain('Office 365 E1 (no Teams)');
    expect(de).not.toContain('Microsoft Teams Enterprise');
    const us = await titles('US');
    expect(us).toEqual(expect.arrayContaining(['Office 365 E1 (no Teams)', 'Microsoft Teams Enterprise']));
    expect(us).not.toContain('Office 365 E1 EEA (no Teams)');
  });

  test('a new customer in the EEA cannot buy a suite with Teams; one already holding such a suite can', async () => {
    const fresh = await customerIn('DE');
    const refused = await client.pc('POST', `/customers/${fresh}/carts`, { body: cartOf([{ catalogItemId: E1_WITH_TEAMS }]) });
    expect(refused.body.lineItems[0].error).toMatchObject({ errorCode: 10006 });
    const existing = await customerIn('DE', [{ partNumber: 'SPE_E3', quantity: 5, holders: 2 }]);
    const allowed = await client.pc('POST', `/customers/${existing}/carts`, { body: cartOf([{ catalogItemId: E1_WITH_TEAMS }]) });
    expect(allowed.body.lineItems[0].error).toBeUndefined();
  });

  test('an item of another market is not valid in this customer\'s cart', async () => {
    const customer = await customerIn('FR');
    const cart = await client.pc('POST', `/customers/${customer}/carts`, { body: cartOf([{ catalogItemId: E1_NO_TEAMS }]) });
    expect(cart.body.lineItems[0].error).toMatchObject({ errorCode: 10001 });
  });

  test('a line asking for a term the availability does not offer is refused; the offered one is bought', async () => {
    const customer = await customerIn('DE');
    const availability = await client.pc('GET', '/products/SBXTEAMSEEA1/skus/0001/availabilities?country=DE');
    expect(availability.body.items[0].terms.map((term: Json) => `${term.duration}/${term.billingCycle}`)).toEqual(['P1M/monthly', 'P1Y/monthly']);
    const annual = await client.pc('POST', `/customers/${customer}/carts`, { body: cartOf([{ catalogItemId: TEAMS_EEA, billingCycle: 'annual' }]) });
    expect(annual.body.lineItems[0].error).toMatchObject({ errorCode: 10010 });
    const offered = await client.pc('POST', `/customers/${customer}/carts`, { body: cartOf([{ catalogItemId: TEAMS_EEA, termDuration: 'P1M' }]) });
    expect(offered.body.lineItems[0].error).toBeUndefined();
  });

  test('a suite and its Teams standalone check out as one order; the cart-level attestation is recorded', async () => {
    const customer = await customerIn('AT');
    const cart = await client.pc('POST', `/customers/${customer}/carts`, {
      body: cartOf([{ catalogItemId: E1_EEA }, { catalogItemId: TEAMS_EEA }], { PartnerOnRecordAttestationAccepted: true }),
    });
    expect(cart.status).toBe(201);
    const checkout = await client.pc('POST', `/customers/${customer}/carts/${cart.body.id}/checkout`);
    expect(checkout.body.orders).toHaveLength(1);
    expect(checkout.body.orders[0].lineItems.map((item: Json) => item.offerId)).toEqual([E1_EEA, TEAMS_EEA]);
    const entries = (await client.admin('GET', `/ledger?customerId=${customer}`)).body.entries as Json[];
    const created = entries.flatMap((entry) => entry.changes as Json[]).find((change) => change.kind === 'cart' && change.before === null);
    expect(created).toMatchObject({ partnerOnRecordAttestationAccepted: true });
  });
});
