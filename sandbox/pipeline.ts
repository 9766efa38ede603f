import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { GRAPH_BASE_PATH, PARTNER_CENTER_BASE_PATH, type Api, type ApiContext, type ApiResult, type ApiRoute, type SandboxEnv } from './apiTypes';
import { checkBearer, describeTokenProblem, GRAPH_AUDIENCES, PARTNER_CENTER_AUDIENCES, type TokenClaims } from './auth';
import { GraphError, graphErrorBody, PartnerCenterError } from './errors';
import { gdapAllows, gdapRolesOf, gdapTaskOf, hasAppOnlyConsent, hasGdapRelationship, leastPrivilegedRole } from './gdap';
import type { FaultDecision, FaultEngine } from './faults';
import { camelizeKeys } from './input';
import type { CustomerRecord } from './model';
import type { RequestLog } from './requestLog';
import { Router } from './router';
import type { Sleeper } from './sleeper';
import type { TokenBuckets } from './throttle';

export interface RawApiRequest {
  method: string;
  pathname: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  rawBody: string;
  origin: string;
}

export interface ApiOutcome {
  status: number;
  headers: Record<string, string>;
  body?: unknown;
  /** drop: destroy the socket without answering (timeouts, commit-then-drop). */
  delivery: 'send' | 'drop';
}

/** Raised when a bucket, storm or rule throttles a call. */
class Throttled extends Error {
  constructor(
    readonly retryAfterSeconds: number | null,
    readonly information: string,
  ) {
    super('throttled');
  }
}

/** Per-call bookkeeping shared by the steps and the request log. */
interface Call {
  api: Api;
  method: string;
  path: string;
  requestId: string;
  correlationId: string;
  /** whether the client sent its own MS-RequestId (only then can anything deduplicate). */
  clientRequestId: boolean;
  baseHeaders: Record<string, string>;
  operation: string | null;
  customerId: string | null;
  retryAfterSeconds: number | null;
  faults: string[];
  replayed: boolean;
  delivery: string;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function hashBody(rawBody: string): string {
  return createHash('sha256').update(rawBody.trim()).digest('hex');
}

/**
 * Runs one Partner Center or Graph call the way the real services would: ids echoed, token checked, throttled,
 * faults injected, time-driven state advanced, MS-RequestId deduplicated, the handler run in one transaction
 * with its ledger entry, and the answer delivered (or deliberately not).
 */
export class ApiPipeline {
  private readonly routers: Record<Api, Router<ApiRoute>> = {
    partnerCenter: new Router<ApiRoute>(),
    graph: new Router<ApiRoute>(),
  };
  private readonly locks = new Set<string>();

  constructor(
    private readonly env: SandboxEnv,
    routes: ApiRoute[],
    private readonly faults: FaultEngine,
    private readonly buckets: TokenBuckets,
    private readonly requests: RequestLog,
    private readonly sleeper: Sleeper,
    private readonly log: (line: string) => void,
  ) {
    for (const route of routes) this.routers[route.api].add(route.method, route.pattern, route);
  }

  async handle(raw: RawApiRequest): Promise<ApiOutcome> {
    const api: Api = raw.pathname.startsWith(GRAPH_BASE_PATH) ? 'graph' : 'partnerCenter';
    const prefix = api === 'graph' ? GRAPH_BASE_PATH : PARTNER_CENTER_BASE_PATH;
    const call = this.startCall(api, raw.method, raw.pathname.slice(prefix.length) || '/', raw.headers);
    const arrivedAt = new Date(this.env.clock.baseMs()).toISOString();
    const sandboxTime = new Date(this.env.clock.nowMs()).toISOString();
    let outcome: ApiOutcome;
    try {
      await this.latency();
      outcome = this.sleeper.isClosed ? { status: 0, headers: {}, delivery: 'drop' } : await this.dispatch(call, raw);
    } catch (error) {
      outcome = this.renderError(call, error);
    }
    call.delivery = outcome.delivery === 'drop' ? 'dropped' : call.delivery;
    this.requests.add({
      at: arrivedAt,
      sandboxTime,
      api,
      method: raw.method,
      path: raw.pathname,
      operation: call.operation,
      customerId: call.customerId,
      requestId: call.requestId,
      correlationId: call.correlationId,
      status: outcome.status,
      delivery: call.delivery,
      retryAfterSeconds: call.retryAfterSeconds,
      faults: call.faults,
      replayed: call.replayed,
    });
    return outcome;
  }

  private startCall(api: Api, method: string, path: string, headers: IncomingHttpHeaders): Call {
    const clientRequestId = header(headers, api === 'graph' ? 'client-request-id' : 'ms-requestid');
    const requestId = clientRequestId ?? randomUUID();
    const serverRequestId = randomUUID();
    const correlationId = header(headers, 'ms-correlationid') ?? serverRequestId;
    const baseHeaders: Record<string, string> =
      api === 'graph'
        ? { 'request-id': serverRequestId, 'client-request-id': requestId, Date: new Date(this.env.clock.baseMs()).toUTCString() }
        : {
            'MS-RequestId': requestId,
            'MS-CorrelationId': correlationId,
            'MS-CV': `${randomBytes(12).toString('base64')}.0`,
            'MS-ServerId': 'sandbox-pcfd-01',
          };
    return {
      api,
      method,
      path,
      requestId,
      correlationId,
      clientRequestId: clientRequestId !== undefined,
      baseHeaders,
      operation: null,
      customerId: null,
      retryAfterSeconds: null,
      faults: [],
      replayed: false,
      delivery: 'sent',
    };
  }

  private async latency(): Promise<void> {
    const knobs = this.env.knobs();
    const jitter = knobs.latencyJitterMs > 0 ? Math.floor(this.faults.draw() * knobs.latencyJitterMs) : 0;
    await this.sleeper.sleep(knobs.latencyMs + jitter);
  }

  private async dispatch(call: Call, raw: RawApiRequest): Promise<ApiOutcome> {
    if (call.api === 'graph' && raw.method === 'POST' && call.path.toLowerCase() === '/$batch') {
      call.operation = 'graphBatch';
      return this.batch(call, raw);
    }
    const matched = this.routers[call.api].match(raw.method, call.path);
    if (matched.kind !== 'found') throw this.notRouted(call, matched.kind === 'wrongMethod');
    const { route, params } = matched.match;
    call.operation = route.operation;
    const claims = this.authenticate(call.api, raw.headers);
    const body = this.parseBody(call.api, raw.rawBody);
    const customer = this.resolveCustomer(call, route, params, claims);
    this.authorize(route, claims, customer);
    const throttleHeaders = this.throttle(route, claims, customer, raw.query);
    const fault = this.decideFaults(call, route, params, customer);
    if (fault.timeout) {
      await this.sleeper.sleep(fault.timeout.holdMs);
      return { status: 0, headers: {}, delivery: 'drop' };
    }
    const ctx: ApiContext = {
      api: call.api,
      method: raw.method,
      path: call.path,
      params,
      query: raw.query,
      headers: raw.headers,
      body,
      claims,
      customer,
      requestId: call.requestId,
      correlationId: call.correlationId,
      origin: raw.origin,
      fault,
      reexecution: false,
      nowMs: this.env.clock.nowMs(),
      env: this.env,
    };
    const outcome = await this.execute(call, route, ctx, raw);
    return { ...outcome, headers: { ...outcome.headers, ...throttleHeaders } };
  }

  private notRouted(call: Call, wrongMethod: boolean): Error {
    if (call.api === 'graph') {
      const segment = call.path.split('/').filter(Boolean)[0] ?? '';
      return wrongMethod
        ? new GraphError(405, 'Request_BadRequest', 'The requested HTTP method is not supported on this resource.')
        : new GraphError(400, 'BadRequest', `Resource not found for the segment '${segment}'.`);
    }
    return wrongMethod
      ? new PartnerCenterError(405, 1000, 'Method not allowed.')
      : new PartnerCenterError(404, 1000, 'Not found.');
  }

  private authenticate(api: Api, headers: IncomingHttpHeaders): TokenClaims {
    const audiences = api === 'graph' ? GRAPH_AUDIENCES : PARTNER_CENTER_AUDIENCES;
    const checked = checkBearer(header(headers, 'authorization'), audiences, this.env.clock.nowMs(), this.env.signingKeys);
    if (checked.ok) return checked.claims;
    const message = describeTokenProblem(checked.problem);
    if (api === 'graph') {
      throw new GraphError(401, 'InvalidAuthenticationToken', checked.problem === 'missing' ? 'Access token is empty.' : message);
    }
    throw new PartnerCenterError(401, 400, `Access denied. ${message}`, [], {
      'WWW-Authenticate': 'OAuth realm=urn:cpsvc:cpid:sandbox',
    });
  }

  private parseBody(api: Api, rawBody: string): unknown {
    if (rawBody.trim() === '') return undefined;
    try {
      return camelizeKeys(JSON.parse(rawBody) as unknown);
    } catch {
      if (api === 'graph') throw new GraphError(400, 'BadRequest', 'Unable to read JSON request payload.');
      throw new PartnerCenterError(400, 800002, 'Invalid request input: the body is not valid JSON.');
    }
  }

  private resolveCustomer(call: Call, route: ApiRoute, params: Record<string, string>, claims: TokenClaims): CustomerRecord | null {
    if (route.api === 'graph') {
      if (route.operation === 'graphListDelegatedAdminRelationships') {
        // A partner-tenant resource: the partner's own relationships, not a customer tenant's.
        if (this.env.db.customer(claims.tid)) throw new GraphError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
        return null;
      }
      const tenant = this.env.db.customer(claims.tid);
      if (!tenant) {
        throw new GraphError(401, 'InvalidAuthenticationToken', `Access token validation failure: tenant ${claims.tid} is unknown.`);
      }
      call.customerId = tenant.id;
      return tenant;
    }
    const customerId = params.customerId?.toLowerCase();
    if (!customerId) return null;
    params.customerId = customerId;
    call.customerId = customerId;
    const customer = this.env.db.customer(customerId);
    if (!customer) {
      throw route.appUserOnly === 'license'
        ? new PartnerCenterError(404, 60003, 'Tenant not found.')
        : new PartnerCenterError(404, 1000, `Not found: customer ${customerId}.`);
    }
    return customer;
  }

  private authorize(route: ApiRoute, claims: TokenClaims, customer: CustomerRecord | null): void {
    if (route.api === 'graph') {
      if (!customer) return;
      // App-only needs the customer's consent; a partner user's delegated token needs the GDAP role of the task.
      // Graph answers both refusals alike; the caller knows which role its operation needs.
      const task = gdapTaskOf(route.operation) ?? (route.mutating ? 'manageUsers' : 'readDirectory');
      const allowed = claims.idtyp === 'app' ? hasAppOnlyConsent(customer) : hasGdapRelationship(customer) && gdapAllows(customer, task);
      if (!allowed) throw new GraphError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
      return;
    }
    const knobs = this.env.knobs();
    if (
      claims.idtyp === 'user' &&
      knobs.mfaRequiredFrom !== null &&
      this.env.clock.nowMs() >= Date.parse(knobs.mfaRequiredFrom) &&
      !claims.amr.includes('mfa')
    ) {
      throw new PartnerCenterError(401, 400, 'Access denied. Multifactor authentication is required for App+User calls.');
    }
    if (!route.appUserOnly) return;
    if (claims.idtyp === 'app') {
      if (route.appUserOnly === 'license') {
        throw new PartnerCenterError(400, 900316, 'License operations are not supported with app-only authentication. Use App+User.');
      }
      throw new PartnerCenterError(403, 900329, 'This resource does not support app-only authentication. Use App+User.');
    }
    if (customer?.access.conditionalAccessBlocked) {
      throw new PartnerCenterError(403, 900309, 'Access is blocked by a Conditional Access policy in the customer tenant.');
    }
    const task = gdapTaskOf(route.operation) ?? 'anyRole';
    if (customer && !gdapAllows(customer, task)) {
      const role = gdapRolesOf(customer).length > 0 ? leastPrivilegedRole(task) : undefined;
      throw new PartnerCenterError(
        403,
        900308,
        role
          ? `Insufficient privileges: the partner's GDAP relationship lacks the ${role} role this operation needs.`
          : 'Insufficient privileges: the partner has no GDAP relationship with this customer.',
      );
    }
  }

  /** Takes from the buckets the route belongs to; returns Graph's informational headers. */
  private throttle(route: ApiRoute, claims: TokenClaims, customer: CustomerRecord | null, query: URLSearchParams): Record<string, string> {
    const knobs = this.env.knobs();
    const nowMs = this.env.clock.baseMs();
    if (route.throttle === 'none') return {};
    if (route.throttle === 'partnerCenter') {
      const partner = this.buckets.take(`pc:${claims.tid}`, knobs.partnerRequestsPerMinute, 60_000, 1, nowMs);
      if (!partner.ok) throw new Throttled(partner.retryAfterSeconds, 'partner');
      if (customer) {
        const perCustomer = this.buckets.take(`pc:${claims.tid}:${customer.id}`, knobs.customerRequestsPerMinute, 60_000, 1, nowMs);
        if (!perCustomer.ok) throw new Throttled(perCustomer.retryAfterSeconds, 'customer');
      }
      return {};
    }
    const tenantId = customer?.id ?? claims.tid;
    const cost = Math.max(1, (route.resourceUnits ?? 1) - (query.has('$select') ? 1 : 0));
    const userCount = customer ? this.env.db.userCount(customer.id) : 0;
    const capacity = knobs.graphResourceUnitsPer10Seconds ?? (userCount < 50 ? 3500 : userCount <= 500 ? 5000 : 8000);
    const units = this.buckets.take(`graph:ru:${claims.appId}:${tenantId}`, capacity, 10_000, cost, nowMs);
    if (!units.ok) throw new Throttled(units.retryAfterSeconds, 'ResourceUnitLimitExceeded');
    let usedFraction = units.usedFraction;
    if (route.throttle === 'graphWrite') {
      const writes = this.buckets.take(`graph:w:${claims.appId}:${tenantId}`, knobs.graphWritesPer150Seconds, 150_000, 1, nowMs);
      if (!writes.ok) throw new Throttled(writes.retryAfterSeconds, 'WriteLimitExceeded');
      usedFraction = Math.max(usedFraction, writes.usedFraction);
    }
    const headers: Record<string, string> = { 'x-ms-resource-unit': String(cost) };
    if (usedFraction >= 0.8) headers['x-ms-throttle-limit-percentage'] = usedFraction.toFixed(2);
    return headers;
  }

  private decideFaults(call: Call, route: ApiRoute, params: Record<string, string>, customer: CustomerRecord | null): FaultDecision {
    const userKeys: string[] = [];
    if (route.userParam && customer) {
      const given = params[route.userParam];
      const user = given ? this.env.db.user(customer.id, given) : undefined;
      if (given) userKeys.push(given.toLowerCase());
      if (user) userKeys.push(user.id.toLowerCase(), user.userPrincipalName.toLowerCase());
    }
    const fault = this.faults.decide({ operation: route.operation, customerId: customer?.id ?? null, userKeys });
    call.faults.push(...fault.fired);
    if (fault.throttle) throw new Throttled(fault.throttle.retryAfterSeconds, 'fault');
    if (fault.serverError) {
      const status = fault.serverError.status;
      throw call.api === 'graph'
        ? new GraphError(status, status === 503 ? 'ServiceUnavailable' : 'InternalServerError', 'The service is temporarily unavailable.')
        : new PartnerCenterError(status, 800003, 'Unexpected service error.');
    }
    return fault;
  }

  /** Lifecycle, MS-RequestId deduplication, lock, the handler in a transaction with its ledger entry, delivery. */
  private async execute(call: Call, route: ApiRoute, ctx: ApiContext, raw: RawApiRequest): Promise<ApiOutcome> {
    const { db } = this.env;
    if (ctx.customer) {
      const customerId = ctx.customer.id;
      db.transaction(() => this.env.lifecycle.advance(customerId, this.env.clock.nowMs()));
    }
    const deduplicates = route.mutating === true && route.api === 'partnerCenter' && call.clientRequestId;
    const search = raw.query.toString();
    const requestPath = `${raw.pathname}${search ? `?${search}` : ''}`;
    const bodyHash = hashBody(raw.rawBody);
    if (deduplicates) {
      const replayed = this.replayed(call, raw.method, requestPath, bodyHash, ctx);
      if (replayed) return replayed;
    }
    const lockKey = route.lock ? `${ctx.customer?.id}:${route.lock.key(ctx)}` : undefined;
    if (route.lock && lockKey) {
      if (this.locks.has(lockKey)) throw route.lock.busy(ctx);
      this.locks.add(lockKey);
    }
    try {
      if (route.lock) await this.sleeper.sleep(route.lock.holdMs(this.env.knobs()));
      if (this.sleeper.isClosed) return { status: 0, headers: {}, delivery: 'drop' };
      ctx.nowMs = this.env.clock.nowMs();
      const delivery = ctx.fault.afterCommit === 'drop' ? 'dropped' : ctx.fault.afterCommit === 'gatewayTimeout' ? 'gatewayTimeout' : 'sent';
      const result: ApiResult = db.transaction(() => {
        const handled = route.handle(ctx);
        if (handled.changes && handled.changes.length > 0) {
          this.env.ledger.append(
            {
              actor: 'client',
              api: route.api,
              method: raw.method,
              route: raw.pathname,
              operation: route.operation,
              requestId: call.requestId,
              correlationId: call.correlationId,
              customerId: ctx.customer?.id ?? null,
              status: handled.status,
              delivery,
            },
            handled.changes,
            ctx.nowMs,
          );
        }
        if (deduplicates && handled.status < 300) {
          db.putReplay({
            requestId: call.requestId,
            method: raw.method,
            path: requestPath,
            bodyHash,
            status: handled.status,
            headers: handled.headers ?? {},
            body: handled.body,
          });
        }
        return handled;
      });
      call.delivery = delivery;
      if (ctx.fault.afterCommit === 'drop') return { status: 0, headers: {}, delivery: 'drop' };
      if (ctx.fault.afterCommit === 'gatewayTimeout') {
        throw call.api === 'graph'
          ? new GraphError(504, 'GatewayTimeout', 'The gateway did not receive a timely response.')
          : new PartnerCenterError(504, 800003, 'Gateway timeout.');
      }
      return { status: result.status, headers: { ...call.baseHeaders, ...(result.headers ?? {}) }, body: result.body, delivery: 'send' };
    } finally {
      if (lockKey) this.locks.delete(lockKey);
    }
  }

  private replayed(call: Call, method: string, path: string, bodyHash: string, ctx: ApiContext): ApiOutcome | undefined {
    const prior = this.env.db.replay(call.requestId);
    if (!prior) return undefined;
    const knobs = this.env.knobs();
    const sameRequest = prior.method === method && prior.path === path && prior.bodyHash === bodyHash;
    const mode = sameRequest ? knobs.requestIdReplayMode : knobs.requestIdBodyMismatchMode;
    switch (mode) {
      case 'replay':
        call.replayed = true;
        return { status: prior.status, headers: { ...call.baseHeaders, ...prior.headers }, body: prior.body, delivery: 'send' };
      case 'reject800064':
        throw new PartnerCenterError(409, 800064, `Request ${call.requestId} is being processed by another request.`);
      case 'reject800065':
        throw new PartnerCenterError(400, 800065, `Request ${call.requestId} was already submitted.`);
      case 'reject':
        throw new PartnerCenterError(400, 800002, `Invalid request input: MS-RequestId ${call.requestId} was already used for a different request.`);
      case 'execute':
        ctx.reexecution = true;
        return undefined;
    }
  }

  private renderError(call: Call, error: unknown): ApiOutcome {
    if (error instanceof Throttled) {
      call.retryAfterSeconds = error.retryAfterSeconds;
      const retryHeaders: Record<string, string> =
        error.retryAfterSeconds === null ? {} : { 'Retry-After': String(error.retryAfterSeconds) };
      if (call.api === 'graph') {
        return {
          status: 429,
          headers: {
            ...call.baseHeaders,
            ...retryHeaders,
            'x-ms-throttle-scope': `Tenant_Application/ReadWrite/sandbox/${call.customerId ?? 'unknown'}`,
            'x-ms-throttle-information': error.information,
          },
          body: graphErrorBody(
            'TooManyRequests',
            'Too many requests. Please try again later.',
            call.correlationId,
            call.requestId,
            new Date(this.env.clock.baseMs()).toISOString(),
          ),
          delivery: 'send',
        };
      }
      const message =
        error.retryAfterSeconds === null
          ? 'Rate limit is exceeded.'
          : `Rate limit is exceeded. Try again in ${error.retryAfterSeconds} seconds.`;
      return { status: 429, headers: { ...call.baseHeaders, ...retryHeaders }, body: { statusCode: 429, message }, delivery: 'send' };
    }
    if (error instanceof PartnerCenterError && call.api === 'partnerCenter') {
      return { status: error.status, headers: { ...call.baseHeaders, ...error.headers }, body: error.body(), delivery: 'send' };
    }
    if (error instanceof GraphError && call.api === 'graph') {
      return {
        status: error.status,
        headers: { ...call.baseHeaders, ...error.headers },
        body: graphErrorBody(error.code, error.message, call.correlationId, call.requestId, new Date(this.env.clock.baseMs()).toISOString()),
        delivery: 'send',
      };
    }
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    this.log(`sandbox: unexpected error in ${call.api} ${call.method} ${call.path}: ${detail}`);
    if (call.api === 'graph') {
      return {
        status: 500,
        headers: call.baseHeaders,
        body: graphErrorBody('InternalServerError', 'An internal server error occurred.', call.correlationId, call.requestId, new Date().toISOString()),
        delivery: 'send',
      };
    }
    return { status: 500, headers: call.baseHeaders, body: new PartnerCenterError(500, 800003, 'Unexpected service error.').body(), delivery: 'send' };
  }

  /** Graph JSON batching: ≤ 20 parts, unique ids, per-part throttling and faults, 424 for failed dependencies. */
  private async batch(call: Call, raw: RawApiRequest): Promise<ApiOutcome> {
    const claims = this.authenticate('graph', raw.headers);
    const tenant = this.env.db.customer(claims.tid);
    if (!tenant) throw new GraphError(401, 'InvalidAuthenticationToken', `Access token validation failure: tenant ${claims.tid} is unknown.`);
    call.customerId = tenant.id;
    const body = this.parseBody('graph', raw.rawBody) as { requests?: unknown } | undefined;
    const parts = this.validateBatch(body?.requests);
    const results = new Map<string, { status: number; headers: Record<string, string>; body?: unknown }>();
    let drop = false;
    for (const part of parts) {
      const failedDependency = part.dependsOn.find((id) => (results.get(id)?.status ?? 0) >= 400);
      if (failedDependency) {
        results.set(part.id, {
          status: 424,
          headers: { 'Content-Type': 'application/json' },
          body: graphErrorBody('FailedDependency', `Dependent request ${failedDependency} failed.`, call.correlationId, call.requestId, new Date().toISOString()),
        });
        continue;
      }
      const outcome = await this.runPart(call, raw, claims, tenant, part);
      if (outcome.delivery === 'drop') drop = true;
      results.set(part.id, {
        status: outcome.delivery === 'drop' ? 504 : outcome.status,
        headers: { 'Content-Type': 'application/json', ...this.partHeaders(outcome.headers) },
        body: outcome.body,
      });
    }
    if (drop) return { status: 0, headers: {}, delivery: 'drop' };
    const responses = parts.map((part) => ({ id: part.id, ...(results.get(part.id) ?? { status: 500, headers: {} }) }));
    if (this.env.knobs().batchShuffle) {
      for (let i = responses.length - 1; i > 0; i--) {
        const j = Math.floor(this.faults.draw() * (i + 1));
        [responses[i], responses[j]] = [responses[j], responses[i]];
      }
    }
    return { status: 200, headers: call.baseHeaders, body: { responses }, delivery: 'send' };
  }

  private partHeaders(headers: Record<string, string>): Record<string, string> {
    const kept: Record<string, string> = {};
    for (const [name, value] of Object.entries(headers)) {
      if (['retry-after', 'location', 'x-ms-throttle-information', 'x-ms-throttle-scope'].includes(name.toLowerCase())) kept[name] = value;
    }
    return kept;
  }

  private validateBatch(requests: unknown): BatchPart[] {
    if (!Array.isArray(requests) || requests.length === 0) {
      throw new GraphError(400, 'BadRequest', 'The batch must contain a non-empty requests array.');
    }
    if (requests.length > 20) throw new GraphError(400, 'BadRequest', 'The number of requests in a batch cannot exceed 20.');
    const seen = new Set<string>();
    return requests.map((entry: unknown) => {
      const part = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
      const id = typeof part.id === 'string' ? part.id : typeof part.id === 'number' ? String(part.id) : '';
      const method = typeof part.method === 'string' ? part.method.toUpperCase() : '';
      const url = typeof part.url === 'string' ? part.url : '';
      if (!id || !method || !url) throw new GraphError(400, 'BadRequest', 'Each batch request needs id, method and url.');
      if (seen.has(id)) throw new GraphError(400, 'BadRequest', `Batch request ids must be unique; '${id}' is repeated.`);
      const dependsOn = Array.isArray(part.dependsOn) ? part.dependsOn.map(String) : [];
      for (const dependency of dependsOn) {
        if (!seen.has(dependency)) throw new GraphError(400, 'BadRequest', `dependsOn '${dependency}' must name an earlier request.`);
      }
      seen.add(id);
      const headers = (typeof part.headers === 'object' && part.headers !== null ? part.headers : {}) as Record<string, unknown>;
      return {
        id,
        method,
        url,
        dependsOn,
        headers: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), String(value)])),
        body: part.body,
      };
    });
  }

  private async runPart(call: Call, raw: RawApiRequest, claims: TokenClaims, tenant: CustomerRecord, part: BatchPart): Promise<ApiOutcome> {
    const url = new URL(part.url.replace(/^https:\/\/graph\.microsoft\.com\/v1\.0/i, ''), 'http://part.invalid/');
    const partCall: Call = { ...call, method: part.method, path: url.pathname, faults: [], retryAfterSeconds: null, replayed: false, delivery: 'sent', operation: null };
    const rawBody = part.body === undefined ? '' : typeof part.body === 'string' ? part.body : JSON.stringify(part.body);
    const partRaw: RawApiRequest = {
      method: part.method,
      pathname: `${GRAPH_BASE_PATH}${url.pathname}`,
      query: url.searchParams,
      headers: { ...raw.headers, ...part.headers },
      rawBody,
      origin: raw.origin,
    };
    let outcome: ApiOutcome;
    try {
      const matched = this.routers.graph.match(part.method, url.pathname);
      if (matched.kind !== 'found') throw this.notRouted(partCall, matched.kind === 'wrongMethod');
      const { route, params } = matched.match;
      partCall.operation = route.operation;
      this.authorize(route, claims, tenant);
      const throttleHeaders = this.throttle(route, claims, tenant, url.searchParams);
      const fault = this.decideFaults(partCall, route, params, tenant);
      if (fault.timeout) throw new GraphError(504, 'GatewayTimeout', 'The request timed out.');
      const ctx: ApiContext = {
        api: 'graph',
        method: part.method,
        path: url.pathname,
        params,
        query: url.searchParams,
        headers: partRaw.headers,
        body: this.parseBody('graph', rawBody),
        claims,
        customer: tenant,
        requestId: call.requestId,
        correlationId: call.correlationId,
        origin: raw.origin,
        fault,
        reexecution: false,
        nowMs: this.env.clock.nowMs(),
        env: this.env,
      };
      const executed = await this.execute(partCall, route, ctx, partRaw);
      outcome = { ...executed, headers: { ...executed.headers, ...throttleHeaders } };
    } catch (error) {
      outcome = this.renderError(partCall, error);
    }
    this.requests.add({
      at: new Date(this.env.clock.baseMs()).toISOString(),
      sandboxTime: new Date(this.env.clock.nowMs()).toISOString(),
      api: 'graph',
      method: part.method,
      path: `$batch:${part.id}:${url.pathname}`,
      operation: partCall.operation,
      customerId: tenant.id,
      requestId: call.requestId,
      correlationId: call.correlationId,
      status: outcome.status,
      delivery: outcome.delivery === 'drop' ? 'dropped' : partCall.delivery,
      retryAfterSeconds: partCall.retryAfterSeconds,
      faults: partCall.faults,
      replayed: false,
    });
    return outcome;
  }
}

interface BatchPart {
  id: string;
  method: string;
  url: string;
  dependsOn: string[];
  headers: Record<string, string>;
  body: unknown;
}
