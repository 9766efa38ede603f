import { randomUUID } from 'node:crypto';
import { BUSINESS_BASIC_ITEM, KAIZALA_SKU, startHarness, type Harness, type Json } from './support';
import { eachShapeProblems, shapeProblems, type ShapeSpec } from './shape';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const UPPER_GUID = /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/;
const NCE_CATALOG_ITEM = /^[A-Z0-9]+:[0-9]{4}:[A-Z0-9]+$/;
const isIsoDate = (value: unknown) => typeof value === 'string' && !Number.isNaN(Date.parse(value));

const LINK: ShapeSpec = { uri: 'string', method: 'string', headers: 'array' };

/** §4.1 */
const CUSTOMER_COLLECTION: ShapeSpec = {
  totalCount: 'number',
  items: 'array',
  links: { self: LINK },
  attributes: { objectType: 'string' },
};
const CUSTOMER: ShapeSpec = {
  id: 'string',
  relationshipToPartner: 'string',
  attributes: { objectType: 'string' },
  companyProfile: { tenantId: 'string', domain: 'string', companyName: 'string' },
};

/** §4.2 */
const SUBSCRIPTION_COMMON: ShapeSpec = {
  id: 'string',
  offerId: 'string',
  offerName: 'string',
  quantity: 'number',
  unitType: 'string',
  status: 'string',
  autoRenewEnabled: 'boolean',
  effectiveStartDate: 'string',
  commitmentEndDate: 'string',
  billingType: 'string',
  contractType: 'string',
  orderId: 'string',
  attributes: { etag: 'string', objectType: 'string' },
};
const LEGACY_SUBSCRIPTION: ShapeSpec = {
  ...SUBSCRIPTION_COMMON,
  links: { offer: LINK, self: LINK },
  productType: 'absent',
  termDuration: 'absent',
  // get-a-list-of-subscriptions shows a legacy item with billingCycle "monthly" and no termDuration.
  billingCycle: 'string',
  cancellationAllowedUntilDate: 'absent',
  refundableQuantity: 'absent',
};
const NCE_SUBSCRIPTION: ShapeSpec = {
  ...SUBSCRIPTION_COMMON,
  links: { self: LINK },
  productType: { id: 'string' },
  termDuration: 'string',
  billingCycle: 'string',
  cancellationAllowedUntilDate: 'string',
  refundableQuantity: 'object|number',
};
const SUBSCRIPTION_STATUSES = ['none', 'active', 'pending', 'suspended', 'expired', 'disabled', 'deleted'];

/** §4.3 */
const PROVISIONING_STATUS: ShapeSpec = { skuId: 'string', status: 'string', quantity: 'number', endDate: 'string', attributes: { objectType: 'string' } };

/** §4.4 */
const PC_SUBSCRIBED_SKU: ShapeSpec = {
  productSku: { id: 'string', name: 'string', skuPartNumber: 'string', targetType: 'string', licenseGroupId: 'string' },
  totalUnits: 'number',
  activeUnits: 'number',
  warningUnits: 'number',
  consumedUnits: 'number',
  availableUnits: 'number',
  suspendedUnits: 'number',
  capabilityStatus: 'string',
  servicePlans: 'array',
  attributes: { objectType: 'string' },
};
const PC_SERVICE_PLAN: ShapeSpec = { id: 'string', serviceName: 'string', capabilityStatus: 'string' };
const PC_USER: ShapeSpec = { id: 'string', userPrincipalName: 'string', displayName: 'string', usageLocation: 'string?', state: 'string' };
const PC_USER_LICENSE: ShapeSpec = {
  productSku: { id: 'string', name: 'string', skuPartNumber: 'string', licenseGroupId: 'string' },
  servicePlans: 'array',
};

/** §4.6 */
const CART: ShapeSpec = {
  id: 'string',
  creationTimestamp: 'string',
  expirationTimestamp: 'string',
  status: 'string',
  lineItems: 'array',
  links: { self: LINK },
};
const CART_LINE: ShapeSpec = { id: 'number', catalogItemId: 'string', quantity: 'number', billingCycle: 'string', termDuration: 'string?' };
const CART_LINE_ERROR: ShapeSpec = {
  error: { errorCode: 'number|string', errorDescription: 'string', additionalInformation: { availableQuantity: 'number' } },
};
const CHECKOUT_RESULT: ShapeSpec = { orders: 'array', orderErrors: 'array' };
const ORDER: ShapeSpec = {
  id: 'string',
  referenceCustomerId: 'string',
  billingCycle: 'string',
  status: 'string',
  creationDate: 'string',
  lineItems: 'array',
  links: { self: LINK, provisioningStatus: LINK },
  attributes: { objectType: 'string' },
};
const ORDER_LINE: ShapeSpec = { lineItemNumber: 'number', offerId: 'string', quantity: 'number', termDuration: 'string?' };

/** §4.11 */
const GRAPH_SUBSCRIBED_SKU: ShapeSpec = {
  id: 'string',
  skuId: 'string',
  skuPartNumber: 'string',
  appliesTo: 'string',
  capabilityStatus: 'string',
  consumedUnits: 'number',
  prepaidUnits: { enabled: 'number', suspended: 'number', warning: 'number', lockedOut: 'number' },
  subscriptionIds: 'array',
  servicePlans: 'array',
};
const GRAPH_SERVICE_PLAN: ShapeSpec = { servicePlanId: 'string', servicePlanName: 'string', provisioningStatus: 'string', appliesTo: 'string' };

/** §4.12 */
const GRAPH_USER: ShapeSpec = {
  id: 'string',
  userPrincipalName: 'string',
  usageLocation: 'string|null',
  assignedLicenses: 'array',
  licenseAssignmentStates: 'array',
};
const GRAPH_ASSIGNED_LICENSE: ShapeSpec = { skuId: 'string', disabledPlans: 'array' };
const GRAPH_ASSIGNMENT_STATE: ShapeSpec = { skuId: 'string', assignedByGroup: 'string|null' };

/** §3 errors */
const PC_ERROR: ShapeSpec = { code: 'number|string', description: 'string', data: 'array?', source: 'string' };
const PC_THROTTLE_ERROR: ShapeSpec = { statusCode: 'number', message: 'string' };
const GRAPH_ERROR: ShapeSpec = {
  error: { code: 'string', message: 'string', innerError: { date: 'string', 'request-id': 'string', 'client-request-id': 'string' } },
};

describe('the shape checker', () => {
  it('reports missing keys, wrong kinds, forbidden keys and bad nesting', () => {
    const spec: ShapeSpec = { a: 'string', b: 'number?', c: 'absent', d: { e: 'string|null' } };
    expect(shapeProblems({ a: 'x', d: { e: null } }, spec)).toEqual([]);
    expect(shapeProblems({ a: 1, b: 'no', c: true, d: {} }, spec)).toEqual([
      '$.a: expected string, got number',
      '$.b: expected number?, got string',
      '$.c: must be absent, got true',
      '$.d.e: expected string|null, got undefined',
    ]);
    expect(eachShapeProblems([], spec)).toEqual(['$: expected at least one element']);
  });
});

describe('sandbox responses match the documented shapes (docs/partner-center.md)', () => {
  let harness: Harness;
  let cohoWinery: string;

  beforeAll(async () => {
    harness = await startHarness({ seed: 'demo' });
    cohoWinery = await harness.admin.customerNamed('Coho Winery');
  });

  afterAll(async () => {
    await harness.sandbox.close();
  });

  afterEach(async () => {
    await harness.admin.setFaults([]);
  });

  it('§4.1 customer collection: totalCount/items/links/attributes, a next link with MS-ContinuationToken while items remain', async () => {
    const first = await harness.raw.partnerCenter('GET', '/customers?size=40');
    expect(first.status).toBe(200);
    expect(shapeProblems(first.body, CUSTOMER_COLLECTION)).toEqual([]);
    expect(first.body.attributes.objectType).toBe('Collection');
    expect(first.body.totalCount).toBe(first.body.items.length);
    expect(eachShapeProblems(first.body.items, CUSTOMER)).toEqual([]);
    for (const customer of first.body.items) {
      expect(customer.attributes.objectType).toBe('Customer');
      expect(customer.companyProfile.tenantId).toBe(customer.id);
      expect(customer.id).toMatch(GUID);
    }
    const next = first.body.links.next;
    expect(shapeProblems(next, LINK)).toEqual([]);
    expect(next.uri).toMatch(/seekOperation=Next$/);
    expect(next.headers).toEqual([{ key: 'MS-ContinuationToken', value: expect.any(String) }]);

    const last = await harness.raw.partnerCenter('GET', '/customers?size=44');
    expect(last.body.items).toHaveLength(44);
    expect(last.body.links.next).toBeUndefined();
  });

  it('§4.2 a Kaizala-like legacy subscription carries the legacy fields and no NCE fields', async () => {
    const kaizala = (await harness.partnerCenter.listSubscriptions(cohoWinery)).find((item) => /kaizala/i.test(item.offerName));
    const subscription = await harness.partnerCenter.getSubscription(cohoWinery, kaizala?.id as string);
    expect(shapeProblems(subscription, LEGACY_SUBSCRIPTION)).toEqual([]);
    expect(subscription.offerId).toMatch(GUID);
    expect(subscription.unitType).toBe('Licenses');
    expect(subscription.billingType).toBe('license');
    expect(SUBSCRIPTION_STATUSES).toContain(subscription.status);
    expect(subscription.autoRenewEnabled).toBe(false);
    expect([subscription.effectiveStartDate, subscription.commitmentEndDate].every(isIsoDate)).toBe(true);
    expect(subscription.attributes.objectType).toBe('Subscription');
    expect(subscription.links?.offer?.uri).toBe(`/v1/offers/${subscription.offerId}`);
    expect(subscription.links?.self?.uri).toBe(`/customers/${cohoWinery}/subscriptions/${subscription.id}`);
  });

  it("§6 the legacy Kaizala offer's product.id is the Entra SKU id its subscription provisions (get-an-offer-by-id)", async () => {
    const kaizala = (await harness.partnerCenter.listSubscriptions(cohoWinery)).find((item) => /kaizala/i.test(item.offerName));
    const offer = await harness.partnerCenter.getOffer(kaizala?.offerId as string, 'US');
    expect(offer).toMatchObject({ id: kaizala?.offerId, product: { id: expect.any(String), unit: 'Licenses' }, attributes: { objectType: 'Offer' } });
    expect(offer.product?.id.toLowerCase()).toBe(KAIZALA_SKU);
  });

  it('§4.2 an NCE subscription carries PRODUCT:SKU:AVAILABILITY and the NCE fields', async () => {
    const contoso = await harness.admin.customerNamed('Contoso Ltd');
    const nce = (await harness.partnerCenter.listSubscriptions(contoso)).find((item) => NCE_CATALOG_ITEM.test(item.offerId));
    expect(nce).toBeDefined();
    expect(shapeProblems(nce, NCE_SUBSCRIPTION)).toEqual([]);
    expect(nce?.productType).toEqual(expect.objectContaining({ id: 'OnlineServicesNCE' }));
    expect(['P1M', 'P1Y', 'P3Y']).toContain(nce?.termDuration);
    expect(['monthly', 'annual', 'triennial', 'one_time', 'none']).toContain(nce?.billingCycle);
    expect(isIsoDate(nce?.cancellationAllowedUntilDate)).toBe(true);
  });

  it('§4.3 provisioning status: upper-case Entra skuId, status, quantity, endDate', async () => {
    const [kaizala] = (await harness.partnerCenter.listSubscriptions(cohoWinery)).filter((item) => /kaizala/i.test(item.offerName));
    const status = await harness.partnerCenter.getSubscriptionProvisioningStatus(cohoWinery, kaizala.id);
    expect(shapeProblems(status, PROVISIONING_STATUS)).toEqual([]);
    expect(status.skuId).toMatch(UPPER_GUID);
    expect(['success', 'pending', 'failed']).toContain(status.status);
    expect(status.attributes?.objectType).toBe('SubscriptionProvisioningStatus');
  });

  it('§4.4 subscribed SKUs, users and user licenses', async () => {
    const skus = await harness.partnerCenter.listSubscribedSkus(cohoWinery);
    expect(eachShapeProblems(skus, PC_SUBSCRIBED_SKU)).toEqual([]);
    for (const sku of skus) {
      expect(eachShapeProblems(sku.servicePlans, PC_SERVICE_PLAN)).toEqual([]);
      expect(sku.attributes?.objectType).toBe('SubscribedSku');
      expect(['group1', 'group2']).toContain(sku.productSku.licenseGroupId);
    }
    const kaizala = skus.find((sku) => sku.productSku.id.toLowerCase() === KAIZALA_SKU);
    expect(kaizala?.productSku.skuPartNumber).toBe('KAIZALA_PRO_SANDBOX_PLACEHOLDER');
    // The sandbox plays the variant the bot must not take for a suite: Kaizala next to hidden Exchange plumbing.
    expect(kaizala?.servicePlans.map((plan) => plan.serviceName).sort()).toEqual(['EXCHANGE_S_FOUNDATION', 'KAIZALA_STANDALONE']);

    const users = await harness.partnerCenter.listUsers(cohoWinery);
    expect(eachShapeProblems(users, PC_USER)).toEqual([]);
    const licenses = await harness.partnerCenter.getUserLicenses(cohoWinery, users[0].id);
    expect(eachShapeProblems(licenses, PC_USER_LICENSE)).toEqual([]);
    expect(eachShapeProblems(licenses[0].servicePlans, { ...PC_SERVICE_PLAN })).toEqual([]);
    expect(licenses[0].servicePlans.map((plan) => plan.capabilityStatus)).toContain('Assigned');
  });

  it('§4.6 cart (201), a line error with availableQuantity, checkout result and order', async () => {
    const created = await harness.raw.partnerCenter('POST', `/customers/${cohoWinery}/carts`, {
      body: { lineItems: [{ id: 0, catalogItemId: BUSINESS_BASIC_ITEM, quantity: 12, billingCycle: 'Monthly', termDuration: 'P1Y' }] },
    });
    expect(created.status).toBe(201);
    expect(shapeProblems(created.body, CART)).toEqual([]);
    expect(eachShapeProblems(created.body.lineItems, CART_LINE)).toEqual([]);
    expect(created.body.status).toBe('Active');
    expect(Date.parse(created.body.expirationTimestamp) - Date.parse(created.body.creationTimestamp)).toBe(7 * 24 * 3600 * 1000);

    const vanArsdel = await harness.admin.customerNamed('VanArsdel Ltd');
    const capped = await harness.partnerCenter.createCart(vanArsdel, [{ catalogItemId: BUSINESS_BASIC_ITEM, quantity: 100, billingCycle: 'monthly' }]);
    expect(shapeProblems(capped.data.lineItems[0], CART_LINE_ERROR)).toEqual([]);
    expect(capped.data.lineItems[0].error).toMatchObject({ errorCode: 10015, additionalInformation: { availableQuantity: 50 } });

    const checkout = await harness.raw.partnerCenter('POST', `/customers/${cohoWinery}/carts/${created.body.id}/checkout`);
    expect(checkout.status).toBe(201);
    expect(shapeProblems(checkout.body, CHECKOUT_RESULT)).toEqual([]);
    const [order] = checkout.body.orders;
    expect(shapeProblems(order, ORDER)).toEqual([]);
    expect(eachShapeProblems(order.lineItems, ORDER_LINE)).toEqual([]);
    expect(order.lineItems[0].subscriptionId).toBeUndefined();
    expect(order.attributes.objectType).toBe('Order');
    expect(order.referenceCustomerId).toBe(cohoWinery);
    expect(order.links.provisioningStatus.uri).toBe(`/customers/${cohoWinery}/orders/${order.id}/provisioningstatus`);
  });

  it('§4.11 Graph subscribedSkus', async () => {
    const reply = await harness.raw.graph('GET', cohoWinery, '/subscribedSkus');
    expect(reply.status).toBe(200);
    expect(eachShapeProblems(reply.body.value, GRAPH_SUBSCRIBED_SKU)).toEqual([]);
    for (const sku of reply.body.value as Json[]) {
      expect(sku.id).toBe(`${cohoWinery}_${sku.skuId}`);
      expect(['Enabled', 'Warning', 'Suspended', 'Deleted', 'LockedOut']).toContain(sku.capabilityStatus);
      expect(eachShapeProblems(sku.servicePlans, GRAPH_SERVICE_PLAN)).toEqual([]);
    }
  });

  it('§4.12 Graph users with the licensing $select, paged by an absolute @odata.nextLink', async () => {
    const select = 'id,userPrincipalName,usageLocation,assignedLicenses,licenseAssignmentStates';
    const filter = encodeURIComponent(`assignedLicenses/any(x:x/skuId eq ${KAIZALA_SKU})`);
    const reply = await harness.raw.graph('GET', cohoWinery, `/users?$select=${select}&$filter=${filter}&$top=5`);
    expect(reply.status).toBe(200);
    expect(eachShapeProblems(reply.body.value, GRAPH_USER)).toEqual([]);
    for (const user of reply.body.value as Json[]) {
      expect(eachShapeProblems(user.assignedLicenses, GRAPH_ASSIGNED_LICENSE)).toEqual([]);
      expect(eachShapeProblems(user.licenseAssignmentStates, GRAPH_ASSIGNMENT_STATE)).toEqual([]);
    }
    const nextLink = new URL(reply.body['@odata.nextLink']);
    expect(nextLink.origin).toBe(new URL(harness.sandbox.graphBaseUrl).origin);
    expect(nextLink.searchParams.get('$skiptoken')).toEqual(expect.any(String));
  });

  it('§3 Partner Center error body, with MS-RequestId and MS-CorrelationId echoed', async () => {
    const requestId = randomUUID();
    const correlationId = randomUUID();
    const token = await harness.tokens.partnerCenter();
    const response = await fetch(`${harness.sandbox.partnerCenterBaseUrl}/customers/${cohoWinery}/subscriptions/${randomUUID()}`, {
      headers: { Authorization: `Bearer ${token}`, 'MS-RequestId': requestId, 'MS-CorrelationId': correlationId },
    });
    const body: Json = await response.json();
    expect(response.status).toBe(404);
    expect(shapeProblems(body, PC_ERROR)).toEqual([]);
    expect(body).toMatchObject({ code: 20003, source: 'PartnerFD' });
    expect(body.description.length).toBeLessThanOrEqual(1024);
    expect(response.headers.get('ms-requestid')).toBe(requestId);
    expect(response.headers.get('ms-correlationid')).toBe(correlationId);
  });

  it('§3 Partner Center 429 body and Retry-After header', async () => {
    await harness.admin.setFaults([{ action: 'throttle', operation: 'getCustomer', customerId: cohoWinery, callNumbers: [1], retryAfterSeconds: 7 }]);
    const reply = await harness.raw.partnerCenter('GET', `/customers/${cohoWinery}`);
    expect(reply.status).toBe(429);
    expect(shapeProblems(reply.body, PC_THROTTLE_ERROR)).toEqual([]);
    expect(reply.body).toEqual({ statusCode: 429, message: 'Rate limit is exceeded. Try again in 7 seconds.' });
    expect(reply.headers.get('retry-after')).toBe('7');
  });

  it('§3 Graph error body also on a license call that fails after a partial change', async () => {
    const customer = await harness.admin.addCustomer({
      companyName: 'Shapes Partial Ltd',
      users: 2,
      kaizalaHolderShare: 1,
      extras: [{ partNumber: 'O365_BUSINESS_ESSENTIALS', quantity: 2, holders: 0 }],
    });
    await harness.admin.setFaults([{ action: 'assignOnly', operation: 'assignLicense', customerId: customer.id, reply: 'error' }]);
    const reply = await harness.raw.graph('POST', customer.id, `/users/${customer.users[0].id}/assignLicense`, {
      addLicenses: [{ skuId: '3b555118-da6a-4418-894f-7df1e2096870', disabledPlans: [] }],
      removeLicenses: [KAIZALA_SKU],
    });
    expect(reply.status).toBe(500);
    expect(shapeProblems(reply.body, GRAPH_ERROR)).toEqual([]);
  });

  it('§3 Graph error body (403 without consent; 429 TooManyRequests with Retry-After)', async () => {
    const humongous = await harness.admin.customerNamed('Humongous Insurance');
    // Entra issues no app-only token without consent: take one while Humongous consents, then it withdraws consent.
    await harness.admin.call('PATCH', `/customers/${humongous}`, { access: { graphConsent: true } });
    expect((await harness.raw.graph('GET', humongous, '/subscribedSkus')).status).toBe(200);
    await harness.admin.call('PATCH', `/customers/${humongous}`, { access: { graphConsent: false } });
    const denied = await harness.raw.graph('GET', humongous, '/subscribedSkus');
    expect(denied.status).toBe(403);
    expect(shapeProblems(denied.body, GRAPH_ERROR)).toEqual([]);
    expect(denied.body.error.code).toBe('Authorization_RequestDenied');
    expect(isIsoDate(denied.body.error.innerError.date)).toBe(true);

    await harness.admin.setFaults([
      { action: 'throttle', operation: 'graphListSubscribedSkus', customerId: cohoWinery, callNumbers: [1], retryAfterSeconds: 3 },
    ]);
    const throttled = await harness.raw.graph('GET', cohoWinery, '/subscribedSkus');
    expect(throttled.status).toBe(429);
    expect(shapeProblems(throttled.body, GRAPH_ERROR)).toEqual([]);
    expect(throttled.body.error.code).toBe('TooManyRequests');
    expect(throttled.headers.get('retry-after')).toBe('3');
  });
});
