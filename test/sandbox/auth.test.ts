import type { RunningSandbox } from '../../sandbox/server';
import { GRAPH_AUDIENCE, PARTNER_TENANT, PC_AUDIENCE, SandboxClient, startTestSandbox } from './support';

let sandbox: RunningSandbox;
let client: SandboxClient;
let customerId: string;
let userId: string;

beforeAll(async () => {
  ({ sandbox, client } = await startTestSandbox());
  customerId = await client.customerNamed('Contoso Ltd');
  userId = (await client.state(customerId)).users[0].id;
});
afterAll(() => sandbox.close());

describe('tokens', () => {
  test('a call without a token gets 401 in each API’s shape', async () => {
    const pc = await client.pc('GET', '/customers?size=1', { token: null });
    expect(pc.status).toBe(401);
    expect(pc.body).toMatchObject({ code: 400, source: 'PartnerFD' });
    expect(pc.headers.get('www-authenticate')).toContain('urn:cpsvc:cpid');
    const graph = await client.graph('GET', customerId, '/users', { token: null });
    expect(graph.status).toBe(401);
    expect(graph.body.error.code).toBe('InvalidAuthenticationToken');
  });

  test('expired tokens and tokens for the other API are refused', async () => {
    const expired = client.token({ aud: PC_AUDIENCE, tid: PARTNER_TENANT, exp: Math.floor(Date.now() / 1000) - 60 });
    expect((await client.pc('GET', '/customers?size=1', { token: expired })).status).toBe(401);
    const graphToken = client.token({ aud: GRAPH_AUDIENCE, tid: customerId });
    expect((await client.pc('GET', '/customers?size=1', { token: graphToken })).status).toBe(401);
    const pcToken = client.token({ aud: PC_AUDIENCE, tid: customerId });
    expect((await client.graph('GET', customerId, '/users', { token: pcToken })).status).toBe(401);
  });

  test('Graph selects the tenant from tid; an unknown tenant is refused', async () => {
    const unknown = await client.graph('GET', '99999999-9999-4999-8999-999999999999', '/subscribedSkus');
    expect(unknown.status).toBe(401);
    const other = await client.customerNamed('Fabrikam Inc');
    const users = await client.graph('GET', other, '/users?$select=userPrincipalName&$top=1');
    expect(users.body.value[0].userPrincipalName).toMatch(/@fabrikaminc\.onmicrosoft\.com$/);
  });
});

describe('App+User-only routes', () => {
  test.each([
    ['provisioningstatus', () => `/customers/${customerId}/orders/none/provisioningstatus`, 403, 900329],
    ['subscribedskus', () => `/customers/${customerId}/subscribedskus`, 403, 900329],
    ['users', () => `/customers/${customerId}/users`, 403, 900329],
    ['user licenses', () => `/customers/${customerId}/users/${userId}/licenses`, 400, 900316],
  ])('%s refuses an app-only token', async (_name, path, status, code) => {
    const reply = await client.pc('GET', path(), { token: client.appToken });
    expect(reply.status).toBe(status);
    expect(reply.body.code).toBe(code);
    const asUser = await client.pc('GET', path(), { token: client.userToken });
    expect([200, 404]).toContain(asUser.status);
  });

  test('licenseupdates refuses app-only with 400 900316', async () => {
    const reply = await client.pc('POST', `/customers/${customerId}/users/${userId}/licenseupdates`, {
      body: { licensesToAssign: [], licensesToRemove: ['00000000-0000-4000-8000-00000000c0de'] },
    });
    expect(reply.status).toBe(400);
    expect(reply.body.code).toBe(900316);
  });

  test('MFA is enforced from the configured date for App+User calls', async () => {
    await client.admin('PUT', '/knobs', { mfaRequiredFrom: '2000-01-01T00:00:00Z' });
    try {
      const without = await client.pc('GET', `/customers/${customerId}/subscribedskus`, { token: client.userToken });
      expect(without.status).toBe(401);
      const mfa = client.token({ aud: PC_AUDIENCE, tid: PARTNER_TENANT, idtyp: 'user', amr: ['pwd', 'mfa'] });
      expect((await client.pc('GET', `/customers/${customerId}/subscribedskus`, { token: mfa })).status).toBe(200);
    } finally {
      await client.admin('PUT', '/knobs', { mfaRequiredFrom: null });
    }
  });
});

describe('per-customer access switches', () => {
  test('missing GDAP role → 900308, Conditional Access → 900309, no Graph consent → Authorization_RequestDenied', async () => {
    const humongous = await client.customerNamed('Humongous Insurance');
    const noRole = await client.pc('GET', `/customers/${humongous}/subscribedskus`, { token: client.userToken });
    expect(noRole.status).toBe(403);
    expect(noRole.body.code).toBe(900308);
    const graph = await client.graph('GET', humongous, '/subscribedSkus');
    expect(graph.status).toBe(403);
    expect(graph.body.error.code).toBe('Authorization_RequestDenied');
    // partner-side resources stay reachable app-only
    expect((await client.pc('GET', `/customers/${humongous}/subscriptions`)).status).toBe(200);

    await client.admin('PATCH', `/customers/${customerId}`, { access: { conditionalAccessBlocked: true } });
    const blocked = await client.pc('GET', `/customers/${customerId}/users`, { token: client.userToken });
    expect(blocked.body.code).toBe(900309);
    await client.admin('PATCH', `/customers/${customerId}`, { access: { conditionalAccessBlocked: false } });
    expect((await client.pc('GET', `/customers/${customerId}/users`, { token: client.userToken })).status).toBe(200);
  });
});

describe('headers', () => {
  test('MS-RequestId and MS-CorrelationId are echoed and MS-CV is sent; Graph echoes client-request-id', async () => {
    const reply = await client.pc('GET', '/customers?size=1', {
      headers: { 'MS-RequestId': 'aaaaaaaa-0000-4000-8000-000000000001', 'MS-CorrelationId': 'bbbbbbbb-0000-4000-8000-000000000002' },
    });
    expect(reply.headers.get('ms-requestid')).toBe('aaaaaaaa-0000-4000-8000-000000000001');
    expect(reply.headers.get('ms-correlationid')).toBe('bbbbbbbb-0000-4000-8000-000000000002');
    expect(reply.headers.get('ms-cv')).toBeTruthy();
    const graph = await client.graph('GET', customerId, '/subscribedSkus', { headers: { 'client-request-id': 'cccccccc-0000-4000-8000-000000000003' } });
    expect(graph.headers.get('client-request-id')).toBe('cccccccc-0000-4000-8000-000000000003');
    expect(graph.headers.get('request-id')).toBeTruthy();
  });

  test('unknown routes answer in the API’s error shape', async () => {
    const missing = await client.pc('GET', '/nothing-here');
    expect(missing.status).toBe(404);
    expect(missing.body.source).toBe('PartnerFD');
    const graphMissing = await client.graph('GET', customerId, '/nothing-here');
    expect(graphMissing.body.error.code).toBe('BadRequest');
  });
});
