/**
 * The error vocabulary of the Partner Center and Graph clients. Every failed call surfaces as an `ApiError`, whatever
 * the wire shape (Partner Center error, Partner Center 429 body, Graph error, or no response at all).
 */

import { parseErrorData } from './errorBody';

export type ServiceName = 'partnerCenter' | 'graph';

/** Partner Center codes that mean "this identity may not do this": never retried, the caller flags the customer. */
export const AUTH_FAILURE_CODES: ReadonlySet<string> = new Set(['900316', '900329', '900308', '900309']);

/** Graph codes with the same meaning. */
export const GRAPH_AUTH_FAILURE_CODES: ReadonlySet<string> = new Set([
  'InvalidAuthenticationToken',
  'Authorization_RequestDenied',
  'Forbidden',
  'Unauthorized',
]);

/** Codes for failures without an HTTP response. */
export const NETWORK_ERROR_CODE = 'NetworkError';
export const TIMEOUT_ERROR_CODE = 'Timeout';

export interface ApiErrorFields {
  service: ServiceName;
  /** HTTP status; undefined when no response arrived (timeout, reset, refused). */
  status: number | undefined;
  /** Partner Center numeric or string code as a string; Graph `error.code`; our own code for network failures. */
  code: string;
  description: string;
  retryable: boolean;
  method: string;
  /** Path only: never the query string, which may carry continuation or skip tokens. */
  path: string;
  requestId: string;
  correlationId: string;
  /** Server-requested wait, from `Retry-After` or Partner Center's "Try again in N seconds". */
  retryAfterMs?: number;
  /** Partner Center `source` (e.g. PartnerFD). */
  source?: string;
  /** Partner Center `data`, documented as `"Name : message"` strings (e.g. `LicenseQuotaExceededException : …` for 60012). */
  data?: unknown[];
  /** Partner Center `errorName` when the body carries one (newer services). */
  errorName?: string;
  /** Partner Center `isRetryable` when the body carries one; already folded into `retryable` by the HTTP layer. */
  serverRetryable?: boolean;
  /** Attempts made, including the first. */
  attempts?: number;
}

export class ApiError extends Error implements ApiErrorFields {
  readonly service: ServiceName;
  readonly status: number | undefined;
  readonly code: string;
  readonly description: string;
  readonly retryable: boolean;
  readonly method: string;
  readonly path: string;
  readonly requestId: string;
  readonly correlationId: string;
  readonly retryAfterMs?: number;
  readonly source?: string;
  readonly data?: unknown[];
  readonly errorName?: string;
  readonly serverRetryable?: boolean;
  readonly attempts?: number;

  constructor(fields: ApiErrorFields) {
    const description = redactSecrets(fields.description);
    const status = fields.status === undefined ? 'no response' : `HTTP ${fields.status}`;
    super(`${fields.service} ${fields.method} ${fields.path} failed: ${status} ${fields.code}: ${description}`);
    this.name = 'ApiError';
    this.service = fields.service;
    this.status = fields.status;
    this.code = fields.code;
    this.description = description;
    this.retryable = fields.retryable;
    this.method = fields.method;
    this.path = fields.path;
    this.requestId = fields.requestId;
    this.correlationId = fields.correlationId;
    if (fields.retryAfterMs !== undefined) this.retryAfterMs = fields.retryAfterMs;
    if (fields.source !== undefined) this.source = fields.source;
    if (fields.data !== undefined) this.data = fields.data;
    if (fields.errorName !== undefined) this.errorName = fields.errorName;
    if (fields.serverRetryable !== undefined) this.serverRetryable = fields.serverRetryable;
    if (fields.attempts !== undefined) this.attempts = fields.attempts;
  }

  /** A copy carrying another code and retryability, used where a client knows more than the wire (paging). */
  withCode(code: string, description: string, retryable: boolean): ApiError {
    return new ApiError({ ...this.fields(), code, description, retryable });
  }

  private fields(): ApiErrorFields {
    return {
      service: this.service,
      status: this.status,
      code: this.code,
      description: this.description,
      retryable: this.retryable,
      method: this.method,
      path: this.path,
      requestId: this.requestId,
      correlationId: this.correlationId,
      retryAfterMs: this.retryAfterMs,
      source: this.source,
      data: this.data,
      errorName: this.errorName,
      serverRetryable: this.serverRetryable,
      attempts: this.attempts,
    };
  }
}

/** Raised by the token providers; never carries the secret, the certificate or any token. */
export class TokenAcquisitionError extends Error {
  readonly source: 'partnerCenter' | 'partnerCenterUser' | 'graph' | 'graphDelegated';
  readonly tenantId: string;
  /** MSAL error code (e.g. `invalid_client`) or the AADSTS code when one is present. */
  readonly code: string;
  readonly retryable: boolean;

  constructor(fields: { source: TokenAcquisitionError['source']; tenantId: string; code: string; retryable: boolean }) {
    super(`Could not get a ${fields.source} token for tenant ${fields.tenantId}: ${fields.code}`);
    this.name = 'TokenAcquisitionError';
    this.source = fields.source;
    this.tenantId = fields.tenantId;
    this.code = fields.code;
    this.retryable = fields.retryable;
  }
}

/**
 * No partner admin connection to act as (App+User, GDAP delegated): nobody has signed in yet, the stored refresh
 * token expired (90 days without a redemption) or the identity platform refused it. Never retried and never a
 * customer's fault: an admin has to connect again. App+User calls never fall back to app-only.
 */
export class PartnerNotConnectedError extends Error {
  readonly reason: 'notConnected' | 'expired' | 'refused';

  constructor(reason: PartnerNotConnectedError['reason'], detail?: string) {
    const why =
      reason === 'notConnected'
        ? 'No partner admin is connected to Partner Center'
        : reason === 'expired'
          ? 'The partner admin connection to Partner Center expired (no successful token redemption for 90 days)'
          : `The identity platform refused the partner admin's refresh token${detail ? ` (${detail})` : ''}`;
    super(`${why}. An admin must reconnect: say "connect partner center" to the bot, or run \`npm run connect\`.`);
    this.name = 'PartnerNotConnectedError';
    this.reason = reason;
  }
}

export function isPartnerNotConnectedError(error: unknown): error is PartnerNotConnectedError {
  return error instanceof PartnerNotConnectedError;
}

export function isApiError(error: unknown): error is ApiError {
  return error instanceof ApiError;
}

export function isTokenAcquisitionError(error: unknown): error is TokenAcquisitionError {
  return error instanceof TokenAcquisitionError;
}

/**
 * True when the identity lacks the right to do this (token refused, GDAP role missing, Conditional Access,
 * app-only on an App+User route, no consent). These are never retried: the caller flags the customer.
 */
export function isAuthFailure(error: unknown): boolean {
  if (isTokenAcquisitionError(error)) return !error.retryable;
  if (!isApiError(error)) return false;
  if (error.status === 401) return true;
  if (error.service === 'graph') return GRAPH_AUTH_FAILURE_CODES.has(error.code) || error.status === 403;
  return AUTH_FAILURE_CODES.has(error.code);
}

/**
 * Whether a failed response may be retried: never an authorization failure; always a 429 (the service asked us to
 * wait, not to give up); otherwise the service's own `isRetryable` when it sends one, else 408 and 5xx.
 */
export function isRetryableResponse(status: number, authFailure: boolean, serverRetryable: boolean | undefined): boolean {
  if (authFailure) return false;
  if (status === 429) return true;
  return serverRetryable ?? (status === 408 || status >= 500);
}

/** The names a Partner Center error gives for itself: `errorName`, then each `data` entry's name (`"Name : message"`). */
export function errorNamesOf(error: ApiError): string[] {
  const names = parseErrorData(error.data).map((entry) => entry.name);
  return [error.errorName ?? '', ...names].filter((name) => name !== '');
}

export function isThrottled(error: unknown): boolean {
  return isApiError(error) && error.status === 429;
}

/** True for ApiErrors with one of the given codes (Partner Center numeric codes compare as strings). */
export function hasErrorCode(error: unknown, ...codes: Array<string | number>): error is ApiError {
  return isApiError(error) && codes.map(String).includes(error.code);
}

const JWT_PATTERN = /eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*/g;
const BEARER_PATTERN = /Bearer\s+[A-Za-z0-9._~+/=-]+/gi;

/** Removes anything that looks like a bearer token or JWT from text a server (or a library) produced. */
export function redactSecrets(text: string): string {
  return text.replace(BEARER_PATTERN, 'Bearer [redacted]').replace(JWT_PATTERN, '[redacted-jwt]');
}
