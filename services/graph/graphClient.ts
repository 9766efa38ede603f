/**
 * Typed Microsoft Graph client for licensing in customer tenants. Every method takes the customer's tenant id
 * first. Tokens: `getToken` (app-only, one per tenant) alone, or a `TenantAccess` strategy that goes app-only where
 * the customer consented and delegated through GDAP elsewhere (tenantAccess.ts). HTTP mechanics (ids, retries,
 * errors) live in `ApiHttp`.
 */
import type { AxiosInstance } from 'axios';
import { ApiHttp, type ApiResponse, type HttpMethod, type Traced } from '../http/apiHttp';
import { headerValue, parseRetryAfterHeader } from '../http/retryAfter';
import type { TenantAccess, TenantOperation } from './tenantAccess';
import type {
  AssignLicenseChange,
  BatchRequest,
  BatchResponse,
  DelegatedAdminRelationship,
  GraphCollection,
  GraphUser,
  SubscribedSku,
} from './types';

export interface GraphClientOptions {
  http: ApiHttp | AxiosInstance;
  /** e.g. `https://graph.microsoft.com/v1.0`. */
  baseUrl: string;
  getToken: (tenantId: string) => Promise<string>;
  /** Per-customer choice between app-only and delegated (GDAP) tokens; without it every call is app-only. */
  access?: TenantAccess;
  /** Resend rounds for batch parts answered 429. */
  maxBatchPartRetries?: number;
  /** Give up resending when the largest Retry-After exceeds this; the 429 parts are returned as they are. */
  maxBatchPartWaitMs?: number;
  /** Wait before resending throttled parts that carry no Retry-After (doubles per round). */
  batchPartBackoffMs?: number;
}

export interface ListUsersOptions {
  /** Only users holding this SKU (filter on `assignedLicenses`). */
  skuId?: string;
  select?: readonly string[];
}

/** Graph refuses a `$batch` with more parts than this. */
export const MAX_BATCH_REQUESTS = 20;
/** Graph's largest `/users` page. */
export const MAX_USERS_PAGE_SIZE = 999;
export const DEFAULT_USER_SELECT: readonly string[] = [
  'id',
  'userPrincipalName',
  'displayName',
  'usageLocation',
  'assignedLicenses',
  'licenseAssignmentStates',
];

const GUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class GraphClient {
  private readonly http: ApiHttp;
  private readonly baseUrl: string;
  private readonly tokenFor: (tenantId: string) => Promise<string>;
  private readonly maxBatchPartRetries: number;
  private readonly maxBatchPartWaitMs: number;
  private readonly batchPartBackoffMs: number;
  private readonly access: TenantAccess | undefined;

  constructor(private readonly options: GraphClientOptions) {
    this.http = options.http instanceof ApiHttp ? options.http : new ApiHttp({ axios: options.http });
    this.baseUrl = options.baseUrl.endsWith('/') ? options.baseUrl.slice(0, -1) : options.baseUrl;
    this.tokenFor = options.getToken;
    this.maxBatchPartRetries = options.maxBatchPartRetries ?? 3;
    this.maxBatchPartWaitMs = options.maxBatchPartWaitMs ?? 60_000;
    this.batchPartBackoffMs = options.batchPartBackoffMs ?? 2_000;
    this.access = options.access;
  }

  /** The same client (HTTP, base URL, batching) whose calls go through `access`. */
  withTenantAccess(access: TenantAccess): GraphClient {
    return new GraphClient({ ...this.options, http: this.http, access });
  }

  /** All matching users, 999 per page, following `@odata.nextLink` verbatim. */
  async listUsers(tenantId: string, options: ListUsersOptions = {}): Promise<GraphUser[]> {
    const query: Record<string, string> = { $select: (options.select ?? DEFAULT_USER_SELECT).join(',') };
    if (options.skuId !== undefined) query.$filter = `assignedLicenses/any(x:x/skuId eq ${requireGuid(options.skuId, 'skuId')})`;
    query.$top = String(MAX_USERS_PAGE_SIZE);
    return this.collect<GraphUser>(tenantId, this.url('/users', query));
  }

  async getUser(tenantId: string, idOrUpn: string, select: readonly string[] = DEFAULT_USER_SELECT): Promise<GraphUser> {
    const url = this.url(`/users/${encodeURIComponent(idOrUpn)}`, { $select: select.join(',') });
    return (await this.call<GraphUser>(tenantId, 'GET', url)).data;
  }

  async listSubscribedSkus(tenantId: string, select?: readonly string[]): Promise<SubscribedSku[]> {
    const query: Record<string, string> = select ? { $select: select.join(',') } : {};
    return this.collect<SubscribedSku>(tenantId, this.url('/subscribedSkus', query));
  }

  /**
   * The partner's GDAP relationships with one customer, read in the partner's own tenant (application permission
   * DelegatedAdminRelationship.Read.All): what roles the partner holds there, before anything is bought.
   */
  async listDelegatedAdminRelationships(partnerTenantId: string, customerTenantId: string): Promise<DelegatedAdminRelationship[]> {
    const filter = `customer/tenantId eq '${requireGuid(customerTenantId, 'customerTenantId')}'`;
    return this.collect<DelegatedAdminRelationship>(partnerTenantId, this.url('/tenantRelationships/delegatedAdminRelationships', { $filter: filter }));
  }

  /**
   * Adds and removes licenses in one call. Both arrays are always sent (Graph answers 400 if one is missing) and
   * each added license carries `disabledPlans`. Returns the user as Graph reports it; read back to verify.
   */
  async assignLicense(tenantId: string, userId: string, change: AssignLicenseChange): Promise<Traced<GraphUser>> {
    const response = await this.call<GraphUser>(tenantId, 'POST', this.url(`/users/${encodeURIComponent(userId)}/assignLicense`), {
      body: assignLicenseBody(change),
      operation: 'licenseWrite',
    });
    return { data: response.data, requestId: response.requestId, correlationId: response.correlationId };
  }

  /**
   * JSON batch of up to 20 requests with unique ids (checked here, before sending). Parts answered 429 — and parts
   * that failed (424) only because they depended on one — are resent after the largest Retry-After, a bounded
   * number of times. Results come back in the order of `requests`.
   */
  async batch(tenantId: string, requests: BatchRequest[]): Promise<BatchResponse[]> {
    validateBatch(requests);
    const results = new Map<string, BatchResponse>();
    let pending = requests;
    for (let round = 0; ; round++) {
      const response = await this.call<{ responses: BatchResponse[] }>(tenantId, 'POST', `${this.baseUrl}/$batch`, {
        body: { requests: pending },
        operation: pending.some((request) => request.method !== 'GET') ? 'licenseWrite' : 'read',
      });
      for (const part of response.data.responses ?? []) results.set(part.id, part);

      const resend = partsToResend(pending, results);
      if (resend.length === 0 || round >= this.maxBatchPartRetries) break;
      const waitMs = this.partRetryWaitMs(resend, results, round);
      if (waitMs > this.maxBatchPartWaitMs) break;
      await this.http.sleep(waitMs);
      pending = resend;
    }
    return requests.flatMap((request) => {
      const result = results.get(request.id);
      return result ? [result] : [];
    });
  }

  private partRetryWaitMs(resend: BatchRequest[], results: Map<string, BatchResponse>, round: number): number {
    const waits = resend
      .map((request) => parseRetryAfterHeader(headerValue(results.get(request.id)?.headers, 'Retry-After'), this.http.now()))
      .filter((wait): wait is number => wait !== undefined);
    return waits.length > 0 ? Math.max(...waits) : this.batchPartBackoffMs * 2 ** round;
  }

  private url(path: string, query: Record<string, string> = {}): string {
    const search = Object.entries(query)
      .map(([key, value]) => `${key}=${encodeURIComponent(value)}`)
      .join('&');
    return `${this.baseUrl}${path}${search ? `?${search}` : ''}`;
  }

  private async call<T>(
    tenantId: string,
    method: HttpMethod,
    url: string,
    options: { body?: unknown; operation?: TenantOperation } = {},
  ): Promise<ApiResponse<T>> {
    const send = (getToken: () => Promise<string>) => this.http.request<T>({ service: 'graph', method, url, getToken, body: options.body });
    if (!this.access) return send(() => this.tokenFor(tenantId));
    return this.access.run(tenantId, options.operation ?? 'read', send);
  }

  private async collect<T>(tenantId: string, firstUrl: string): Promise<T[]> {
    const all: T[] = [];
    const seen = new Set<string>();
    let url: string | undefined = firstUrl;
    while (url !== undefined && !seen.has(url)) {
      seen.add(url);
      const page: GraphCollection<T> = (await this.call<GraphCollection<T>>(tenantId, 'GET', url)).data;
      all.push(...(page.value ?? []));
      url = page['@odata.nextLink'];
    }
    return all;
  }
}

export function assignLicenseBody(change: AssignLicenseChange): { addLicenses: Array<{ skuId: string; disabledPlans: string[] }>; removeLicenses: string[] } {
  return {
    addLicenses: (change.addLicenses ?? []).map((license) => ({ skuId: license.skuId, disabledPlans: license.disabledPlans ?? [] })),
    removeLicenses: change.removeLicenses ?? [],
  };
}

function validateBatch(requests: BatchRequest[]): void {
  if (requests.length === 0) throw new RangeError('A Graph batch needs at least one request');
  if (requests.length > MAX_BATCH_REQUESTS) {
    throw new RangeError(`A Graph batch takes at most ${MAX_BATCH_REQUESTS} requests, got ${requests.length}`);
  }
  const ids = new Set<string>();
  for (const request of requests) {
    if (ids.has(request.id)) throw new RangeError(`Graph batch request ids must be unique; "${request.id}" repeats`);
    ids.add(request.id);
  }
}

/** Throttled parts, plus parts that failed only because a throttled part they depend on did not run. */
function partsToResend(pending: BatchRequest[], results: Map<string, BatchResponse>): BatchRequest[] {
  const throttled = new Set(pending.filter((request) => results.get(request.id)?.status === 429).map((request) => request.id));
  if (throttled.size === 0) return [];
  const resend = pending.filter(
    (request) =>
      throttled.has(request.id) ||
      (results.get(request.id)?.status === 424 && (request.dependsOn ?? []).some((id) => throttled.has(id))),
  );
  const resendIds = new Set(resend.map((request) => request.id));
  // A dependency that already succeeded is not in the new batch; naming it there would make Graph refuse the batch.
  return resend.map((request) => {
    if (!request.dependsOn) return request;
    const dependsOn = request.dependsOn.filter((id) => resendIds.has(id));
    const copy: BatchRequest = { ...request, dependsOn };
    if (dependsOn.length === 0) delete copy.dependsOn;
    return copy;
  });
}

function requireGuid(value: string, name: string): string {
  if (!GUID_PATTERN.test(value)) throw new TypeError(`${name} must be a GUID`);
  return value;
}
