import { PartnerCenterClient } from '../../services/partnerCenter/partnerCenterClient';
import type { Customer, Subscription } from '../../services/partnerCenter/types';
import { isApiError } from '../../services/http/errors';
import { createTestHttp, json, startFakeServer, type FakeServer, type Handler, type RecordedRequest, type Reply } from './fakeServer';

const APP_TOKEN = 'app-token';
const USER_TOKEN = 'user-token';

let server: FakeServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function setUp(
  handler: Handler,
  clientOptions: { withUserToken?: boolean; maxStaleEtagRetries?: number; httpTimeoutMs?: number } = {},
) {
  server = await startFakeServer(handler);
  const test = createTestHttp(clientOptions.httpTimeoutMs ? { timeoutMs: clientOptions.httpTimeoutMs } : {});
  const client = new PartnerCenterClient({
    http: test.http,
    baseUrl: `${server.url}/v1`,
    getToken: async () => APP_TOKEN,
    getUserToken: clientOptions.withUserToken === false ? undefined : async () => USER_TOKEN,
    pollIntervalMs: 1_000,
    maxPolls: 5,
    maxStaleEtagRetries: clientOptions.maxStaleEtagRetries,
  });
  return { client, test, requests: server.requests };
}

function customer(id: string): Customer {
  return {
    id,
    relationshipToPartner: 'reseller',
    companyProfile: { tenantId: id, domain: `${id}.onmicrosoft.com`, companyName: `Company ${id}` },
    attributes: { objectType: 'Customer' },
  };
}

function link(uri: string, headers: Array<{ key: string; value: string }> = []) {
  return { uri, method: 'GET', headers };
}

/** Customers in pages of `size`, next links alternating between `/v1/...` and `/...` forms, like Partner Center. */
function customerPages(total: number): Handler {
  const all = Array.from({ length: total }, (_unused, index) => customer(`c${index}`));
  return (request) => {
    if (request.path !== '/v1/customers') return json(404, { code: 0, description: 'no route', source: 'test' });
    const size = Number(request.query.get('size'));
    const token = request.headers['ms-continuationtoken'];
    const start = request.query.get('seekOperation') === 'Next' ? Number(token) : 0;
    const items = all.slice(start, start + size);
    const nextStart = start + size;
    const nextUri = nextStart % (2 * size) === 0 ? `/customers?size=${size}&seekOperation=Next` : `/v1/customers?size=${size}&seekOperation=Next`;
    return json(200, {
      totalCount: items.length,
      items,
      links: {
        self: link(`/v1/customers?size=${size}`),
        ...(nextStart < all.length ? { next: link(nextUri, [{ key: 'MS-ContinuationToken', value: String(nextStart) }]) } : {}),
      },
      attributes: { objectType: 'Collection' },
    });
  };
}

describe('PartnerCenterClient customers', () => {
  it('pages through customers, sending each MS-ContinuationToken and resolving links with or without /v1', async () => {
    const { client, requests } = await setUp(customerPages(7));
    const pages: string[][] = [];
    for await (const page of client.listCustomers({ size: 3 })) pages.push(page.map((c) => c.id));

    expect(pages).toEqual([['c0', 'c1', 'c2'], ['c3', 'c4', 'c5'], ['c6']]);
    expect(requests.map((request) => request.url)).toEqual([
      '/v1/customers?size=3',
      '/v1/customers?size=3&seekOperation=Next',
      '/v1/customers?size=3&seekOperation=Next',
    ]);
    expect(requests.map((request) => request.headers['ms-continuationtoken'])).toEqual([undefined, '3', '6']);
    expect(requests[0].headers.authorization).toBe(`Bearer ${APP_TOKEN}`);
  });

  it('caps the page size at 100', async () => {
    const { client, requests } = await setUp(customerPages(2));
    await client.listAllCustomers({ size: 500 });
    expect(requests[0].query.get('size')).toBe('100');
  });

  it('reports a refused continuation token with a clear code, and listAllCustomers restarts from page one', async () => {
    let refusals = 1;
    const pages = customerPages(4);
    const { client, requests } = await setUp((request, index) => {
      if (request.query.get('seekOperation') === 'Next' && refusals > 0) {
        refusals--;
        return json(400, { code: 'InvalidContinuationToken', description: 'token expired', source: 'PartnerFD' });
      }
      return pages(request, index);
    });

    const customers = await client.listAllCustomers({ size: 2 });
    expect(customers.map((c) => c.id)).toEqual(['c0', 'c1', 'c2', 'c3']);
    expect(requests.map((request) => request.headers['ms-continuationtoken'])).toEqual([undefined, '2', undefined, '2']);

    refusals = 1;
    const iterate = async () => {
      for await (const page of client.listCustomers({ size: 2 })) void page;
    };
    await expect(iterate()).rejects.toMatchObject({ code: 'ContinuationTokenRefused', retryable: true, status: 400 });
  });

  it('reads one customer and its qualifications (array form)', async () => {
    const { client } = await setUp((request) =>
      request.path.endsWith('/qualifications')
        ? json(200, [{ qualification: 'Education', vettingStatus: 'Approved' }])
        : json(200, customer('c9')),
    );
    expect((await client.getCustomer('c9')).companyProfile.companyName).toBe('Company c9');
    expect(await client.getQualifications('c9')).toEqual([{ qualification: 'Education', vettingStatus: 'Approved' }]);
  });
});

function subscription(status: Subscription['status'], etag: string): Subscription {
  return {
    id: 's1',
    offerId: '0a1b2c3d-legacy',
    offerName: 'Kaizala Pro',
    quantity: 40,
    unitType: 'Licenses',
    status,
    autoRenewEnabled: false,
    commitmentEndDate: '2026-08-31T00:00:00Z',
    billingType: 'license',
    orderId: 'o1',
    links: { self: link('/customers/c1/subscriptions/s1') },
    attributes: { etag, objectType: 'Subscription' },
  };
}

describe('PartnerCenterClient subscriptions', () => {
  it('lists subscriptions by order id and follows a next link if present', async () => {
    const { client, requests } = await setUp((request) =>
      request.query.get('seekOperation') === 'Next'
        ? json(200, { totalCount: 1, items: [subscription('active', 'e2')], attributes: { objectType: 'Collection' } })
        : json(200, {
            totalCount: 1,
            items: [subscription('active', 'e1')],
            links: { next: link('/v1/customers/c1/subscriptions?seekOperation=Next', [{ key: 'MS-ContinuationToken', value: 'k' }]) },
            attributes: { objectType: 'Collection' },
          }),
    );
    const subscriptions = await client.listSubscriptions('c1', { orderId: 'o 1' });
    expect(subscriptions.map((s) => s.attributes.etag)).toEqual(['e1', 'e2']);
    expect(requests[0].url).toBe('/v1/customers/c1/subscriptions?order_id=o%201');
    expect(requests[1].headers['ms-continuationtoken']).toBe('k');
  });

  it('uses the App+User token for provisioning status, subscribed SKUs, users and licenses', async () => {
    const { client, requests } = await setUp((request) => {
      if (request.path.endsWith('/provisioningstatus')) {
        return json(200, { skuId: '6FD2C87F-B296-42F0-B197-1E91E994B900', status: 'success', quantity: 5, attributes: { objectType: 'SubscriptionProvisioningStatus' } });
      }
      return json(200, { totalCount: 0, items: [], attributes: { objectType: 'Collection' } });
    });
    expect((await client.getSubscriptionProvisioningStatus('c1', 's1')).skuId).toBe('6FD2C87F-B296-42F0-B197-1E91E994B900');
    await client.listSubscribedSkus('c1');
    await client.listUsers('c1');
    await client.getUserLicenses('c1', 'u1');
    await client.getSubscription('c1', 's1');
    expect(requests.map((request) => request.headers.authorization)).toEqual([
      `Bearer ${USER_TOKEN}`,
      `Bearer ${USER_TOKEN}`,
      `Bearer ${USER_TOKEN}`,
      `Bearer ${USER_TOKEN}`,
      `Bearer ${APP_TOKEN}`,
    ]);
  });

  it('falls back to the app token on App+User routes when no user token source is given', async () => {
    const { client, requests } = await setUp(() => json(200, { totalCount: 0, items: [], attributes: { objectType: 'Collection' } }), {
      withUserToken: false,
    });
    await client.listSubscribedSkus('c1');
    expect(requests[0].headers.authorization).toBe(`Bearer ${APP_TOKEN}`);
  });
});

describe('PartnerCenterClient users', () => {
  it('pages through users with the continuation header and passes filter and size', async () => {
    const users = Array.from({ length: 5 }, (_unused, index) => ({ id: `u${index}`, userPrincipalName: `u${index}@x.test` }));
    const { client, requests } = await setUp((request) => {
      const start = Number(request.headers['ms-continuationtoken'] ?? 0);
      const next = start + 2;
      return json(200, {
        totalCount: 5,
        items: users.slice(start, next),
        links: next < users.length ? { next: link(`/customers/c1/users?size=2&seekOperation=Next`, [{ key: 'MS-ContinuationToken', value: String(next) }]) } : {},
        attributes: { objectType: 'Collection' },
      });
    });
    const result = await client.listUsers('c1', { size: 2, filter: '{"Field":"Username"}' });
    expect(result.map((user) => user.id)).toEqual(['u0', 'u1', 'u2', 'u3', 'u4']);
    expect(requests).toHaveLength(3);
    expect(requests[0].query.get('filter')).toBe('{"Field":"Username"}');
    expect(requests.slice(1).map((request) => [request.path, request.headers['ms-continuationtoken']])).toEqual([
      ['/v1/customers/c1/users', '2'],
      ['/v1/customers/c1/users', '4'],
    ]);
  });
});

describe('PartnerCenterClient single user and offer', () => {
  it('reads one customer user with the App+User token, usageLocation absent when unset', async () => {
    const { client, requests } = await setUp(() => json(200, { id: 'u1', userPrincipalName: 'u1@x.test', state: 'active', attributes: { objectType: 'CustomerUser' } }));
    const user = await client.getUser('c1', 'u1');
    expect(user).toMatchObject({ id: 'u1', userPrincipalName: 'u1@x.test' });
    expect(user.usageLocation).toBeUndefined();
    expect(requests[0]).toMatchObject({ path: '/v1/customers/c1/users/u1', headers: expect.objectContaining({ authorization: `Bearer ${USER_TOKEN}` }) });
  });

  it("reads a legacy offer by id and country with the app token; product.id is the Entra SKU id", async () => {
    const { client, requests } = await setUp(() =>
      json(200, {
        id: '2828BE95-46BA-4F91-B2FD-0BEF192ECF60',
        name: 'Exchange Online Archiving for Exchange Online',
        product: { id: 'EE02FD1B-340E-4A4B-B355-4A514E4C8943', name: 'Exchange Online Archiving for Exchange Online', unit: 'Licenses' },
        unitType: 'Licenses',
        attributes: { objectType: 'Offer' },
      }),
    );
    const offer = await client.getOffer('2828BE95-46BA-4F91-B2FD-0BEF192ECF60', 'DE');
    expect(offer.product?.id).toBe('EE02FD1B-340E-4A4B-B355-4A514E4C8943');
    expect(requests[0].path).toBe('/v1/offers/2828BE95-46BA-4F91-B2FD-0BEF192ECF60');
    expect(requests[0].query.get('country')).toBe('DE');
    expect(requests[0].headers.authorization).toBe(`Bearer ${APP_TOKEN}`);
  });
});

describe('PartnerCenterClient suspend and reactivate', () => {
  /** A subscription whose ETag changes on every write; `before` can script replies ahead of the normal logic. */
  function subscriptionServer(initial: Subscription, before?: (request: RecordedRequest, state: { sub: Subscription; patches: number }) => Reply | undefined) {
    const state = { sub: initial, patches: 0 };
    const handler: Handler = (request) => {
      const scripted = before?.(request, state);
      if (scripted) return scripted;
      if (request.method === 'GET') return json(200, state.sub);
      if (request.method === 'PATCH') {
        state.patches++;
        if (request.headers['if-match'] !== `"${state.sub.attributes.etag}"`) {
          return json(400, { code: 2055, description: 'ETag mismatch', source: 'PartnerFD' });
        }
        const body = request.body as Subscription;
        state.sub = { ...state.sub, status: body.status, attributes: { ...state.sub.attributes, etag: `${state.sub.attributes.etag}+` } };
        return json(200, state.sub);
      }
      return json(405, {});
    };
    return { state, handler };
  }

  it('GETs fresh, PATCHes the full body with status suspended and a quoted If-Match', async () => {
    const { handler } = subscriptionServer(subscription('active', 'etag-1'));
    const { client, requests } = await setUp(handler);
    const result = await client.suspendSubscription('c1', 's1', 'persisted-rid');

    expect(result.data.status).toBe('suspended');
    expect(result.requestId).toBe('persisted-rid');
    const patch = requests[1];
    expect(patch.method).toBe('PATCH');
    expect(patch.headers['if-match']).toBe('"etag-1"');
    expect(patch.headers['ms-requestid']).toBe('persisted-rid');
    // Full body: autorenew and the rest survive, only status changes.
    expect(patch.body).toEqual({ ...subscription('active', 'etag-1'), status: 'suspended' });
  });

  it('re-reads and retries after a stale ETag (2055)', async () => {
    let staleOnce = true;
    const { handler, state } = subscriptionServer(subscription('active', 'etag-1'), (request, current) => {
      // Someone else writes between our GET and PATCH, once.
      if (request.method === 'PATCH' && staleOnce) {
        staleOnce = false;
        current.sub = { ...current.sub, attributes: { ...current.sub.attributes, etag: 'etag-other' } };
      }
      return undefined;
    });
    const { client, requests } = await setUp(handler);
    const result = await client.suspendSubscription('c1', 's1', 'rid-1');

    expect(result.data.status).toBe('suspended');
    expect(requests.map((request) => `${request.method} ${request.headers['if-match'] ?? ''}`)).toEqual([
      'GET ',
      'PATCH "etag-1"',
      'GET ',
      'PATCH "etag-other"',
    ]);
    expect(state.patches).toBe(2);
    // A response ended the first PATCH's logical operation: the retry carries a new MS-RequestId.
    expect(requests[3].headers['ms-requestid']).not.toBe('rid-1');
  });

  it('gives up after the bounded number of stale-ETag rounds', async () => {
    const { handler } = subscriptionServer(subscription('active', 'etag-1'), (request) =>
      request.method === 'PATCH' ? json(400, { code: 2055, description: 'ETag mismatch', source: 'PartnerFD' }) : undefined,
    );
    const { client, requests } = await setUp(handler, { maxStaleEtagRetries: 2 });
    await expect(client.suspendSubscription('c1', 's1')).rejects.toMatchObject({ code: '2055' });
    expect(requests.filter((request) => request.method === 'PATCH')).toHaveLength(3);
  });

  it('returns an already suspended subscription without sending a PATCH', async () => {
    const { handler } = subscriptionServer(subscription('suspended', 'etag-1'));
    const { client, requests } = await setUp(handler);
    const result = await client.suspendSubscription('c1', 's1');
    expect(result.data.status).toBe('suspended');
    expect(requests.map((request) => request.method)).toEqual(['GET']);
  });

  it('polls the 202 Location (relative, without /v1) until the status shows', async () => {
    let pollsUntilDone = 2;
    const { handler, state } = subscriptionServer(subscription('active', 'etag-1'), (request, current) => {
      if (request.method === 'PATCH') {
        current.patches++;
        return json(202, undefined, { Location: '/customers/c1/subscriptions/s1', 'Retry-After': '3' });
      }
      if (request.method === 'GET' && current.patches > 0) {
        if (pollsUntilDone-- > 0) return json(200, current.sub);
        current.sub = { ...current.sub, status: 'suspended' };
      }
      return undefined;
    });
    const { client, requests, test } = await setUp(handler);
    const result = await client.suspendSubscription('c1', 's1', 'rid-202');

    expect(result.data.status).toBe('suspended');
    expect(result.requestId).toBe('rid-202');
    expect(state.patches).toBe(1);
    expect(requests.map((request) => `${request.method} ${request.path}`)).toEqual([
      'GET /v1/customers/c1/subscriptions/s1',
      'PATCH /v1/customers/c1/subscriptions/s1',
      'GET /v1/customers/c1/subscriptions/s1',
      'GET /v1/customers/c1/subscriptions/s1',
      'GET /v1/customers/c1/subscriptions/s1',
    ]);
    // First wait from the 202's Retry-After, later ones from the poll interval.
    expect(test.sleeps).toEqual([3_000, 1_000, 1_000]);
  });

  it('reports a 202 that never settles within maxPolls', async () => {
    const { handler } = subscriptionServer(subscription('active', 'etag-1'), (request) =>
      request.method === 'PATCH' ? json(202, undefined, { Location: '/v1/customers/c1/subscriptions/s1' }) : undefined,
    );
    const { client, requests } = await setUp(handler);
    await expect(client.suspendSubscription('c1', 's1')).rejects.toMatchObject({ code: 'PollTimedOut' });
    expect(requests.filter((request) => request.method === 'GET')).toHaveLength(1 + 5);
  });

  it('reactivates with status active', async () => {
    const { handler } = subscriptionServer(subscription('suspended', 'etag-9'));
    const { client, requests } = await setUp(handler);
    const result = await client.reactivateSubscription('c1', 's1');
    expect(result.data.status).toBe('active');
    expect((requests[1].body as Subscription).status).toBe('active');
  });
});

describe('PartnerCenterClient purchase', () => {
  it('creates a new-commerce cart with catalogItemId lines and the given request id', async () => {
    const { client, requests } = await setUp((request) =>
      json(201, { id: 'cart-1', creationTimestamp: 't', expirationTimestamp: 't', status: 'Active', lineItems: (request.body as { lineItems: unknown[] }).lineItems }),
    );
    const cart = await client.createCart('c1', [{ catalogItemId: 'CFQ7TTC0LH18:0001:CFQ7TTC0K971', quantity: 40, billingCycle: 'monthly', termDuration: 'P1Y' }], 'cart-rid');
    expect(cart.data.id).toBe('cart-1');
    expect(requests[0].path).toBe('/v1/customers/c1/carts');
    expect(requests[0].headers['ms-requestid']).toBe('cart-rid');
    expect(requests[0].body).toEqual({
      lineItems: [{ id: 0, catalogItemId: 'CFQ7TTC0LH18:0001:CFQ7TTC0K971', quantity: 40, billingCycle: 'monthly', termDuration: 'P1Y' }],
    });
  });

  it('never retries checkout on 503', async () => {
    const { client, requests, test } = await setUp(() => json(503, {}, { 'Retry-After': '1' }));
    await expect(client.checkoutCart('c1', 'cart-1', 'checkout-rid')).rejects.toMatchObject({ status: 503, requestId: 'checkout-rid' });
    expect(requests).toHaveLength(1);
    expect(requests[0].method).toBe('POST');
    expect(requests[0].path).toBe('/v1/customers/c1/carts/cart-1/checkout');
    expect(requests[0].body).toBeUndefined();
    expect(test.sleeps).toEqual([]);
  });

  it('never retries checkout after a timeout: the unknown outcome goes back to the caller', async () => {
    const { client, requests } = await setUp(() => 'hang', { httpTimeoutMs: 150 });
    await expect(client.checkoutCart('c1', 'cart-1', 'checkout-rid')).rejects.toMatchObject({
      code: 'Timeout',
      status: undefined,
      retryable: true,
      requestId: 'checkout-rid',
    });
    expect(requests).toHaveLength(1);
  });

  it('returns the checkout result with the ids to audit', async () => {
    const order = { id: 'a1b2c3d4e5f6', status: 'pending', lineItems: [{ lineItemNumber: 0, offerId: 'P:S:A', quantity: 40 }] };
    const { client } = await setUp(() => json(201, { orders: [order], orderErrors: [] }));
    const result = await client.checkoutCart('c1', 'cart-1', 'checkout-rid');
    expect(result.data.orders[0].id).toBe('a1b2c3d4e5f6');
    expect(result.requestId).toBe('checkout-rid');
    expect(result.correlationId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('maps a checkout business error (800065) without retrying', async () => {
    const { client, requests } = await setUp(() => json(400, { code: 800065, description: 'Cart already submitted', source: 'PartnerFD' }));
    const error: unknown = await client.checkoutCart('c1', 'cart-1', 'rid').catch((caught: unknown) => caught);
    expect(isApiError(error) && error.code).toBe('800065');
    expect(requests).toHaveLength(1);
  });

  it('sends licenseupdates with the persisted request id and the App+User token', async () => {
    const { client, requests } = await setUp(() => json(201, { licensesToAssign: [{ skuId: 'new' }], licenseWarnings: [] }));
    const update = { licensesToAssign: [{ skuId: 'new', excludedPlans: null }], licensesToRemove: ['old'] };
    const result = await client.updateUserLicenses('c1', 'u1', update, 'lic-rid');
    expect(result.data.licensesToAssign).toEqual([{ skuId: 'new' }]);
    expect(requests[0].headers['ms-requestid']).toBe('lic-rid');
    expect(requests[0].headers.authorization).toBe(`Bearer ${USER_TOKEN}`);
    expect(requests[0].body).toEqual({ ...update, attributes: { objectType: 'LicenseUpdate' } });
  });

  it('reads orders and order provisioning status in both documented forms', async () => {
    const { client } = await setUp((request) => {
      if (request.path === '/v1/customers/c1/orders/o1/provisioningstatus') {
        return json(200, { totalCount: 1, items: [{ lineItemNumber: 0, status: 'fulfilled' }], attributes: { objectType: 'Collection' } });
      }
      if (request.path === '/v1/customers/c1/orders/o2/provisioningstatus') return json(200, { skuId: 'X', status: 'pending', quantity: 3 });
      if (request.path === '/v1/customers/c1/orders') return json(200, { totalCount: 1, items: [{ id: 'o1', status: 'completed', lineItems: [] }], attributes: { objectType: 'Collection' } });
      return json(200, { id: 'o1', status: 'completed', lineItems: [] });
    });
    expect((await client.listOrders('c1')).map((o) => o.id)).toEqual(['o1']);
    expect((await client.getOrder('c1', 'o1')).status).toBe('completed');
    expect(await client.getOrderProvisioningStatus('c1', 'o1')).toEqual([{ lineItemNumber: 0, status: 'fulfilled' }]);
    expect(await client.getOrderProvisioningStatus('c1', 'o2')).toEqual([{ skuId: 'X', status: 'pending', quantity: 3 }]);
  });

  it('creates a legacy order without retrying it', async () => {
    const { client, requests } = await setUp(() => json(500, {}));
    const order = { lineItems: [{ lineItemNumber: 0, offerId: 'legacy-offer', quantity: 5 }], billingCycle: 'monthly' };
    await expect(client.createLegacyOrder('c1', order, 'legacy-rid')).rejects.toMatchObject({ status: 500 });
    expect(requests).toHaveLength(1);
    expect(requests[0].body).toEqual(order);
  });
});

describe('PartnerCenterClient catalog', () => {
  const basicSkuId = '3b555118-da6a-4418-894f-7df1e2096870';
  const catalog: Handler = (request) => {
    const collection = (items: unknown[]) => json(200, { totalCount: items.length, items, attributes: { objectType: 'Collection' } });
    if (request.path === '/v1/products') {
      return collection([
        { id: 'CFQ7TTC0LF8S', title: 'Office 365 E5' },
        { id: 'CFQ7TTC0LH18', title: 'Microsoft 365 Business Basic' },
      ]);
    }
    if (request.path === '/v1/products/CFQ7TTC0LF8S/skus') {
      return collection([{ id: '0001', productId: 'CFQ7TTC0LF8S', title: 'Office 365 E5', dynamicAttributes: { provisioningId: 'c7df2760-2c81-4ef7-b578-5b5392b571df' } }]);
    }
    if (request.path === '/v1/products/CFQ7TTC0LH18/skus') {
      return collection([{ id: '0001', productId: 'CFQ7TTC0LH18', title: 'Microsoft 365 Business Basic', dynamicAttributes: { provisioningId: basicSkuId.toUpperCase() } }]);
    }
    if (request.path === '/v1/products/CFQ7TTC0LH18/skus/0001/availabilities') {
      return collection([
        { id: 'OLD', productId: 'CFQ7TTC0LH18', skuId: '0001', catalogItemId: 'CFQ7TTC0LH18:0001:OLD', isPurchasable: false },
        { id: 'CFQ7TTC0K971', productId: 'CFQ7TTC0LH18', skuId: '0001', catalogItemId: 'CFQ7TTC0LH18:0001:CFQ7TTC0K971', terms: [{ duration: 'P1Y' }] },
      ]);
    }
    return json(404, { code: 0, description: 'not found', source: 'test' });
  };

  it('resolves PRODUCT:SKU:AVAILABILITY by provisioningId, skipping unpurchasable availabilities', async () => {
    const { client, requests } = await setUp(catalog);
    const item = await client.findCatalogItemByProvisioningId('US', basicSkuId, { segment: 'commercial' });
    expect(item).toMatchObject({ catalogItemId: 'CFQ7TTC0LH18:0001:CFQ7TTC0K971', matchedBy: 'provisioningId' });
    expect(requests[0].url).toBe('/v1/products?country=US&targetView=OnlineServices&targetSegment=commercial');
  });

  it('falls back to the title, and returns undefined when nothing matches', async () => {
    const { client } = await setUp(catalog);
    const byTitle = await client.findCatalogItemByProvisioningId('US', '00000000-0000-0000-0000-000000000001', { title: 'microsoft 365 business basic' });
    expect(byTitle).toMatchObject({ catalogItemId: 'CFQ7TTC0LH18:0001:CFQ7TTC0K971', matchedBy: 'title' });
    expect(await client.findCatalogItemByProvisioningId('US', '00000000-0000-0000-0000-000000000001')).toBeUndefined();
  });
});
