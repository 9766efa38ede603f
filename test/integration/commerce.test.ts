import { randomUUID } from 'node:crypto';
import type { ApiError } from '../../services/http';
import type { Order, Subscription } from '../../services/partnerCenter';
import {
  BUSINESS_BASIC_ITEM,
  BUSINESS_BASIC_SKU,
  entriesOf,
  eventually,
  rejectionOf,
  startHarness,
  type Harness,
} from './support';

const PROVISIONING_DELAY_MS = 300;
const ORDER_LIST_LAG_MS = 300;

/** Carts, checkout, orders, catalog and subscription status changes against the sandbox (demo seed). */
describe('Partner Center client ↔ sandbox: commerce, catalog, suspension', () => {
  let harness: Harness;

  beforeAll(async () => {
    harness = await startHarness(
      { seed: 'demo', knobs: { provisioningDelayMs: PROVISIONING_DELAY_MS, orderListLagMs: ORDER_LIST_LAG_MS } },
      // The 202 path polls Location; without Retry-After the client waits pollIntervalMs (5 s in production).
      { partnerCenter: { pollIntervalMs: 50 } },
    );
  });

  afterAll(async () => {
    await harness.sandbox.close();
  });

  afterEach(async () => {
    await harness.admin.setKnobs({ faults: [], patchAcceptedPolls: 0, educationChannel: 'nce' });
  });

  const isKaizala = (subscription: Subscription) => /kaizala/i.test(subscription.offerName);

  describe('catalog', () => {
    it('lists products, SKUs and availabilities; the SKU carries the Entra skuId as provisioningId', async () => {
      const products = await harness.partnerCenter.listProducts('US');
      expect(products.map((product) => product.id)).toContain('CFQ7TTC0LH18');

      const skus = await harness.partnerCenter.listSkus('CFQ7TTC0LH18', 'US');
      expect(skus.map((sku) => sku.id)).toEqual(['0001']);
      expect(skus[0].dynamicAttributes?.provisioningId).toBe(BUSINESS_BASIC_SKU);
      expect(skus[0].maximumQuantity).toBe(300);

      const sku = await harness.partnerCenter.getSku('CFQ7TTC0LH18', '0001', 'US');
      expect(sku.title).toBe('Microsoft 365 Business Basic');

      const availabilities = await harness.partnerCenter.listAvailabilities('CFQ7TTC0LH18', '0001', 'US');
      expect(availabilities.map((availability) => availability.catalogItemId)).toEqual([BUSINESS_BASIC_ITEM]);
    });

    it('resolves Business Basic’s Entra skuId (any case) to CFQ7TTC0LH18:0001:CFQ7TTC0K971', async () => {
      const resolved = await harness.partnerCenter.findCatalogItemByProvisioningId('US', BUSINESS_BASIC_SKU.toUpperCase(), {
        termDuration: 'P1Y',
      });
      expect(resolved?.catalogItemId).toBe(BUSINESS_BASIC_ITEM);
      expect(resolved?.matchedBy).toBe('provisioningId');
      expect(resolved?.product.id).toBe('CFQ7TTC0LH18');

      expect(await harness.partnerCenter.findCatalogItemByProvisioningId('US', randomUUID())).toBeUndefined();
    });

    it('finds education plans only in the education segment', async () => {
      const a1Faculty = '94763226-9b3c-4e75-a931-5c89701abe66';
      const education = await harness.partnerCenter.listProducts('US', 'education');
      expect(education.length).toBeGreaterThan(0);
      expect(education.map((product) => product.id)).not.toContain('CFQ7TTC0LH18');
      const resolved = await harness.partnerCenter.findCatalogItemByProvisioningId('US', a1Faculty, { segment: 'education' });
      expect(resolved?.catalogItemId).toMatch(/^[A-Z0-9]+:[0-9]{4}:[A-Z0-9]+$/);
      expect(resolved?.availability.segment).toBe('education');
    });
  });

  describe('cart, checkout and orders', () => {
    it('buys Business Basic: cart 201 → checkout → order pending → completed with its subscription after the delay', async () => {
      const customerId = await harness.admin.customerNamed('Relecloud');
      const created = await harness.partnerCenter.createCart(customerId, [
        { catalogItemId: BUSINESS_BASIC_ITEM, quantity: 45, billingCycle: 'monthly', termDuration: 'P1Y' },
      ]);
      expect(created.data.status).toBe('Active');
      expect(created.data.lineItems[0].error).toBeUndefined();

      const cart = await harness.partnerCenter.getCart(customerId, created.data.id);
      expect(cart.id).toBe(created.data.id);
      expect(cart.lineItems.map((line) => [line.catalogItemId, line.quantity])).toEqual([[BUSINESS_BASIC_ITEM, 45]]);

      const checkoutRequestId = randomUUID();
      const checkout = await harness.partnerCenter.checkoutCart(customerId, cart.id, checkoutRequestId);
      expect(checkout.requestId).toBe(checkoutRequestId);
      expect(checkout.data.orderErrors).toEqual([]);
      expect(checkout.data.orders).toHaveLength(1);
      const [order] = checkout.data.orders;
      expect(order.status).toBe('pending');
      expect(order.lineItems[0].offerId).toBe(BUSINESS_BASIC_ITEM);
      expect(order.lineItems[0].subscriptionId).toBeUndefined();
      expect((await harness.partnerCenter.getCart(customerId, cart.id)).status).toBe('Ordered');

      // By id at once; in the list only after the lag.
      expect((await harness.partnerCenter.getOrder(customerId, order.id)).id).toBe(order.id);
      expect((await harness.partnerCenter.listOrders(customerId)).map((listed) => listed.id)).not.toContain(order.id);
      const pendingStatus = await harness.partnerCenter.getOrderProvisioningStatus(customerId, order.id);
      expect(pendingStatus.map((line) => line.status)).toEqual(['pending']);

      const completed = await eventually(async () => {
        const current = await harness.partnerCenter.getOrder(customerId, order.id);
        return current.status === 'completed' ? current : undefined;
      });
      const subscriptionId = completed.lineItems[0].subscriptionId as string;
      expect(subscriptionId).toEqual(expect.any(String));
      expect((await harness.partnerCenter.listOrders(customerId)).map((listed) => listed.id)).toContain(order.id);

      const provisioned = await harness.partnerCenter.getOrderProvisioningStatus(customerId, order.id);
      expect(provisioned).toEqual([expect.objectContaining({ status: 'success', skuId: BUSINESS_BASIC_SKU.toUpperCase(), quantity: 45 })]);

      const ofOrder = await harness.partnerCenter.listSubscriptions(customerId, { orderId: order.id });
      expect(ofOrder.map((subscription) => subscription.id)).toEqual([subscriptionId]);
      expect(ofOrder[0]).toMatchObject({ offerId: BUSINESS_BASIC_ITEM, quantity: 45, status: 'active', termDuration: 'P1Y' });

      const seats = (await harness.partnerCenter.listSubscribedSkus(customerId)).find(
        (sku) => sku.productSku.id.toLowerCase() === BUSINESS_BASIC_SKU,
      );
      expect(seats?.availableUnits).toBe(45);
    });

    it('re-checkout of the same cart repeats the first result: same MS-RequestId replays, a new one gets the same order', async () => {
      const customerId = await harness.admin.customerNamed('Wingtip Toys');
      const cart = await harness.partnerCenter.createCart(customerId, [
        { catalogItemId: BUSINESS_BASIC_ITEM, quantity: 30, billingCycle: 'monthly', termDuration: 'P1Y' },
      ]);
      const requestId = randomUUID();
      const first = await harness.partnerCenter.checkoutCart(customerId, cart.data.id, requestId);
      const orderIds = (orders: Order[]) => orders.map((order) => order.id);

      const mark = await harness.admin.requestMark();
      const sameId = await harness.partnerCenter.checkoutCart(customerId, cart.data.id, requestId);
      const newId = await harness.partnerCenter.checkoutCart(customerId, cart.data.id, randomUUID());
      expect(orderIds(sameId.data.orders)).toEqual(orderIds(first.data.orders));
      expect(orderIds(newId.data.orders)).toEqual(orderIds(first.data.orders));

      const checkouts = entriesOf(await harness.admin.requestsSince(mark), 'checkout');
      expect(checkouts.map((entry) => [entry.requestId === requestId, entry.replayed, entry.status])).toEqual([
        [true, true, 201],
        [false, false, 201],
      ]);
      const orderEntries = (await harness.admin.ledger(customerId)).flatMap((entry) =>
        entry.changes.filter((change: { kind: string }) => change.kind === 'order'),
      );
      expect(orderEntries).toHaveLength(1);
    });

    it('never retries a checkout: a transient 503 comes straight back to the caller', async () => {
      const customerId = await harness.admin.customerNamed('Nod Publishers');
      const cart = await harness.partnerCenter.createCart(customerId, [
        { catalogItemId: BUSINESS_BASIC_ITEM, quantity: 5, billingCycle: 'monthly' },
      ]);
      await harness.admin.setFaults([{ action: 'serverError', operation: 'checkout', customerId, callNumbers: [1] }]);
      const mark = await harness.admin.requestMark();
      const error = (await rejectionOf(harness.partnerCenter.checkoutCart(customerId, cart.data.id, randomUUID()))) as ApiError;
      expect(error.status).toBe(503);
      expect(entriesOf(await harness.admin.requestsSince(mark), 'checkout')).toHaveLength(1);
    });

    it('reports a failed order: cancelled, provisioning failed, no subscription bought', async () => {
      const customerId = await harness.admin.customerNamed('Southridge Video');
      const cart = await harness.partnerCenter.createCart(customerId, [
        { catalogItemId: BUSINESS_BASIC_ITEM, quantity: 40, billingCycle: 'monthly' },
      ]);
      await harness.admin.setFaults([{ action: 'failOrder', operation: 'checkout', customerId }]);
      const [order] = (await harness.partnerCenter.checkoutCart(customerId, cart.data.id, randomUUID())).data.orders;

      const cancelled = await eventually(async () => {
        const current = await harness.partnerCenter.getOrder(customerId, order.id);
        return current.status === 'cancelled' ? current : undefined;
      });
      expect(cancelled.lineItems[0].subscriptionId).toBeUndefined();
      const status = await harness.partnerCenter.getOrderProvisioningStatus(customerId, order.id);
      expect(status.map((line) => line.status)).toEqual(['failed']);
      expect(await harness.partnerCenter.listSubscriptions(customerId, { orderId: order.id })).toEqual([]);
    });

    it('refuses checkout of a cart whose availability rotated (404 400019), once', async () => {
      const customerId = await harness.admin.customerNamed('Fincher Architects');
      const cart = await harness.partnerCenter.createCart(customerId, [
        { catalogItemId: BUSINESS_BASIC_ITEM, quantity: 20, billingCycle: 'monthly' },
      ]);
      await harness.admin.setKnobs({ availabilityGeneration: 1 });
      try {
        const mark = await harness.admin.requestMark();
        const error = (await rejectionOf(harness.partnerCenter.checkoutCart(customerId, cart.data.id, randomUUID()))) as ApiError;
        expect([error.status, error.code]).toEqual([404, '400019']);
        expect(entriesOf(await harness.admin.requestsSince(mark), 'checkout')).toHaveLength(1);

        const fresh = await harness.partnerCenter.findCatalogItemByProvisioningId('US', BUSINESS_BASIC_SKU);
        expect(fresh?.catalogItemId).toMatch(/^CFQ7TTC0LH18:0001:/);
        expect(fresh?.catalogItemId).not.toBe(BUSINESS_BASIC_ITEM);
      } finally {
        await harness.admin.setKnobs({ availabilityGeneration: 0 });
      }
    });

    it('places a legacy order for an education plan when the catalog sells it through legacy offers', async () => {
      await harness.admin.setKnobs({ educationChannel: 'legacy' });
      const customerId = await harness.admin.customerNamed('Graphic Design Institute');
      const offers = await harness.raw.partnerCenter('GET', `/customers/${customerId}/offers?country=US`);
      const offer = offers.body.items.find(
        (candidate: { product: { id: string }; isAvailableForPurchase: boolean }) =>
          candidate.product.id === '94763226-9b3c-4e75-a931-5c89701abe66' && candidate.isAvailableForPurchase,
      );
      expect(offer).toBeDefined();

      const requestId = randomUUID();
      const placed = await harness.partnerCenter.createLegacyOrder(
        customerId,
        { lineItems: [{ lineItemNumber: 0, offerId: offer.id, quantity: 10 }], billingCycle: 'monthly' },
        requestId,
      );
      expect(placed.requestId).toBe(requestId);
      expect(placed.data.status).toBe('pending');
      expect(placed.data.lineItems).toEqual([expect.objectContaining({ offerId: offer.id, quantity: 10 })]);

      const completed = await eventually(async () => {
        const current = await harness.partnerCenter.getOrder(customerId, placed.data.id);
        return current.status === 'completed' ? current : undefined;
      });
      const [subscription] = await harness.partnerCenter.listSubscriptions(customerId, { orderId: placed.data.id });
      expect(subscription.id).toBe(completed.lineItems[0].subscriptionId);
      expect(subscription.productType).toBeUndefined();
    });
  });

  describe('suspend and reactivate', () => {
    async function kaizalaOf(name: string): Promise<{ customerId: string; subscription: Subscription }> {
      const customerId = await harness.admin.customerNamed(name);
      const [subscription] = (await harness.partnerCenter.listSubscriptions(customerId)).filter(isKaizala);
      return { customerId, subscription };
    }

    it('suspends with the full body and a fresh ETag; an already suspended subscription needs no PATCH; reactivates', async () => {
      const { customerId, subscription } = await kaizalaOf('Proseware Inc');
      const mark = await harness.admin.requestMark();
      const wireBefore = harness.wire.length;
      const suspended = await harness.partnerCenter.suspendSubscription(customerId, subscription.id, randomUUID());
      expect(suspended.data.status).toBe('suspended');
      expect(suspended.data.autoRenewEnabled).toBe(false);

      const patch = harness.wire.slice(wireBefore).find((request) => request.method === 'PATCH');
      expect(patch?.headers['if-match']).toBe(`"${subscription.attributes.etag}"`);
      expect(entriesOf(await harness.admin.requestsSince(mark), 'patchSubscription').map((entry) => entry.status)).toEqual([200]);

      const again = await harness.admin.requestMark();
      const repeat = await harness.partnerCenter.suspendSubscription(customerId, subscription.id);
      expect(repeat.data.status).toBe('suspended');
      expect(entriesOf(await harness.admin.requestsSince(again), 'patchSubscription')).toEqual([]);

      const reactivated = await harness.partnerCenter.reactivateSubscription(customerId, subscription.id);
      expect(reactivated.data.status).toBe('active');
      expect((await harness.partnerCenter.getSubscription(customerId, subscription.id)).status).toBe('active');
    });

    it('re-reads and re-PATCHes with a new MS-RequestId after a stale ETag (2055)', async () => {
      const { customerId, subscription } = await kaizalaOf('Datum Corporation');
      await harness.admin.setFaults([{ action: 'staleEtag', operation: 'patchSubscription', customerId, callNumbers: [1] }]);
      const mark = await harness.admin.requestMark();
      const requestId = randomUUID();
      const suspended = await harness.partnerCenter.suspendSubscription(customerId, subscription.id, requestId);
      expect(suspended.data.status).toBe('suspended');

      const calls = (await harness.admin.requestsSince(mark)).filter((entry) => entry.customerId === customerId);
      expect(calls.map((entry) => [entry.method, entry.status])).toEqual([
        ['GET', 200],
        ['PATCH', 400],
        ['GET', 200],
        ['PATCH', 200],
      ]);
      expect(calls[1].requestId).toBe(requestId);
      expect(calls[3].requestId).not.toBe(requestId);
    });

    it('polls Location after a 202 until the status shows', async () => {
      const { customerId, subscription } = await kaizalaOf('Best For You Organics');
      await harness.admin.setKnobs({ patchAcceptedPolls: 2 });
      const mark = await harness.admin.requestMark();
      const suspended = await harness.partnerCenter.suspendSubscription(customerId, subscription.id);
      expect(suspended.data.status).toBe('suspended');

      const calls = (await harness.admin.requestsSince(mark)).filter((entry) => entry.customerId === customerId);
      expect(calls.map((entry) => [entry.method, entry.status])).toEqual([
        ['GET', 200],
        ['PATCH', 202],
        ['GET', 200],
        ['GET', 200],
      ]);
      expect((await harness.partnerCenter.getSubscription(customerId, subscription.id)).status).toBe('suspended');
    });
  });
});
