import { inspect } from 'node:util';
import { withCorrelation } from '../../services/observability/correlation';
import axios from 'axios';
import { ApiHttp, type ApiRequest } from '../../services/http/apiHttp';
import { ApiError, isApiError, isAuthFailure } from '../../services/http/errors';
import { createTestHttp, getTestToken, json, startFakeServer, TOKEN, type FakeServer } from './fakeServer';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

let server: FakeServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function pcGet(url: string, extra: Partial<ApiRequest> = {}): ApiRequest {
  return { service: 'partnerCenter', method: 'GET', url, getToken: getTestToken, ...extra };
}

async function captureError(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (error) {
    if (isApiError(error)) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

describe('ApiHttp headers and ids', () => {
  it('sends bearer token, MS-RequestId, a new MS-CorrelationId per call, MS-Contract-Version and Accept', async () => {
    server = await startFakeServer(() => json(200, { ok: true }));
    const { http } = createTestHttp();
    const first = await http.request<{ ok: boolean }>(pcGet(`${server.url}/v1/customers/c1`));
    await http.request(pcGet(`${server.url}/v1/customers/c1`));

    const [a, b] = server.requests;
    expect(first.data).toEqual({ ok: true });
    expect(a.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(a.headers['ms-contract-version']).toBe('v1');
    expect(a.headers.accept).toBe('application/json');
    expect(a.headers['ms-requestid']).toMatch(GUID);
    expect(a.headers['ms-correlationid']).toMatch(GUID);
    expect(first.requestId).toBe(a.headers['ms-requestid']);
    expect(first.correlationId).toBe(a.headers['ms-correlationid']);
    // The next logical operation gets a new MS-RequestId, and every call a new correlation id.
    expect(b.headers['ms-requestid']).not.toBe(a.headers['ms-requestid']);
    expect(b.headers['ms-correlationid']).not.toBe(a.headers['ms-correlationid']);
  });

  it('sends the correlation id of the activity, scan or run it serves as MS-CorrelationId and client-request-id', async () => {
    const fake = await startFakeServer(() => json(200, { value: [] }));
    server = fake;
    const { http } = createTestHttp();
    const activityId = '6f1c0a52-3c1e-4f7a-9b7e-2f4d8c1e5a90';
    await withCorrelation(activityId, async () => {
      await http.request(pcGet(`${fake.url}/v1/customers/c1`));
      await http.request({ service: 'graph', method: 'GET', url: `${fake.url}/graph/v1.0/users`, getToken: getTestToken });
    });
    expect(fake.requests.map((r) => r.headers['ms-correlationid'] ?? r.headers['client-request-id'])).toEqual([activityId, activityId]);
    // Each logical operation still has its own MS-RequestId.
    expect(fake.requests[0].headers['ms-requestid']).toMatch(GUID);
  });

  it('uses a caller-supplied persisted MS-RequestId', async () => {
    server = await startFakeServer(() => json(201, {}));
    const { http } = createTestHttp();
    await http.request(pcGet(`${server.url}/v1/x`, { method: 'POST', requestId: 'persisted-id-1', body: { a: 1 } }));
    expect(server.requests[0].headers['ms-requestid']).toBe('persisted-id-1');
    expect(server.requests[0].body).toEqual({ a: 1 });
  });

  it('sends client-request-id, not Partner Center headers, to Graph', async () => {
    server = await startFakeServer(() => json(200, { value: [] }));
    const { http } = createTestHttp();
    const response = await http.request({ service: 'graph', method: 'GET', url: `${server.url}/graph/v1.0/users`, getToken: getTestToken });
    const headers = server.requests[0].headers;
    expect(headers['client-request-id']).toBe(response.correlationId);
    expect(headers['ms-contract-version']).toBeUndefined();
    expect(headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it('does not let caller headers replace the Authorization or id headers', async () => {
    server = await startFakeServer(() => json(200, {}));
    const { http } = createTestHttp();
    await http.request(pcGet(`${server.url}/v1/x`, { headers: { Authorization: 'Bearer forged', 'MS-RequestId': 'forged', 'If-Match': '"e1"' } }));
    const headers = server.requests[0].headers;
    expect(headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(headers['ms-requestid']).not.toBe('forged');
    expect(headers['if-match']).toBe('"e1"');
  });
});

describe('ApiHttp retries', () => {
  it('honours Retry-After seconds on 429 and keeps the same MS-RequestId', async () => {
    server = await startFakeServer((_request, index) =>
      index === 0 ? json(429, { statusCode: 429, message: 'Rate limit is exceeded. Try again in 57 seconds.' }, { 'Retry-After': '7' }) : json(200, {}),
    );
    const test = createTestHttp();
    await test.http.request(pcGet(`${server.url}/v1/customers`));
    expect(test.sleeps).toEqual([7_000]);
    expect(test.throttles).toBe(1);
    const [a, b] = server.requests;
    expect(b.headers['ms-requestid']).toBe(a.headers['ms-requestid']);
    expect(b.headers['ms-correlationid']).not.toBe(a.headers['ms-correlationid']);
  });

  it('reads "Try again in N seconds" from the Partner Center 429 body when no header is sent', async () => {
    server = await startFakeServer((_request, index) =>
      index === 0 ? json(429, { statusCode: 429, message: 'Rate limit is exceeded. Try again in 3 seconds.' }) : json(200, {}),
    );
    const test = createTestHttp();
    await test.http.request(pcGet(`${server.url}/v1/customers`));
    expect(test.sleeps).toEqual([3_000]);
  });

  it('honours Retry-After given as an HTTP date', async () => {
    const now = Date.parse('2026-05-02T09:00:00Z');
    server = await startFakeServer((_request, index) =>
      index === 0 ? json(429, {}, { 'Retry-After': 'Sat, 02 May 2026 09:00:12 GMT' }) : json(200, {}),
    );
    const test = createTestHttp({ now: () => now });
    await test.http.request(pcGet(`${server.url}/v1/customers`));
    expect(test.sleeps).toEqual([12_000]);
  });

  it('really waits out a one-second Retry-After with the default sleep', async () => {
    server = await startFakeServer((_request, index) => (index === 0 ? json(429, {}, { 'Retry-After': '1' }) : json(200, {})));
    const http = new ApiHttp({ axios: axios.create() });
    await http.request(pcGet(`${server.url}/v1/customers`));
    const gap = server.requests[1].receivedAt - server.requests[0].receivedAt;
    expect(gap).toBeGreaterThanOrEqual(950);
    expect(gap).toBeLessThan(3_000);
  });

  it('retries 5xx with full-jitter exponential backoff and the same MS-RequestId', async () => {
    server = await startFakeServer((_request, index) => (index < 3 ? json(503, { code: 'ServiceUnavailable', description: 'busy' }) : json(200, {})));
    const test = createTestHttp({ random: () => 0.5, retryPolicy: { baseDelayMs: 100, maxDelayMs: 10_000 } });
    await test.http.request(pcGet(`${server.url}/v1/customers`));
    // Ceilings 100, 200, 400 → half of each with random() = 0.5.
    expect(test.sleeps).toEqual([50, 100, 200]);
    expect(new Set(server.requests.map((request) => request.headers['ms-requestid'])).size).toBe(1);
    expect(new Set(server.requests.map((request) => request.headers['ms-correlationid'])).size).toBe(4);
  });

  it('retries a timeout with the same MS-RequestId, and the next logical call gets a new one', async () => {
    server = await startFakeServer((_request, index) => (index === 0 ? 'hang' : json(200, { n: index })));
    const test = createTestHttp({ timeoutMs: 200 });
    const response = await test.http.request<{ n: number }>(pcGet(`${server.url}/v1/customers/c1/subscriptions`));
    expect(response.data).toEqual({ n: 1 });
    expect(response.attempts).toBe(2);
    const [timedOut, retried] = server.requests;
    expect(retried.headers['ms-requestid']).toBe(timedOut.headers['ms-requestid']);
    expect(test.logs[0]).toMatchObject({ outcome: 'retry', errorCode: 'Timeout', status: undefined });

    await test.http.request(pcGet(`${server.url}/v1/customers/c1/subscriptions`));
    expect(server.requests[2].headers['ms-requestid']).not.toBe(timedOut.headers['ms-requestid']);
  });

  it('retries a dropped connection', async () => {
    server = await startFakeServer((_request, index) => (index === 0 ? 'reset' : json(200, {})));
    const test = createTestHttp();
    await test.http.request(pcGet(`${server.url}/v1/customers`));
    expect(server.requests).toHaveLength(2);
    expect(test.logs[0]).toMatchObject({ outcome: 'retry', errorCode: 'NetworkError' });
  });

  it('stops after maxAttempts and reports the last error with its attempt count', async () => {
    server = await startFakeServer(() => json(500, { code: 500, description: 'boom', source: 'PartnerFD' }));
    const test = createTestHttp({ retryPolicy: { maxAttempts: 3 } });
    const error = await captureError(test.http.request(pcGet(`${server.url}/v1/customers`)));
    expect(server.requests).toHaveLength(3);
    expect(error).toMatchObject({ status: 500, code: '500', retryable: true, attempts: 3 });
  });

  it('bounds the total retry time: a Retry-After beyond the budget is not waited for', async () => {
    server = await startFakeServer(() => json(429, {}, { 'Retry-After': '120' }));
    const test = createTestHttp({ retryPolicy: { maxTotalMs: 60_000 } });
    const error = await captureError(test.http.request(pcGet(`${server.url}/v1/customers`)));
    expect(server.requests).toHaveLength(1);
    expect(test.sleeps).toEqual([]);
    expect(error).toMatchObject({ status: 429, retryable: true, retryAfterMs: 120_000 });
  });

  it('bounds the total retry time across several waits', async () => {
    let clock = 0;
    server = await startFakeServer(() => json(503, {}, { 'Retry-After': '20' }));
    const test = createTestHttp({
      now: () => clock,
      sleep: async (ms) => {
        clock += ms;
      },
      retryPolicy: { maxAttempts: 10, maxTotalMs: 50_000 },
    });
    await captureError(test.http.request(pcGet(`${server.url}/v1/customers`)));
    // Waits at 0→20 s and 20→40 s fit; a third (→60 s) would exceed 50 s.
    expect(server.requests).toHaveLength(3);
    expect(clock).toBe(40_000);
  });

  it('never retries when the call disables retries (checkout)', async () => {
    server = await startFakeServer(() => json(503, {}));
    const test = createTestHttp();
    const error = await captureError(test.http.request(pcGet(`${server.url}/v1/x`, { method: 'POST', retry: false })));
    expect(server.requests).toHaveLength(1);
    expect(error.retryable).toBe(true);
  });
});

describe('ApiHttp error mapping', () => {
  it('maps a Partner Center business error (numeric code) without retrying', async () => {
    server = await startFakeServer(() =>
      json(400, { code: 60012, description: 'No licenses available', data: ['LicenseQuotaExceededException'], source: 'PartnerFD' }),
    );
    const test = createTestHttp();
    const error = await captureError(
      test.http.request(pcGet(`${server.url}/v1/customers/c1/users/u1/licenseupdates`, { method: 'POST', requestId: 'rid-1' })),
    );
    expect(server.requests).toHaveLength(1);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({
      service: 'partnerCenter',
      status: 400,
      code: '60012',
      description: 'No licenses available',
      retryable: false,
      requestId: 'rid-1',
      source: 'PartnerFD',
      data: ['LicenseQuotaExceededException'],
      path: '/v1/customers/c1/users/u1/licenseupdates',
    });
    expect(error.correlationId).toBe(server.requests[0].headers['ms-correlationid']);
  });

  it("follows the service's isRetryable: a 409 it calls retryable is retried, a 503 it calls final is not", async () => {
    let calls = 0;
    server = await startFakeServer(() =>
      ++calls === 1
        ? json(409, { code: 800064, description: 'busy', errorName: 'ConcurrentOperation', isRetryable: true, source: 'PartnerFD' })
        : json(200, { ok: true }),
    );
    const test = createTestHttp();
    await test.http.request(pcGet(`${server.url}/v1/customers/c/carts/k`));
    expect(calls).toBe(2);
    await server.close();

    server = await startFakeServer(() => json(503, { code: 600, description: 'gone for good', errorName: 'ServiceRetired', isRetryable: false, source: 'PartnerFD' }));
    const error = await captureError(createTestHttp().http.request(pcGet(`${server.url}/v1/customers`)));
    expect(server.requests).toHaveLength(1);
    expect(error).toMatchObject({ status: 503, retryable: false, errorName: 'ServiceRetired', serverRetryable: false });
  });

  it('keeps retrying a 429 even when the body says isRetryable false: the service asked for a wait', async () => {
    let calls = 0;
    server = await startFakeServer(() =>
      ++calls === 1 ? json(429, { code: 429, description: 'slow down', isRetryable: false, source: 'PartnerFD' }, { 'Retry-After': '0' }) : json(200, {}),
    );
    await createTestHttp().http.request(pcGet(`${server.url}/v1/customers`));
    expect(calls).toBe(2);
  });

  it('accepts a string Partner Center code', async () => {
    server = await startFakeServer(() => json(404, { code: '20003', description: 'Subscription not found', source: 'PartnerFD' }));
    const error = await captureError(createTestHttp().http.request(pcGet(`${server.url}/v1/customers/c/subscriptions/s`)));
    expect(error).toMatchObject({ status: 404, code: '20003', retryable: false });
  });

  it('maps a Graph error', async () => {
    server = await startFakeServer(() =>
      json(400, { error: { code: 'Request_BadRequest', message: 'Invalid value', innerError: { 'request-id': 'r', date: 'd' } } }),
    );
    const error = await captureError(
      createTestHttp().http.request({ service: 'graph', method: 'POST', url: `${server.url}/graph/v1.0/users/u/assignLicense`, getToken: getTestToken }),
    );
    expect(error).toMatchObject({ service: 'graph', status: 400, code: 'Request_BadRequest', description: 'Invalid value', retryable: false });
  });

  it('parses the Partner Center 429 body into code and wait', async () => {
    server = await startFakeServer(() => json(429, { statusCode: 429, message: 'Rate limit is exceeded. Try again in 57 seconds.' }));
    const error = await captureError(createTestHttp().http.request(pcGet(`${server.url}/v1/customers`, { retry: false })));
    expect(error).toMatchObject({ status: 429, code: '429', retryAfterMs: 57_000, retryable: true });
    expect(error.description).toContain('Try again in 57 seconds');
  });

  it.each([
    [400, 900316, 'license call with an app-only token'],
    [403, 900329, 'resource refuses app-only'],
    [403, 900308, 'insufficient privileges'],
    [403, 900309, 'blocked by Conditional Access'],
    [401, 400, 'access denied'],
  ])('never retries authorization failure %i %i (%s) and flags it', async (status, code, description) => {
    server = await startFakeServer(() => json(status, { code, description, source: 'PartnerFD' }));
    const error = await captureError(createTestHttp().http.request(pcGet(`${server.url}/v1/customers/c/subscribedskus`)));
    expect(server.requests).toHaveLength(1);
    expect(error.retryable).toBe(false);
    expect(isAuthFailure(error)).toBe(true);
  });

  it('flags Graph 401/403 as authorization failures', async () => {
    server = await startFakeServer((_request, index) =>
      index === 0
        ? json(401, { error: { code: 'InvalidAuthenticationToken', message: 'Access token is empty.' } })
        : json(403, { error: { code: 'Authorization_RequestDenied', message: 'Insufficient privileges' } }),
    );
    const { http } = createTestHttp();
    const graphGet = { service: 'graph' as const, method: 'GET' as const, url: `${server.url}/graph/v1.0/subscribedSkus`, getToken: getTestToken };
    expect(isAuthFailure(await captureError(http.request(graphGet)))).toBe(true);
    expect(isAuthFailure(await captureError(http.request(graphGet)))).toBe(true);
    expect(server.requests).toHaveLength(2);
  });

  it('does not flag business 403s (seat maximum) as authorization failures', async () => {
    server = await startFakeServer(() => json(403, { code: 800088, description: 'maximum seats; 12 remaining', source: 'PartnerFD' }));
    const error = await captureError(createTestHttp().http.request(pcGet(`${server.url}/v1/x`, { method: 'POST' })));
    expect(isAuthFailure(error)).toBe(false);
    expect(error.code).toBe('800088');
  });
});

describe('ApiHttp never leaks tokens', () => {
  it('keeps the token out of error messages, inspected errors and log lines', async () => {
    server = await startFakeServer((request, index) => {
      if (index === 0) return 'reset';
      // A hostile or buggy server echoing the Authorization header back in its error.
      return json(400, { code: 1, description: `bad header ${String(request.headers.authorization)}`, source: 'x' });
    });
    const test = createTestHttp();
    const error = await captureError(test.http.request(pcGet(`${server.url}/v1/customers?size=10&$skiptoken=SECRETSKIP`)));
    const everything = [error.message, error.description, inspect(error, { depth: 10 }), JSON.stringify(test.logs)].join('\n');
    expect(everything).not.toContain(TOKEN);
    expect(everything).not.toContain('SECRETSKIP');
    expect(test.logs[0].path).toBe('/v1/customers?size=10&$skiptoken=***');
  });

  it('keeps the token out of a timeout error', async () => {
    server = await startFakeServer(() => 'hang');
    const test = createTestHttp({ timeoutMs: 100, retryPolicy: { maxAttempts: 1 } });
    const error = await captureError(test.http.request(pcGet(`${server.url}/v1/customers`)));
    expect(error.code).toBe('Timeout');
    expect(error.status).toBeUndefined();
    expect(inspect(error, { depth: 10 })).not.toContain(TOKEN);
  });
});
