/** Request logging port. Entries never hold headers, bodies or query values that could be secrets. */
import type { ServiceName } from './errors';

export interface RequestLogEntry {
  service: ServiceName;
  method: string;
  /** Path plus query with sensitive values masked (see `loggablePath`). */
  path: string;
  /** HTTP status; undefined when no response arrived. */
  status: number | undefined;
  durationMs: number;
  correlationId: string;
  requestId: string;
  attempt: number;
  /** `ok`: done; `retry`: failed and will be retried; `error`: failed for good. */
  outcome: 'ok' | 'retry' | 'error';
  errorCode?: string;
  /** Wait before the next attempt, when `outcome` is `retry`. */
  retryInMs?: number;
}

export interface RequestLogger {
  logRequest(entry: RequestLogEntry): void;
}

export const silentRequestLogger: RequestLogger = { logRequest: () => undefined };

const SENSITIVE_QUERY_KEY = /token|secret|sig|key|password|code|assertion/i;

/** Path and query of a URL with the values of token-like parameters ($skiptoken, sig, …) masked. */
export function loggablePath(url: string): string {
  const parsed = new URL(url);
  const params: string[] = [];
  parsed.searchParams.forEach((value, key) => {
    params.push(`${key}=${SENSITIVE_QUERY_KEY.test(key) ? '***' : value}`);
  });
  return params.length > 0 ? `${parsed.pathname}?${params.join('&')}` : parsed.pathname;
}
