import { isAuthFailure, type ApiError } from '../../services/http';
import { GraphClient, type BatchRequest } from '../../services/graph';
import {
  BUSINESS_BASIC_SKU,
  KAIZALA_SKU,
  entriesOf,
  rejectionOf,
  startHarness,
  type Harness,
  type NewCustomer,
} from './support';

/** Graph client against the sandbox's users, subscribedSkus, assignLicense and $batch routes. */
describe('Graph client ↔ sandbox', () => {
  let harness: Harness;

  beforeAll(async () => {
    harness = await startHarness({ seed: 'demo' });
  });

  afterAll(async () => {
    await harness.sandbox.close();
  });

  afterEach(async () => {
    await harness.admin.setFaults([]);
  });

  const skuIdsOf = (user: { assignedLicenses?: Array<{ skuId: string }> }) =>
    (user.assignedLicenses ?? []).map((license) => license.skuId).sort();

  describe('listUsers', () => {
    // The client asks for 999 per page (Graph's maximum), so paging needs a tenant larger than that.
    let large: NewCustomer;
    const USERS = 2300;
    const HOLDERS = Math.round(USERS * 0.9);

    beforeAll(async () => {
      large = await harness.admin.addCustomer({ companyName: 'Graph Paging Corp', users: USERS, kaizalaHolderShare: 0.9 });
    });

    it('filters on the Kaizala skuId across three pages and returns every holder exactly once', async () => {
      const mark = await harness.admin.requestMark();
      const holders = await harness.graph.listUsers(large.id, { skuId: KAIZALA_SKU });

      expect(holders).toHaveLength(HOLDERS);
      expect(new Set(holders.map((user) => user.id)).size).toBe(HOLDERS);
      const expected = large.users
        .filter((user) => user.licenses.some((license) => license.skuId === KAIZALA_SKU))
        .map((user) => user.id)
        .sort();
      expect(holders.map((user) => user.id).sort()).toEqual(expected);
      expect(holders.every((user) => skuIdsOf(user).includes(KAIZALA_SKU))).toBe(true);
      expect(entriesOf(await harness.admin.requestsSince(mark), 'graphListUsers')).toHaveLength(Math.ceil(HOLDERS / 999));
    });

    it('lists every user of the tenant once without a filter', async () => {
      const users = await harness.graph.listUsers(large.id);
      expect(users).toHaveLength(USERS);
      expect(new Set(users.map((user) => user.id)).size).toBe(USERS);
    });

    it('selects the licensing properties, with group-inherited licenses marked', async () => {
      const adatum = await harness.admin.customerNamed('Adatum Corporation');
      const users = await harness.graph.listUsers(adatum, { skuId: KAIZALA_SKU });
      const inherited = users.filter((user) =>
        (user.licenseAssignmentStates ?? []).some((state) => state.skuId === KAIZALA_SKU && state.assignedByGroup !== null),
      );
      expect(inherited).toHaveLength(1);
      expect(Object.keys(users[0]).sort()).toEqual(
        ['assignedLicenses', 'displayName', 'id', 'licenseAssignmentStates', 'usageLocation', 'userPrincipalName'].sort(),
      );
    });
  });

  it('gets one user by id and by UPN', async () => {
    const tenant = await harness.admin.customerNamed('Coho Winery');
    const [first] = await harness.graph.listUsers(tenant);
    const byId = await harness.graph.getUser(tenant, first.id);
    const byUpn = await harness.graph.getUser(tenant, first.userPrincipalName as string);
    expect(byId.id).toBe(first.id);
    expect(byUpn.id).toBe(first.id);
    expect(skuIdsOf(byId)).toEqual(skuIdsOf(first));
  });

  it('agrees with Partner Center on every SKU of the same tenant: free seats = enabled − consumed', async () => {
    for (const name of ['Contoso Ltd', 'Woodgrove Bank', 'Trey Research']) {
      const tenant = await harness.admin.customerNamed(name);
      const graphSkus = await harness.graph.listSubscribedSkus(tenant);
      const pcSkus = await harness.partnerCenter.listSubscribedSkus(tenant);
      expect(graphSkus.map((sku) => sku.skuId).sort()).toEqual(pcSkus.map((sku) => sku.productSku.id.toLowerCase()).sort());
      for (const graphSku of graphSkus) {
        const pcSku = pcSkus.find((candidate) => candidate.productSku.id.toLowerCase() === graphSku.skuId);
        expect(pcSku?.productSku.skuPartNumber.toLowerCase()).toBe(graphSku.skuPartNumber.toLowerCase());
        expect(graphSku.consumedUnits).toBe(pcSku?.consumedUnits);
        expect(graphSku.prepaidUnits.enabled).toBe(pcSku?.activeUnits);
        expect(graphSku.prepaidUnits.warning).toBe(pcSku?.warningUnits);
        expect(graphSku.prepaidUnits.enabled - graphSku.consumedUnits).toBe(pcSku?.availableUnits);
      }
    }
  });

  it('treats the missing Graph consent of Humongous Insurance as an authorization failure: Entra refuses the app-only token, no Graph call goes out', async () => {
    const tenant = await harness.admin.customerNamed('Humongous Insurance');
    // App-only alone, as a client without the GDAP strategy is (harness.graph would go on to the delegated token).
    const appOnly = new GraphClient({ http: harness.http, baseUrl: harness.sandbox.graphBaseUrl, getToken: harness.tokens.graph });
    const mark = await harness.admin.requestMark();
    const error = await rejectionOf(appOnly.listSubscribedSkus(tenant));
    expect(error).toMatchObject({ name: 'TokenAcquisitionError', source: 'graph', tenantId: tenant, code: 'unauthorized_client AADSTS700016', retryable: false });
    expect(isAuthFailure(error)).toBe(true);
    const sent = await harness.admin.requestsSince(mark);
    expect(sent.filter((entry) => entry.api !== 'identity')).toEqual([]);
    expect(sent.filter((entry) => entry.operation === 'token:client_credentials').map((entry) => entry.status)).toEqual([400]);
  });

  describe('assignLicense and $batch', () => {
    let customer: NewCustomer;
    const swap = { addLicenses: [{ skuId: BUSINESS_BASIC_SKU }], removeLicenses: [KAIZALA_SKU] };

    beforeAll(async () => {
      customer = await harness.admin.addCustomer({
        companyName: 'Graph Licenses Ltd',
        users: 24,
        kaizalaHolderShare: 1,
        extras: [{ partNumber: 'O365_BUSINESS_ESSENTIALS', quantity: 24, holders: 0 }],
      });
    });

    it('adds the new SKU and removes Kaizala in one call; the user, Graph SKUs and Partner Center read back the same', async () => {
      const [user] = customer.users;
      const before = (await harness.graph.listSubscribedSkus(customer.id)).find((sku) => sku.skuId === KAIZALA_SKU);
      const result = await harness.graph.assignLicense(customer.id, user.id, swap);
      expect(skuIdsOf(result.data)).toEqual([BUSINESS_BASIC_SKU]);

      expect(skuIdsOf(await harness.graph.getUser(customer.id, user.id))).toEqual([BUSINESS_BASIC_SKU]);
      const skus = await harness.graph.listSubscribedSkus(customer.id);
      expect(skus.find((sku) => sku.skuId === BUSINESS_BASIC_SKU)?.consumedUnits).toBe(1);
      expect(skus.find((sku) => sku.skuId === KAIZALA_SKU)?.consumedUnits).toBe((before?.consumedUnits ?? 0) - 1);
      const pcLicenses = await harness.partnerCenter.getUserLicenses(customer.id, user.id);
      expect(pcLicenses.map((license) => license.productSku.id.toLowerCase())).toEqual([BUSINESS_BASIC_SKU]);
    });

    it('refuses to remove a license the user no longer holds (Graph, unlike Partner Center)', async () => {
      const error = (await rejectionOf(
        harness.graph.assignLicense(customer.id, customer.users[0].id, { addLicenses: [], removeLicenses: [KAIZALA_SKU] }),
      )) as ApiError;
      expect(error.status).toBe(400);
      expect(error.code).toBe('Request_BadRequest');
      expect(isAuthFailure(error)).toBe(false);
    });

    it('sends 20 swaps in one batch and resends the part answered 429 after its Retry-After', async () => {
      const users = customer.users.slice(1, 21);
      const requests: BatchRequest[] = users.map((user, index) => ({
        id: String(index + 1),
        method: 'POST',
        url: `/users/${user.id}/assignLicense`,
        headers: { 'Content-Type': 'application/json' },
        body: { addLicenses: [{ skuId: BUSINESS_BASIC_SKU, disabledPlans: [] }], removeLicenses: [KAIZALA_SKU] },
      }));
      await harness.admin.setFaults([
        { action: 'throttle', operation: 'assignLicense', customerId: customer.id, callNumbers: [5], retryAfterSeconds: 1 },
      ]);
      const mark = await harness.admin.requestMark();
      const responses = await harness.graph.batch(customer.id, requests);

      expect(responses.map((response) => response.id)).toEqual(requests.map((request) => request.id));
      expect(responses.map((response) => response.status)).toEqual(requests.map(() => 200));
      const log = await harness.admin.requestsSince(mark);
      const batches = entriesOf(log, 'graphBatch');
      expect(batches).toHaveLength(2);
      expect(Date.parse(batches[1].at) - Date.parse(batches[0].at)).toBeGreaterThanOrEqual(990);
      const parts = entriesOf(log, 'assignLicense');
      expect(parts).toHaveLength(21);
      const throttledPath = parts.find((entry) => entry.status === 429)?.path;
      expect(throttledPath).toMatch(/^\$batch:5:/);
      expect(parts.filter((entry) => entry.path === throttledPath).map((entry) => entry.status)).toEqual([429, 200]);

      for (const user of users) expect(skuIdsOf(await harness.graph.getUser(customer.id, user.id))).toEqual([BUSINESS_BASIC_SKU]);
    });

    it('resends a throttled part together with the part that failed (424) only because it depended on it', async () => {
      const [reader, writer] = customer.users.slice(21, 23);
      const requests: BatchRequest[] = [
        { id: 'read', method: 'GET', url: `/users/${reader.id}?$select=id,assignedLicenses` },
        {
          id: 'swap',
          method: 'POST',
          url: `/users/${writer.id}/assignLicense`,
          headers: { 'Content-Type': 'application/json' },
          body: { addLicenses: [{ skuId: BUSINESS_BASIC_SKU, disabledPlans: [] }], removeLicenses: [KAIZALA_SKU] },
          dependsOn: ['read'],
        },
      ];
      await harness.admin.setFaults([
        { action: 'throttle', operation: 'graphGetUser', customerId: customer.id, callNumbers: [1], retryAfterSeconds: 0 },
      ]);
      const mark = await harness.admin.requestMark();
      const responses = await harness.graph.batch(customer.id, requests);
      expect(responses.map((response) => [response.id, response.status])).toEqual([
        ['read', 200],
        ['swap', 200],
      ]);
      const parts = (await harness.admin.requestsSince(mark)).filter((entry) => entry.path.startsWith('$batch:'));
      expect(parts.map((entry) => [entry.operation, entry.status])).toEqual([
        ['graphGetUser', 429],
        ['graphGetUser', 200],
        ['assignLicense', 200],
      ]);
      expect(skuIdsOf(await harness.graph.getUser(customer.id, writer.id))).toEqual([BUSINESS_BASIC_SKU]);
    });

    it('refuses more than 20 parts before sending anything', async () => {
      const tooMany: BatchRequest[] = Array.from({ length: 21 }, (_, index) => ({
        id: String(index),
        method: 'GET',
        url: `/users/${customer.users[0].id}`,
      }));
      const mark = await harness.admin.requestMark();
      await expect(harness.graph.batch(customer.id, tooMany)).rejects.toThrow(RangeError);
      expect(await harness.admin.requestsSince(mark)).toEqual([]);
    });
  });
});
