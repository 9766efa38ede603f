import { randomUUID } from 'node:crypto';
import { isApiError, type ApiError } from '../../services/http';
import { errorNamesOf } from '../../services/http/errors';
import type { Customer, Subscription } from '../../services/partnerCenter';
import {
  BUSINESS_BASIC_SKU,
  KAIZALA_SKU,
  buildClients,
  entriesOf,
  rejectionOf,
  startHarness,
  type Harness,
  type NewCustomer,
} from './support';

/** Partner Center client against the sandbox's customer, subscription and license routes (demo seed, real HTTP). */
describe('Partner Center client ↔ sandbox: customers, subscriptions, licenses', () => {
  let harness: Harness;

  beforeAll(async () => {
    harness = await startHarness({ seed: 'demo' });
  });

  afterAll(async () => {
    await harness.sandbox.close();
  });

  const isKaizala = (subscription: Subscription) => /kaizala/i.test(subscription.offerName);

  describe('listCustomers', () => {
    it('pages through all 44 demo customers ten at a time, following links.next with its MS-ContinuationToken', async () => {
      const mark = await harness.admin.requestMark();
      const wireBefore = harness.wire.length;
      const pages: Customer[][] = [];
      for await (const page of harness.partnerCenter.listCustomers({ size: 10 })) pages.push(page);

      expect(pages.map((page) => page.length)).toEqual([10, 10, 10, 10, 4]);
      const ids = pages.flat().map((customer) => customer.id);
      expect(new Set(ids).size).toBe(44);
      const expected = (await harness.admin.customers()).map((customer) => customer.id).sort();
      expect([...ids].sort()).toEqual(expected);

      const sent = harness.wire.slice(wireBefore);
      expect(sent).toHaveLength(5);
      expect(new URL(sent[0].url).search).toBe('?size=10');
      expect(sent[0].headers['ms-continuationtoken']).toBeUndefined();
      const tokens = sent.slice(1).map((request) => request.headers['ms-continuationtoken']);
      for (const [index, request] of sent.slice(1).entries()) {
        expect(new URL(request.url).searchParams.get('seekOperation')).toBe('Next');
        expect(tokens[index]).toEqual(expect.any(String));
      }
      expect(new Set(tokens).size).toBe(4);
      const served = entriesOf(await harness.admin.requestsSince(mark), 'listCustomers');
      expect(served.map((entry) => entry.status)).toEqual([200, 200, 200, 200, 200]);
    });

    it('listAllCustomers returns every customer once', async () => {
      const all = await harness.partnerCenter.listAllCustomers({ size: 7 });
      expect(all).toHaveLength(44);
      expect(new Set(all.map((customer) => customer.id)).size).toBe(44);
    });

    it('restarts from page one when the sandbox refuses a continuation token', async () => {
      const clients = buildClients(harness.sandbox);
      let corrupted = 0;
      clients.axios.interceptors.request.use((config) => {
        if (corrupted === 0 && config.headers.has('MS-ContinuationToken')) {
          corrupted += 1;
          config.headers.set('MS-ContinuationToken', 'not-a-token');
        }
        return config;
      });
      const mark = await harness.admin.requestMark();
      const all = await clients.partnerCenter.listAllCustomers({ size: 20 });
      expect(new Set(all.map((customer) => customer.id)).size).toBe(44);
      expect(all).toHaveLength(44);
      const calls = entriesOf(await harness.admin.requestsSince(mark), 'listCustomers');
      expect(calls.map((entry) => entry.status)).toEqual([200, 400, 200, 200, 200]);
    });
  });

  describe('getCustomer and getQualifications', () => {
    it('returns one customer with its company profile, untrusted names untouched', async () => {
      const id = await harness.admin.customerNamed('Contoso [Beta] *Ltd* <script>');
      const customer = await harness.partnerCenter.getCustomer(id);
      expect(customer.id).toBe(id);
      expect(customer.companyProfile.tenantId).toBe(id);
      expect(customer.companyProfile.companyName).toBe('Contoso [Beta] *Ltd* <script>');
      expect(customer.attributes.objectType).toBe('Customer');
    });

    it('reports an Approved education qualification, and InReview with its vetting date', async () => {
      const approved = await harness.partnerCenter.getQualifications(await harness.admin.customerNamed('Graphic Design Institute'));
      expect(approved).toEqual([{ qualification: 'Education', vettingStatus: 'Approved' }]);

      const inReview = await harness.partnerCenter.getQualifications(await harness.admin.customerNamed('Lakeshore Community College'));
      expect(inReview).toEqual([{ qualification: 'Education', vettingStatus: 'InReview', vettingCreatedDate: expect.any(String) }]);

      expect(await harness.partnerCenter.getQualifications(await harness.admin.customerNamed('Contoso Ltd'))).toEqual([]);
    });
  });

  describe('subscriptions', () => {
    it('lists a customer’s subscriptions, Kaizala legacy ones without auto-renew', async () => {
      const id = await harness.admin.customerNamed('Contoso Pharmaceuticals');
      const subscriptions = await harness.partnerCenter.listSubscriptions(id);
      const kaizala = subscriptions.filter(isKaizala);
      expect(kaizala).toHaveLength(3);
      for (const subscription of kaizala) {
        expect(subscription.autoRenewEnabled).toBe(false);
        expect(subscription.offerId).toMatch(/^[0-9a-f-]{36}$/);
      }
    });

    it('follows links.next when the subscription list is paged', async () => {
      const id = await harness.admin.customerNamed('Contoso Pharmaceuticals');
      const unpaged = await harness.partnerCenter.listSubscriptions(id);
      await harness.admin.setKnobs({ subscriptionsPageSize: 2 });
      try {
        const mark = await harness.admin.requestMark();
        const paged = await harness.partnerCenter.listSubscriptions(id);
        expect(paged.map((subscription) => subscription.id)).toEqual(unpaged.map((subscription) => subscription.id));
        const calls = entriesOf(await harness.admin.requestsSince(mark), 'listSubscriptions');
        expect(calls).toHaveLength(Math.ceil(unpaged.length / 2));
        expect(calls.length).toBeGreaterThan(1);
      } finally {
        await harness.admin.setKnobs({ subscriptionsPageSize: 100 });
      }
    });

    it('filters by ?order_id=', async () => {
      const id = await harness.admin.customerNamed('Contoso Pharmaceuticals');
      const all = await harness.partnerCenter.listSubscriptions(id);
      const target = all.filter(isKaizala)[1];
      const orderId = target.orderId as string;
      const ofOrder = await harness.partnerCenter.listSubscriptions(id, { orderId });
      expect(ofOrder.length).toBeGreaterThan(0);
      expect(ofOrder.map((subscription) => subscription.id)).toContain(target.id);
      expect(ofOrder.every((subscription) => subscription.orderId === orderId)).toBe(true);
      expect(ofOrder.length).toBeLessThan(all.length);
      expect(await harness.partnerCenter.listSubscriptions(id, { orderId: 'ffffffffffff' })).toEqual([]);
    });

    it('gets one subscription by id', async () => {
      const id = await harness.admin.customerNamed('Coho Winery');
      const [listed] = (await harness.partnerCenter.listSubscriptions(id)).filter(isKaizala);
      const fetched = await harness.partnerCenter.getSubscription(id, listed.id);
      expect(fetched.id).toBe(listed.id);
      expect(fetched.attributes.etag).toEqual(expect.any(String));
    });

    it('maps an unknown subscription to ApiError 404 code "20003", sent once', async () => {
      const id = await harness.admin.customerNamed('Coho Winery');
      const mark = await harness.admin.requestMark();
      const error = (await rejectionOf(harness.partnerCenter.getSubscription(id, randomUUID()))) as ApiError;
      expect(isApiError(error)).toBe(true);
      expect(error.status).toBe(404);
      expect(error.code).toBe('20003');
      expect(error.retryable).toBe(false);
      expect(error.attempts).toBe(1);
      expect(entriesOf(await harness.admin.requestsSince(mark), 'getSubscription')).toHaveLength(1);
    });

    it('reads the Kaizala subscription’s provisioning status: the fake Kaizala skuId, upper case; ids in any case', async () => {
      const id = await harness.admin.customerNamed('Fabrikam Inc');
      const [kaizala] = (await harness.partnerCenter.listSubscriptions(id)).filter(isKaizala);
      const status = await harness.partnerCenter.getSubscriptionProvisioningStatus(id, kaizala.id);
      expect(status.skuId).toBe(KAIZALA_SKU.toUpperCase());
      expect(status.skuId.toLowerCase()).toBe(KAIZALA_SKU);
      expect(status.status).toBe('success');
      expect(status.quantity).toBe(kaizala.quantity);

      const shouting = await harness.partnerCenter.getSubscriptionProvisioningStatus(id.toUpperCase(), kaizala.id.toUpperCase());
      expect(shouting).toEqual(status);
    });
  });

  describe('subscribed SKUs, users and licenses (App+User)', () => {
    it('keeps the §4.4 invariants on every subscribed SKU', async () => {
      for (const name of ['Contoso Ltd', 'Alpine Ski House', 'Trey Research', 'Woodgrove Bank']) {
        const skus = await harness.partnerCenter.listSubscribedSkus(await harness.admin.customerNamed(name));
        expect(skus.length).toBeGreaterThan(0);
        for (const sku of skus) {
          expect(sku.totalUnits).toBe(sku.activeUnits + sku.warningUnits);
          expect(sku.availableUnits).toBe(sku.totalUnits - sku.consumedUnits);
        }
      }
      const alpine = await harness.partnerCenter.listSubscribedSkus(await harness.admin.customerNamed('Alpine Ski House'));
      const expiredKaizala = alpine.find((sku) => sku.productSku.id.toLowerCase() === KAIZALA_SKU);
      expect(expiredKaizala?.warningUnits).toBeGreaterThan(0);
      expect(expiredKaizala?.activeUnits).toBe(0);
    });

    it('counts Kaizala seats the way the tenant’s license assignments do', async () => {
      const id = await harness.admin.customerNamed('Coho Winery');
      const state = await harness.admin.state(id);
      const holders = state.users.filter((user: { licenses: Array<{ skuId: string }> }) =>
        user.licenses.some((license) => license.skuId === KAIZALA_SKU),
      ).length;
      const kaizala = (await harness.partnerCenter.listSubscribedSkus(id)).find((sku) => sku.productSku.id.toLowerCase() === KAIZALA_SKU);
      expect(kaizala?.consumedUnits).toBe(holders);
    });

    it('lists users across pages (size 25 over 120 users: 5 calls, each user once)', async () => {
      const id = await harness.admin.customerNamed('Fabrikam Inc');
      const mark = await harness.admin.requestMark();
      const users = await harness.partnerCenter.listUsers(id, { size: 25 });
      expect(users).toHaveLength(120);
      expect(new Set(users.map((user) => user.id)).size).toBe(120);
      expect(entriesOf(await harness.admin.requestsSince(mark), 'listCustomerUsers')).toHaveLength(5);
    });

    it('reports users without usageLocation by leaving the field out', async () => {
      const users = await harness.partnerCenter.listUsers(await harness.admin.customerNamed('Tasmanian Traders'));
      expect(users.filter((user) => user.usageLocation === undefined)).toHaveLength(3);
    });

    describe('licenseupdates', () => {
      let customer: NewCustomer;

      beforeAll(async () => {
        customer = await harness.admin.addCustomer({
          companyName: 'Integration Licenses Ltd',
          users: 6,
          kaizalaHolderShare: 1,
          extras: [{ partNumber: 'O365_BUSINESS_ESSENTIALS', quantity: 2, holders: 0 }],
        });
      });

      it('assigns the new SKU and removes Kaizala in one call; the licenses read back agree', async () => {
        const [user] = customer.users;
        const before = await harness.partnerCenter.getUserLicenses(customer.id, user.id);
        expect(before.map((license) => license.productSku.id.toLowerCase())).toEqual([KAIZALA_SKU]);

        const result = await harness.partnerCenter.updateUserLicenses(
          customer.id,
          user.id,
          { licensesToAssign: [{ skuId: BUSINESS_BASIC_SKU, excludedPlans: null }], licensesToRemove: [KAIZALA_SKU] },
          randomUUID(),
        );
        expect(result.data.licensesToAssign?.map((license) => license.skuId)).toEqual([BUSINESS_BASIC_SKU]);
        expect(result.requestId).toEqual(expect.any(String));

        const after = await harness.partnerCenter.getUserLicenses(customer.id, user.id);
        expect(after.map((license) => license.productSku.id.toLowerCase())).toEqual([BUSINESS_BASIC_SKU]);
        expect(after[0].servicePlans.every((plan) => plan.capabilityStatus === 'Assigned')).toBe(true);
      });

      it('answers 60012 (LicenseQuotaExceededException) once the seats are gone, without retrying', async () => {
        const swap = { licensesToAssign: [{ skuId: BUSINESS_BASIC_SKU, excludedPlans: null }], licensesToRemove: [KAIZALA_SKU] };
        await harness.partnerCenter.updateUserLicenses(customer.id, customer.users[1].id, swap, randomUUID());

        const mark = await harness.admin.requestMark();
        const error = (await rejectionOf(
          harness.partnerCenter.updateUserLicenses(customer.id, customer.users[2].id, swap, randomUUID()),
        )) as ApiError;
        expect(error.status).toBe(400);
        expect(error.code).toBe('60012');
        expect(error.data).toEqual([expect.stringMatching(/^LicenseQuotaExceededException : Subscription with Account .+ does not have any available licenses left\.$/)]);
        expect(errorNamesOf(error)).toEqual(['LicenseQuotaExceededException']);
        expect(error.retryable).toBe(false);
        expect(entriesOf(await harness.admin.requestsSince(mark), 'licenseUpdates')).toHaveLength(1);

        const untouched = await harness.partnerCenter.getUserLicenses(customer.id, customer.users[2].id);
        expect(untouched.map((license) => license.productSku.id.toLowerCase())).toEqual([KAIZALA_SKU]);
      });
    });
  });
});
