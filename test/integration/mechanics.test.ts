import { randomUUID } from 'node:crypto';
import axios from 'axios';
import { cachedTokenSource } from '../../services/auth';
import { lazySandboxTokens } from '../support/sandboxAuth';
import { GraphClient } from '../../services/graph';
import { ApiHttp, TIMEOUT_ERROR_CODE, isAuthFailure, type ApiError } from '../../services/http';
import { PartnerCenterClient } from '../../services/partnerCenter';
import {
  BUSINESS_BASIC_SKU,
  KAIZALA_SKU,
  buildClients,
  entriesOf,
  eventually,
  rejectionOf,
  startHarness,
  type Harness,
} from './support';

/** HTTP mechanics of the shared ApiHttp, observed from the sandbox's side of real connections. */
describe('client mechanics over real HTTP against the sandbox', () => {
  let harness: Harness;

  beforeAll(async () => {
    // Short backoff for 5xx and timeouts; Retry-After values are still honoured exactly.
    harness = await startHarness({ seed: 'demo' }, { http: { retryPolicy: { baseDelayMs: 100 } } });
  });

  afterAll(async () => {
    await harness.sandbox.close();
  });

  afterEach(async () => {
    await harness.admin.setFaults([]);
  });

  describe('retries', () => {
    it('honours Retry-After on a Partner Center 429, retries with the same MS-RequestId, and shrinks the limiter', async () => {
      const customerId = await harness.admin.customerNamed('Coho Winery');
      await harness.admin.setFaults([{ action: 'throttle', operation: 'getCustomer', customerId, callNumbers: [1], retryAfterSeconds: 1 }]);
      const limitBefore = harness.limiter.limit;
      const clientLogBefore = harness.clientLog.length;
      const mark = await harness.admin.requestMark();

      const customer = await harness.partnerCenter.getCustomer(customerId);
      expect(customer.id).toBe(customerId);

      const calls = entriesOf(await harness.admin.requestsSince(mark), 'getCustomer');
      expect(calls.map((entry) => [entry.status, entry.retryAfterSeconds])).toEqual([
        [429, 1],
        [200, null],
      ]);
      expect(calls[1].requestId).toBe(calls[0].requestId);
      expect(calls[1].correlationId).not.toBe(calls[0].correlationId);
      expect(Date.parse(calls[1].at) - Date.parse(calls[0].at)).toBeGreaterThanOrEqual(990);
      expect(harness.clientLog.slice(clientLogBefore).find((entry) => entry.status === 429)?.retryInMs).toBe(1000);
      expect(harness.limiter.limit).toBeLessThan(limitBefore);
    });

    it('honours Retry-After on a Graph 429', async () => {
      const tenant = await harness.admin.customerNamed('Coho Winery');
      const [user] = await harness.graph.listUsers(tenant);
      await harness.admin.setFaults([{ action: 'throttle', operation: 'graphGetUser', customerId: tenant, callNumbers: [1], retryAfterSeconds: 1 }]);
      const mark = await harness.admin.requestMark();
      expect((await harness.graph.getUser(tenant, user.id)).id).toBe(user.id);
      const calls = entriesOf(await harness.admin.requestsSince(mark), 'graphGetUser');
      expect(calls.map((entry) => entry.status)).toEqual([429, 200]);
      expect(Date.parse(calls[1].at) - Date.parse(calls[0].at)).toBeGreaterThanOrEqual(990);
    });

    it('retries a 503 with the same MS-RequestId; the next logical call gets a new one', async () => {
      const customerId = await harness.admin.customerNamed('Lucerne Publishing');
      const [subscription] = await harness.partnerCenter.listSubscriptions(customerId);
      await harness.admin.setFaults([{ action: 'serverError', operation: 'getSubscription', customerId, callNumbers: [1] }]);
      const mark = await harness.admin.requestMark();

      expect((await harness.partnerCenter.getSubscription(customerId, subscription.id)).id).toBe(subscription.id);
      await harness.partnerCenter.getSubscription(customerId, subscription.id);

      const calls = entriesOf(await harness.admin.requestsSince(mark), 'getSubscription');
      expect(calls.map((entry) => entry.status)).toEqual([503, 200, 200]);
      expect(calls[1].requestId).toBe(calls[0].requestId);
      expect(calls[2].requestId).not.toBe(calls[0].requestId);
    });

    it('retries a timed-out request with the same MS-RequestId', async () => {
      const customerId = await harness.admin.customerNamed('First Up Consultants');
      const impatient = buildClients(harness.sandbox, { http: { timeoutMs: 400, retryPolicy: { baseDelayMs: 50 } } });
      await harness.admin.setFaults([{ action: 'timeout', operation: 'listSubscriptions', customerId, callNumbers: [1], holdMs: 1000 }]);
      const mark = await harness.admin.requestMark();

      const subscriptions = await impatient.partnerCenter.listSubscriptions(customerId);
      expect(subscriptions.length).toBeGreaterThan(0);
      expect(impatient.clientLog.map((entry) => [entry.outcome, entry.errorCode])).toEqual([
        ['retry', TIMEOUT_ERROR_CODE],
        ['ok', undefined],
      ]);

      // The held request is logged when the sandbox lets go of it, after the retry has been answered.
      const calls = await eventually(async () => {
        const found = entriesOf(await harness.admin.requestsSince(mark), 'listSubscriptions');
        return found.length === 2 ? found : undefined;
      });
      const dropped = calls.find((entry) => entry.delivery === 'dropped');
      const answered = calls.find((entry) => entry.status === 200);
      expect(dropped).toBeDefined();
      expect(answered?.requestId).toBe(dropped?.requestId);
      const sent = impatient.wire.map((request) => request.headers['ms-requestid']);
      expect(sent).toEqual([dropped?.requestId, dropped?.requestId]);
    });

    it('after a dropped connection the retry reuses the MS-RequestId, and the sandbox replays the change instead of repeating it', async () => {
      const customer = await harness.admin.addCustomer({
        companyName: 'Mechanics Replay Ltd',
        users: 3,
        kaizalaHolderShare: 1,
        extras: [{ partNumber: 'O365_BUSINESS_ESSENTIALS', quantity: 3, holders: 0 }],
      });
      const [user] = customer.users;
      await harness.admin.setFaults([{ action: 'commitThenDrop', operation: 'licenseUpdates', customerId: customer.id, callNumbers: [1] }]);
      const mark = await harness.admin.requestMark();
      const requestId = randomUUID();
      const swap = { licensesToAssign: [{ skuId: BUSINESS_BASIC_SKU, excludedPlans: null }], licensesToRemove: [KAIZALA_SKU] };

      const result = await harness.partnerCenter.updateUserLicenses(customer.id, user.id, swap, requestId);
      expect(result.requestId).toBe(requestId);

      const calls = entriesOf(await harness.admin.requestsSince(mark), 'licenseUpdates');
      expect(calls.map((entry) => [entry.requestId, entry.delivery, entry.replayed])).toEqual([
        [requestId, 'dropped', false],
        [requestId, 'sent', true],
      ]);
      const licenseChanges = (await harness.admin.ledger(customer.id)).filter((entry) => entry.actor === 'client');
      expect(licenseChanges).toHaveLength(1);
      const licenses = await harness.partnerCenter.getUserLicenses(customer.id, user.id);
      expect(licenses.map((license) => license.productSku.id.toLowerCase())).toEqual([BUSINESS_BASIC_SKU]);
    });

    it('gives up on timeouts after maxAttempts, reporting a Timeout error', async () => {
      const customerId = await harness.admin.customerNamed('Fabrikam Residences');
      const impatient = buildClients(harness.sandbox, { http: { timeoutMs: 100, retryPolicy: { baseDelayMs: 20, maxAttempts: 2 } } });
      await harness.admin.setFaults([{ action: 'timeout', operation: 'getCustomer', customerId, holdMs: 300 }]);
      const mark = await harness.admin.requestMark();
      const error = (await rejectionOf(impatient.partnerCenter.getCustomer(customerId))) as ApiError;
      expect(error.code).toBe(TIMEOUT_ERROR_CODE);
      expect(error.status).toBeUndefined();
      expect(error.attempts).toBe(2);
      // Both held requests reach the log once the sandbox drops them; wait so they do not spill into later tests.
      const dropped = await eventually(async () => {
        const found = entriesOf(await harness.admin.requestsSince(mark), 'getCustomer');
        return found.length === 2 ? found : undefined;
      });
      expect(dropped.map((entry) => entry.delivery)).toEqual(['dropped', 'dropped']);
      expect(new Set(dropped.map((entry) => entry.requestId)).size).toBe(1);
    });
  });

  describe('no retry', () => {
    it('does not retry a business error (400 with a Partner Center code)', async () => {
      const customerId = await harness.admin.customerNamed('Margie\'s Travel');
      const mark = await harness.admin.requestMark();
      const error = (await rejectionOf(harness.partnerCenter.createCart(customerId, []))) as ApiError;
      expect(error.status).toBe(400);
      expect(error.code).toBe('800002');
      expect(error.source).toBe('PartnerFD');
      expect(error.retryable).toBe(false);
      expect(entriesOf(await harness.admin.requestsSince(mark), 'createCart')).toHaveLength(1);
    });

    it('maps an app-only token on App+User routes to an authorization failure, sent once each', async () => {
      // Live mode without a refresh token wires exactly this: the user token source falls back to app-only.
      const appOnly = new PartnerCenterClient({
        http: harness.http,
        baseUrl: harness.sandbox.partnerCenterBaseUrl,
        getToken: harness.tokens.partnerCenter,
      });
      const customerId = await harness.admin.customerNamed('Wide World Importers');
      const [subscription] = await appOnly.listSubscriptions(customerId);
      const [user] = await harness.graph.listUsers(customerId);
      const swap = { licensesToAssign: [{ skuId: BUSINESS_BASIC_SKU, excludedPlans: null }], licensesToRemove: [KAIZALA_SKU] };

      const attempts: Array<[string, () => Promise<unknown>, number, string]> = [
        ['getSubscriptionProvisioningStatus', () => appOnly.getSubscriptionProvisioningStatus(customerId, subscription.id), 403, '900329'],
        ['listSubscribedSkus', () => appOnly.listSubscribedSkus(customerId), 403, '900329'],
        ['listCustomerUsers', () => appOnly.listUsers(customerId), 403, '900329'],
        ['getUserLicenses', () => appOnly.getUserLicenses(customerId, user.id), 400, '900316'],
        ['licenseUpdates', () => appOnly.updateUserLicenses(customerId, user.id, swap, randomUUID()), 400, '900316'],
      ];
      const mark = await harness.admin.requestMark();
      for (const [operation, call, status, code] of attempts) {
        const error = (await rejectionOf(call())) as ApiError;
        expect([operation, error.status, error.code, isAuthFailure(error), error.retryable]).toEqual([operation, status, code, true, false]);
      }
      const log = await harness.admin.requestsSince(mark);
      for (const [operation] of attempts) expect([operation, entriesOf(log, operation).length]).toEqual([operation, 1]);
    });

    it('passes the MFA requirement with the sandbox App+User token; a token without MFA is an authorization failure', async () => {
      const customerId = await harness.admin.customerNamed('Relecloud');
      await harness.admin.setKnobs({ mfaRequiredFrom: '2020-01-01T00:00:00Z' });
      try {
        expect((await harness.partnerCenter.listSubscribedSkus(customerId)).length).toBeGreaterThan(0);
        const withoutMfa = new PartnerCenterClient({
          http: harness.http,
          baseUrl: harness.sandbox.partnerCenterBaseUrl,
          getToken: harness.tokens.partnerCenter,
          // The same partner admin, signed in through the sandbox's device code without MFA.
          getUserToken: lazySandboxTokens(harness.sandbox, { mfa: false }).partnerCenterUser,
        });
        const error = (await rejectionOf(withoutMfa.listSubscribedSkus(customerId))) as ApiError;
        expect([error.status, isAuthFailure(error), error.retryable]).toEqual([401, true, false]);
      } finally {
        await harness.admin.setKnobs({ mfaRequiredFrom: null });
      }
    });

    it('maps a missing GDAP role (900308) to an authorization failure', async () => {
      const customerId = await harness.admin.customerNamed('Humongous Insurance');
      const error = (await rejectionOf(harness.partnerCenter.listSubscribedSkus(customerId))) as ApiError;
      expect([error.status, error.code, isAuthFailure(error)]).toEqual([403, '900308', true]);
    });
  });

  it('acquires a token once for many calls when the source is cached (as live mode caches MSAL tokens)', async () => {
    const acquisitions = { partnerCenter: 0, graph: new Map<string, number>() };
    const expiryOf = (token: string) => Number((JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as { exp: number }).exp) * 1000;
    const partnerCenterToken = cachedTokenSource(async () => {
      acquisitions.partnerCenter += 1;
      const token = await harness.tokens.partnerCenter();
      return { token, expiresAtMs: expiryOf(token) };
    });
    const graphSources = new Map<string, () => Promise<string>>();
    const graphToken = (tenantId: string) => {
      let source = graphSources.get(tenantId);
      if (!source) {
        source = cachedTokenSource(async () => {
          acquisitions.graph.set(tenantId, (acquisitions.graph.get(tenantId) ?? 0) + 1);
          const token = await harness.tokens.graph(tenantId);
          return { token, expiresAtMs: expiryOf(token) };
        });
        graphSources.set(tenantId, source);
      }
      return source();
    };
    const http = new ApiHttp({ axios: axios.create() });
    const partnerCenter = new PartnerCenterClient({ http, baseUrl: harness.sandbox.partnerCenterBaseUrl, getToken: partnerCenterToken });
    const graph = new GraphClient({ http, baseUrl: harness.sandbox.graphBaseUrl, getToken: graphToken });

    const tenants = [await harness.admin.customerNamed('Coho Winery'), await harness.admin.customerNamed('Lucerne Publishing')];
    // This is about app-only tokens, which the sandbox (like Microsoft under GDAP) issues only where the customer consented.
    for (const tenant of tenants) await harness.admin.call('PATCH', `/customers/${tenant}`, { access: { graphConsent: true } });
    const mark = await harness.admin.requestMark();
    await Promise.all([
      ...tenants.flatMap((tenant) => [partnerCenter.getCustomer(tenant), partnerCenter.listSubscriptions(tenant), partnerCenter.getQualifications(tenant)]),
      ...tenants.flatMap((tenant) => [graph.listSubscribedSkus(tenant), graph.listUsers(tenant), graph.listUsers(tenant, { skuId: KAIZALA_SKU })]),
    ]);
    for (let round = 0; round < 4; round++) await partnerCenter.getCustomer(tenants[round % 2]);

    const served = (await harness.admin.requestsSince(mark)).filter((entry) => entry.api !== 'identity' && tenants.includes(entry.customerId ?? ''));
    expect(served).toHaveLength(16);
    expect(served.every((entry) => entry.status === 200)).toBe(true);
    expect(acquisitions.partnerCenter).toBe(1);
    expect(Object.fromEntries(acquisitions.graph)).toEqual({ [tenants[0]]: 1, [tenants[1]]: 1 });
  });
});
