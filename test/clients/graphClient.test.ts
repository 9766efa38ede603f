import { GraphClient } from '../../services/graph/graphClient';
import type { BatchRequest, BatchResponse } from '../../services/graph/types';
import { isApiError, isAuthFailure } from '../../services/http/errors';
import { createTestHttp, json, startFakeServer, type FakeServer, type Handler } from './fakeServer';

const TENANT_A = '11111111-1111-4111-8111-111111111111';
const TENANT_B = '22222222-2222-4222-8222-222222222222';
const E3 = '05e9a617-0261-4cee-bb44-138d3ef5d965';
const KAIZALA = '00000000-0000-4000-8000-00000000c0de';

let server: FakeServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function setUp(handler: Handler) {
  server = await startFakeServer(handler);
  const test = createTestHttp();
  const tokenRequests: string[] = [];
  const client = new GraphClient({
    http: test.http,
    baseUrl: `${server.url}/graph/v1.0`,
    getToken: async (tenantId) => {
      tokenRequests.push(tenantId);
      return `token-for-${tenantId}`;
    },
    batchPartBackoffMs: 500,
  });
  return { client, test, requests: server.requests, tokenRequests, baseUrl: `${server.url}/graph/v1.0` };
}

describe('GraphClient users', () => {
  it('filters by SKU, asks for 999 per page and follows @odata.nextLink verbatim', async () => {
    let baseUrl = '';
    const { client, requests } = await setUp((request) => {
      const skip = request.query.get('$skiptoken');
      if (skip === null) return json(200, { value: [{ id: 'u1' }, { id: 'u2' }], '@odata.nextLink': `${baseUrl}/users?$top=999&$skiptoken=PAGE2%2Bx` });
      if (skip === 'PAGE2+x') return json(200, { value: [{ id: 'u3' }], '@odata.nextLink': `${baseUrl}/users?$top=999&$skiptoken=PAGE3` });
      return json(200, { value: [{ id: 'u4' }] });
    });
    baseUrl = `${server?.url ?? ''}/graph/v1.0`;

    const users = await client.listUsers(TENANT_A, { skuId: KAIZALA });
    expect(users.map((user) => user.id)).toEqual(['u1', 'u2', 'u3', 'u4']);
    expect(requests).toHaveLength(3);
    const first = requests[0];
    expect(first.path).toBe('/graph/v1.0/users');
    expect(first.query.get('$top')).toBe('999');
    expect(first.query.get('$filter')).toBe(`assignedLicenses/any(x:x/skuId eq ${KAIZALA})`);
    expect(first.query.get('$select')).toBe('id,userPrincipalName,displayName,usageLocation,assignedLicenses,licenseAssignmentStates');
    // Verbatim: the encoded skip token reaches the server exactly as Graph wrote it.
    expect(requests[1].url).toBe('/graph/v1.0/users?$top=999&$skiptoken=PAGE2%2Bx');
    expect(requests.every((request) => request.headers.authorization === `Bearer token-for-${TENANT_A}`)).toBe(true);
  });

  it('refuses a skuId that is not a GUID (it goes into $filter)', async () => {
    const { client, requests } = await setUp(() => json(200, { value: [] }));
    await expect(client.listUsers(TENANT_A, { skuId: "x') or true" })).rejects.toThrow(TypeError);
    expect(requests).toHaveLength(0);
  });

  it('gets one user by UPN with a token for that tenant', async () => {
    const { client, requests, tokenRequests } = await setUp(() => json(200, { id: 'u1', userPrincipalName: 'ann@fabrikam.test' }));
    const user = await client.getUser(TENANT_B, 'ann@fabrikam.test', ['id', 'usageLocation']);
    expect(user.id).toBe('u1');
    expect(requests[0].path).toBe('/graph/v1.0/users/ann%40fabrikam.test');
    expect(requests[0].query.get('$select')).toBe('id,usageLocation');
    expect(tokenRequests).toEqual([TENANT_B]);
  });

  it('lists subscribed SKUs', async () => {
    const sku = {
      id: `${TENANT_A}_${E3}`,
      skuId: E3,
      skuPartNumber: 'SPE_E3',
      appliesTo: 'User',
      capabilityStatus: 'Enabled',
      consumedUnits: 14,
      prepaidUnits: { enabled: 25, suspended: 0, warning: 0, lockedOut: 0 },
      subscriptionIds: ['s'],
      servicePlans: [],
    };
    const { client, requests } = await setUp(() => json(200, { value: [sku] }));
    expect(await client.listSubscribedSkus(TENANT_A, ['skuId'])).toEqual([sku]);
    expect(requests[0].url).toBe('/graph/v1.0/subscribedSkus?$select=skuId');
  });

  it('maps a Graph authorization error and does not retry it', async () => {
    const { client, requests } = await setUp(() =>
      json(403, { error: { code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' } }),
    );
    const error: unknown = await client.listSubscribedSkus(TENANT_A).catch((caught: unknown) => caught);
    expect(isApiError(error) && error.code).toBe('Authorization_RequestDenied');
    expect(isAuthFailure(error)).toBe(true);
    expect(requests).toHaveLength(1);
  });
});

describe('GraphClient assignLicense', () => {
  it('always sends both arrays and disabledPlans, even when only adding', async () => {
    const { client, requests } = await setUp(() => json(200, { id: 'u1', assignedLicenses: [{ skuId: E3, disabledPlans: [] }] }));
    const result = await client.assignLicense(TENANT_A, 'u1', { addLicenses: [{ skuId: E3 }] });
    expect(result.data.assignedLicenses).toEqual([{ skuId: E3, disabledPlans: [] }]);
    expect(requests[0].method).toBe('POST');
    expect(requests[0].path).toBe('/graph/v1.0/users/u1/assignLicense');
    expect(requests[0].body).toEqual({ addLicenses: [{ skuId: E3, disabledPlans: [] }], removeLicenses: [] });
    expect(result.correlationId).toBe(requests[0].headers['client-request-id']);
  });

  it('sends an empty addLicenses when only removing, and both in one call for a swap', async () => {
    const { client, requests } = await setUp(() => json(200, { id: 'u1' }));
    await client.assignLicense(TENANT_A, 'u1', { removeLicenses: [KAIZALA] });
    await client.assignLicense(TENANT_A, 'u1', { addLicenses: [{ skuId: E3, disabledPlans: ['p1'] }], removeLicenses: [KAIZALA] });
    expect(requests[0].body).toEqual({ addLicenses: [], removeLicenses: [KAIZALA] });
    expect(requests[1].body).toEqual({ addLicenses: [{ skuId: E3, disabledPlans: ['p1'] }], removeLicenses: [KAIZALA] });
  });

  it('maps the no-seats 400 to an ApiError', async () => {
    const { client } = await setUp(() =>
      json(400, { error: { code: 'Request_BadRequest', message: 'License assignment failed because service plans do not have any available licenses.' } }),
    );
    await expect(client.assignLicense(TENANT_A, 'u1', { addLicenses: [{ skuId: E3 }] })).rejects.toMatchObject({
      service: 'graph',
      status: 400,
      code: 'Request_BadRequest',
      retryable: false,
    });
  });
});

function assignRequest(id: string, userId = `user-${id}`): BatchRequest {
  return {
    id,
    method: 'POST',
    url: `/users/${userId}/assignLicense`,
    headers: { 'Content-Type': 'application/json' },
    body: { addLicenses: [{ skuId: E3, disabledPlans: [] }], removeLicenses: [KAIZALA] },
  };
}

describe('GraphClient batch', () => {
  it('refuses more than 20 requests and duplicate ids before sending anything', async () => {
    const { client, requests } = await setUp(() => json(200, { responses: [] }));
    const tooMany = Array.from({ length: 21 }, (_unused, index) => assignRequest(String(index + 1)));
    await expect(client.batch(TENANT_A, tooMany)).rejects.toThrow(/at most 20/);
    await expect(client.batch(TENANT_A, [assignRequest('1'), assignRequest('1', 'other')])).rejects.toThrow(/unique/);
    expect(requests).toHaveLength(0);
  });

  it('returns per-part results in request order and resends only the 429 parts after the largest Retry-After', async () => {
    const { client, requests, test } = await setUp((request, index) => {
      const parts = (request.body as { requests: BatchRequest[] }).requests;
      const responses = parts.map((part): BatchResponse => {
        if (index === 0 && part.id === '2') return { id: '2', status: 429, headers: { 'Retry-After': '4' }, body: { error: { code: 'TooManyRequests' } } };
        if (index === 0 && part.id === '3') return { id: '3', status: 429, headers: { 'retry-after': '9' }, body: {} };
        if (part.id === '4') return { id: '4', status: 400, body: { error: { code: 'Request_BadRequest', message: 'usage location' } } };
        return { id: part.id, status: 200, body: { id: `user-${part.id}` } };
      });
      // Graph answers parts in any order.
      return json(200, { responses: responses.reverse() });
    });

    const results = await client.batch(TENANT_A, ['1', '2', '3', '4'].map((id) => assignRequest(id)));
    expect(results.map((part) => [part.id, part.status])).toEqual([
      ['1', 200],
      ['2', 200],
      ['3', 200],
      ['4', 400],
    ]);
    expect(requests).toHaveLength(2);
    expect(requests[0].path).toBe('/graph/v1.0/$batch');
    expect((requests[1].body as { requests: BatchRequest[] }).requests.map((part) => part.id)).toEqual(['2', '3']);
    expect(test.sleeps).toEqual([9_000]);
  });

  it('resends a part that failed with 424 only because its dependency was throttled', async () => {
    const { client, requests } = await setUp((request, index) => {
      const parts = (request.body as { requests: BatchRequest[] }).requests;
      return json(200, {
        responses: parts.map((part) => {
          if (index === 0 && part.id === '2') return { id: '2', status: 429, headers: { 'Retry-After': '1' } };
          if (index === 0 && part.id === '3') return { id: '3', status: 424 };
          return { id: part.id, status: 200 };
        }),
      });
    });
    const batch = [assignRequest('1'), assignRequest('2'), { ...assignRequest('3'), dependsOn: ['1', '2'] }];
    const results = await client.batch(TENANT_A, batch);
    expect(results.map((part) => part.status)).toEqual([200, 200, 200]);
    const resent = (requests[1].body as { requests: BatchRequest[] }).requests;
    // Part 1 already succeeded, so it is neither resent nor named as a dependency.
    expect(resent.map((part) => [part.id, part.dependsOn])).toEqual([
      ['2', undefined],
      ['3', ['2']],
    ]);
  });

  it('stops resending after the bounded number of rounds and returns the 429 parts', async () => {
    const { client, requests } = await setUp((request) => {
      const parts = (request.body as { requests: BatchRequest[] }).requests;
      return json(200, { responses: parts.map((part) => ({ id: part.id, status: 429 })) });
    });
    const results = await client.batch(TENANT_A, [assignRequest('1')]);
    expect(results).toEqual([{ id: '1', status: 429 }]);
    expect(requests).toHaveLength(1 + 3);
  });
});
