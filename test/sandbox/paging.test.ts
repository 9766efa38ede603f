import type { RunningSandbox } from '../../sandbox/server';
import { GRAPH_AUDIENCE, KAIZALA_SKU, SandboxClient, startTestSandbox, type Json } from './support';

let sandbox: RunningSandbox;
let client: SandboxClient;

beforeAll(async () => {
  ({ sandbox, client } = await startTestSandbox());
});
afterAll(() => sandbox.close());

/** Follows links.next with its headers until it disappears, as a Partner Center client must. */
async function followPartnerCenterPages(firstPath: string, token?: string): Promise<{ pages: Json[]; items: Json[] }> {
  const pages: Json[] = [];
  let reply = await client.pc('GET', firstPath, { token });
  expect(reply.status).toBe(200);
  pages.push(reply.body);
  while (reply.body.links.next) {
    const next = reply.body.links.next;
    const headers = Object.fromEntries(next.headers.map((header: { key: string; value: string }) => [header.key, header.value]));
    const path = next.uri.startsWith('/v1') ? next.uri.slice(3) : next.uri;
    reply = await client.pc('GET', path, { token, headers });
    expect(reply.status).toBe(200);
    pages.push(reply.body);
  }
  return { pages, items: pages.flatMap((page) => page.items) };
}

describe('Partner Center customer paging', () => {
  test('size is required on /customers', async () => {
    const reply = await client.pc('GET', '/customers');
    expect(reply.status).toBe(400);
    expect(reply.body).toMatchObject({ code: 800002, source: 'PartnerFD' });
  });

  test('links.next carries MS-ContinuationToken and seekOperation=Next, and disappears on the last page', async () => {
    const first = await client.pc('GET', '/customers?size=10');
    expect(first.body.attributes.objectType).toBe('Collection');
    expect(first.body.links.self.uri).toBe('/v1/customers?size=10');
    expect(first.body.links.next.uri).toBe('/v1/customers?size=10&seekOperation=Next');
    expect(first.body.links.next.headers[0].key).toBe('MS-ContinuationToken');
    const { pages, items } = await followPartnerCenterPages('/customers?size=10');
    expect(pages.length).toBe(Math.ceil(items.length / 10));
    expect(pages.at(-1).links.next).toBeUndefined();
    expect(new Set(items.map((item) => item.id)).size).toBe(items.length);
    expect(items.length).toBe((await client.customers()).length);
  });

  test('a Next call without a valid continuation token is refused', async () => {
    const reply = await client.pc('GET', '/customers?size=10&seekOperation=Next', { headers: { 'MS-ContinuationToken': 'garbage' } });
    expect(reply.status).toBe(400);
    expect(reply.body.code).toBe(800002);
  });
});

describe('Partner Center subscription paging', () => {
  test('a long subscription list follows the same convention, with a link without /v1', async () => {
    const customerId = await client.customerNamed('Contoso Pharmaceuticals');
    await client.admin('PUT', '/knobs', { subscriptionsPageSize: 2 });
    try {
      const first = await client.pc('GET', `/customers/${customerId}/subscriptions`);
      expect(first.body.links.next.uri).toBe(`/customers/${customerId}/subscriptions?seekOperation=Next`);
      const { pages, items } = await followPartnerCenterPages(`/customers/${customerId}/subscriptions`);
      expect(pages).toHaveLength(2);
      expect(items).toHaveLength(3);
    } finally {
      await client.admin('PUT', '/knobs', { subscriptionsPageSize: 100 });
    }
  });
});

describe('Partner Center user paging', () => {
  test('pages over every user of a large customer', async () => {
    const big = (await client.customers()).find((customer) => customer.users > 300);
    expect(big).toBeDefined();
    const { pages, items } = await followPartnerCenterPages(`/customers/${big?.id}/users?size=100`, client.userToken);
    expect(pages.length).toBe(Math.ceil((big?.users ?? 0) / 100));
    expect(items).toHaveLength(big?.users ?? 0);
    expect(items[0].attributes.objectType).toBe('CustomerUser');
    expect(pages[0].links.next.uri).toContain('/v1/customers/');
  });
});

describe('Graph user paging', () => {
  /**
   * The partner admin's delegated (GDAP) token for the tenant: the large demo customers, like most under GDAP, gave
   * the partner's app no app-only consent.
   */
  const delegated = (tenantId: string) => client.token({ aud: GRAPH_AUDIENCE, tid: tenantId, idtyp: 'user' });

  test('follows absolute @odata.nextLink with $skiptoken and keeps the query', async () => {
    const big = (await client.customers()).find((customer) => customer.users > 300);
    const tenant = big?.id ?? '';
    const filter = `assignedLicenses/any(x:x/skuId eq ${KAIZALA_SKU})`;
    let reply = await client.graph('GET', tenant, `/users?$select=id,assignedLicenses&$filter=${encodeURIComponent(filter)}&$top=120`, { token: delegated(tenant) });
    const seen: Json[] = [];
    let pages = 0;
    for (;;) {
      expect(reply.status).toBe(200);
      pages += 1;
      seen.push(...reply.body.value);
      const next: string | undefined = reply.body['@odata.nextLink'];
      if (!next) break;
      expect(next.startsWith(sandbox.graphBaseUrl)).toBe(true);
      expect(next).toContain('$skiptoken=');
      reply = await client.request('GET', next, { token: delegated(tenant) });
    }
    expect(pages).toBeGreaterThan(1);
    expect(seen.every((user) => Object.keys(user).sort().join() === 'assignedLicenses,id')).toBe(true);
    expect(seen.every((user) => user.assignedLicenses.some((license: Json) => license.skuId === KAIZALA_SKU))).toBe(true);
    const state = await client.state(tenant);
    const holders = state.users.filter((user: Json) => user.licenses.some((license: Json) => license.skuId === KAIZALA_SKU));
    expect(seen).toHaveLength(holders.length);
  });

  test('defaults to 100 per page, refuses $top above 999, and omits licenses without $select', async () => {
    const big = (await client.customers()).find((customer) => customer.users > 300);
    const tenant = big?.id ?? '';
    const first = await client.graph('GET', tenant, '/users', { token: delegated(tenant) });
    expect(first.body.value).toHaveLength(100);
    expect(first.body.value[0].assignedLicenses).toBeUndefined();
    expect(first.body.value[0].userPrincipalName).toBeDefined();
    const tooMany = await client.graph('GET', tenant, '/users?$top=1000', { token: delegated(tenant) });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.code).toBe('Request_BadRequest');
    expect(tooMany.body.error.innerError['request-id']).toBeDefined();
    const all = await client.graph('GET', tenant, '/users?$top=999&$count=true', { token: delegated(tenant), headers: { ConsistencyLevel: 'eventual' } });
    expect(all.body['@odata.count']).toBe(big?.users);
    expect(all.body['@odata.nextLink']).toBeUndefined();
  });

  test('reads one user by id or UPN', async () => {
    const tenant = (await client.customers())[0].id;
    const list = await client.graph('GET', tenant, '/users?$top=1&$select=id,userPrincipalName');
    const [user] = list.body.value;
    const byUpn = await client.graph('GET', tenant, `/users/${encodeURIComponent(user.userPrincipalName)}?$select=id,usageLocation`);
    expect(byUpn.body.id).toBe(user.id);
    const missing = await client.graph('GET', tenant, '/users/nobody@nowhere.example');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('Request_ResourceNotFound');
  });
});
