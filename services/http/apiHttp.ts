/**
 * The one place for HTTP mechanics shared by the Partner Center and Graph clients: ids, headers, bearer token,
 * timeouts, error mapping, and retries (429 / 5xx / no response) honouring Retry-After within attempt and time bounds.
 */
import { randomUUID } from 'node:crypto';
import { isAxiosError, type AxiosInstance, type AxiosResponse } from 'axios';
import { DEFAULT_RETRY_POLICY, fullJitterDelayMs, type RetryPolicy } from './backoff';
import { parseErrorBody } from './errorBody';
import {
  ApiError,
  AUTH_FAILURE_CODES,
  GRAPH_AUTH_FAILURE_CODES,
  isRetryableResponse,
  NETWORK_ERROR_CODE,
  TIMEOUT_ERROR_CODE,
  redactSecrets,
  type ServiceName,
} from './errors';
import { loggablePath, silentRequestLogger, type RequestLogger } from './logger';
import { currentCorrelationId } from '../observability/correlation';
import { telemetry } from '../observability/telemetry';
import type { Pacer } from './pacing/pacer';
import { parseRetryAfterHeader } from './retryAfter';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface ApiRequest {
  service: ServiceName;
  method: HttpMethod;
  /** Absolute URL including any query string. */
  url: string;
  getToken: () => Promise<string>;
  /** Extra headers (If-Match, MS-ContinuationToken, ConsistencyLevel…); they cannot replace the ones set here. */
  headers?: Record<string, string>;
  body?: unknown;
  /** Idempotency key of this logical operation; pass the persisted one for money or license moves. */
  requestId?: string;
  /** False: one attempt only (checkout: the caller reconciles instead). */
  retry?: boolean;
  timeoutMs?: number;
}

export interface ApiResponse<T> {
  status: number;
  data: T;
  /** Lower-case header names. */
  headers: Record<string, string>;
  requestId: string;
  correlationId: string;
  attempts: number;
}

/** A side-effecting call's result with the ids to audit. */
export interface Traced<T> {
  data: T;
  requestId: string;
  correlationId: string;
}

export interface ThrottleEvent {
  service: ServiceName;
  path: string;
  retryAfterMs?: number;
}

/** The rate budget a service's calls draw from: the pacer and the key (e.g. the partner tenant) of the budget. */
export interface PacedBudget {
  pacer: Pacer;
  key: string;
}

export interface ApiHttpOptions {
  axios: AxiosInstance;
  /**
   * Budgets per service: every attempt (retries too) waits for a slot first, and a 429 with Retry-After pauses the
   * whole budget for everyone who shares it, not just this call.
   */
  budgets?: Partial<Record<ServiceName, PacedBudget>>;
  logger?: RequestLogger;
  /** Per attempt. */
  timeoutMs?: number;
  retryPolicy?: Partial<RetryPolicy>;
  /** Told about every 429, so a fan-out limiter can shrink. */
  onThrottled?: (event: ThrottleEvent) => void;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
  newId?: () => string;
}

export const DEFAULT_TIMEOUT_MS = 30_000;

export function realSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

type AttemptResult<T> = { response: ApiResponse<T> } | { error: ApiError };

export class ApiHttp {
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => number;
  private readonly axios: AxiosInstance;
  private readonly logger: RequestLogger;
  private readonly timeoutMs: number;
  private readonly policy: RetryPolicy;
  private readonly onThrottled: ((event: ThrottleEvent) => void) | undefined;
  private readonly random: () => number;
  private readonly newId: () => string;
  private readonly budgets: Partial<Record<ServiceName, PacedBudget>>;

  constructor(options: ApiHttpOptions) {
    this.axios = options.axios;
    this.budgets = options.budgets ?? {};
    this.logger = options.logger ?? silentRequestLogger;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.policy = { ...DEFAULT_RETRY_POLICY, ...options.retryPolicy };
    this.onThrottled = options.onThrottled;
    this.sleep = options.sleep ?? realSleep;
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
    this.newId = options.newId ?? randomUUID;
  }

  /** A fresh GUID for a logical operation the caller wants to persist before sending. */
  newRequestId(): string {
    return this.newId();
  }

  /**
   * One logical operation: same MS-RequestId on every retry. MS-CorrelationId (Graph: client-request-id) is the
   * correlation id of the activity, scan or run the call serves, so one id finds a person's click in our logs and in
   * Microsoft's; outside any such unit of work, a new one per attempt.
   */
  async request<T>(request: ApiRequest): Promise<ApiResponse<T>> {
    const requestId = request.requestId ?? this.newId();
    const path = loggablePath(request.url);
    const startedAt = this.now();
    for (let attempt = 1; ; attempt++) {
      const correlationId = currentCorrelationId() ?? this.newId();
      const budget = this.budgets[request.service];
      // Before the clock starts: the logged duration is the call's, not the wait for its slot.
      if (budget) await budget.pacer.acquire(budget.key);
      const attemptStartedAt = this.now();
      const result = await this.attempt<T>(request, requestId, correlationId, attempt);
      const durationMs = this.now() - attemptStartedAt;
      const base = { service: request.service, method: request.method, path, durationMs, correlationId, requestId, attempt };
      telemetry.apiCall(request.service, 'response' in result ? result.response.status : result.error.status, durationMs);

      if ('response' in result) {
        this.logger.logRequest({ ...base, status: result.response.status, outcome: 'ok' });
        return result.response;
      }

      const { error } = result;
      if (error.status === 429) {
        this.onThrottled?.({ service: request.service, path: error.path, retryAfterMs: error.retryAfterMs });
        if (budget && error.retryAfterMs !== undefined) await budget.pacer.pause(budget.key, this.now() + error.retryAfterMs);
      }
      const delayMs = request.retry === false ? undefined : this.retryDelayMs(error, attempt, startedAt);
      if (delayMs === undefined) {
        this.logger.logRequest({ ...base, status: error.status, outcome: 'error', errorCode: error.code });
        throw error;
      }
      this.logger.logRequest({ ...base, status: error.status, outcome: 'retry', errorCode: error.code, retryInMs: delayMs });
      await this.sleep(delayMs);
    }
  }

  private retryDelayMs(error: ApiError, attempt: number, startedAt: number): number | undefined {
    if (!error.retryable || attempt >= this.policy.maxAttempts) return undefined;
    const delayMs = error.retryAfterMs ?? fullJitterDelayMs(this.policy, attempt, this.random);
    if (this.now() - startedAt + delayMs > this.policy.maxTotalMs) return undefined;
    return delayMs;
  }

  private async attempt<T>(
    request: ApiRequest,
    requestId: string,
    correlationId: string,
    attempt: number,
  ): Promise<AttemptResult<T>> {
    const token = await request.getToken();
    const headers = { ...request.headers, ...this.protocolHeaders(request.service, requestId, correlationId), Authorization: `Bearer ${token}` };
    const path = new URL(request.url).pathname;
    const context = { service: request.service, method: request.method, path, requestId, correlationId, attempts: attempt };
    let response: AxiosResponse<unknown>;
    try {
      response = await this.axios.request<unknown>({
        method: request.method,
        url: request.url,
        headers,
        data: request.body,
        timeout: request.timeoutMs ?? this.timeoutMs,
        validateStatus: () => true,
        // Redirects would re-send the Authorization header to wherever the Location points.
        maxRedirects: 0,
      });
    } catch (caught) {
      return { error: this.noResponseError(caught, context) };
    }

    const responseHeaders = plainHeaders(response.headers);
    if (response.status >= 200 && response.status < 300) {
      return { response: { status: response.status, data: response.data as T, headers: responseHeaders, requestId, correlationId, attempts: attempt } };
    }

    const parsed = parseErrorBody(response.status, response.data);
    const retryAfterMs = parseRetryAfterHeader(responseHeaders['retry-after'], this.now()) ?? parsed.messageRetryAfterMs;
    const authFailure =
      response.status === 401 ||
      AUTH_FAILURE_CODES.has(parsed.code) ||
      (request.service === 'graph' && GRAPH_AUTH_FAILURE_CODES.has(parsed.code));
    const retryable = isRetryableResponse(response.status, authFailure, parsed.isRetryable);
    return {
      error: new ApiError({
        ...context,
        status: response.status,
        code: parsed.code,
        description: parsed.description,
        retryable,
        retryAfterMs,
        source: parsed.source,
        data: parsed.data,
        errorName: parsed.errorName,
        serverRetryable: parsed.isRetryable,
      }),
    };
  }

  private protocolHeaders(service: ServiceName, requestId: string, correlationId: string): Record<string, string> {
    if (service === 'graph') {
      return { Accept: 'application/json', 'client-request-id': correlationId };
    }
    return {
      Accept: 'application/json',
      'MS-RequestId': requestId,
      'MS-CorrelationId': correlationId,
      'MS-Contract-Version': 'v1',
    };
  }

  /** Maps a failure without response. Deliberately drops the axios error: its config holds the Authorization header. */
  private noResponseError(
    caught: unknown,
    context: { service: ServiceName; method: string; path: string; requestId: string; correlationId: string; attempts: number },
  ): ApiError {
    if (!isAxiosError(caught)) {
      const message = caught instanceof Error ? caught.message : String(caught);
      return new ApiError({ ...context, status: undefined, code: NETWORK_ERROR_CODE, description: redactSecrets(message), retryable: false });
    }
    const timedOut = caught.code === 'ECONNABORTED' || caught.code === 'ETIMEDOUT';
    return new ApiError({
      ...context,
      status: undefined,
      code: timedOut ? TIMEOUT_ERROR_CODE : NETWORK_ERROR_CODE,
      description: redactSecrets(`${caught.code ?? 'error'}: ${caught.message}`),
      retryable: true,
    });
  }
}

function plainHeaders(headers: unknown): Record<string, string> {
  const result: Record<string, string> = {};
  if (typeof headers !== 'object' || headers === null) return result;
  for (const [key, value] of Object.entries(headers as Record<string, unknown>)) {
    if (typeof value === 'string') result[key.toLowerCase()] = value;
    else if (typeof value === 'number') result[key.toLowerCase()] = String(value);
    else if (Array.isArray(value)) result[key.toLowerCase()] = value.join(', ');
  }
  return result;
}
