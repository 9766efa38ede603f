export { ApiHttp, DEFAULT_TIMEOUT_MS, realSleep } from './apiHttp';
export type { ApiHttpOptions, ApiRequest, ApiResponse, HttpMethod, PacedBudget, ThrottleEvent, Traced } from './apiHttp';
export {
  DEFAULT_HEADROOM,
  GRAPH_WRITES_BUDGET,
  InProcessPacer,
  PARTNER_CENTER_LICENSE_UPDATES_BUDGET,
  TEAMS_CONVERSATION_BUDGET,
  TEAMS_TENANT_BUDGET,
  evenPacer,
  partnerCenterBudget,
  systemClock,
} from './pacing/pacer';
export type { BudgetSpec, Clock, Pacer, RateRule } from './pacing/pacer';
export { SharedPacer } from './pacing/sharedPacer';
export { SendRateLimiter, TEAMS_SEND_LIMITS } from './pacing/sendRateLimiter';
export type { SendRateLimits, SharedSendBudgets } from './pacing/sendRateLimiter';
export { DEFAULT_RETRY_POLICY, fullJitterDelayMs } from './backoff';
export type { RetryPolicy } from './backoff';
export { AdaptiveConcurrencyLimiter } from './concurrencyLimiter';
export type { AdaptiveConcurrencyLimiterOptions } from './concurrencyLimiter';
export { parseErrorBody } from './errorBody';
export type { ParsedErrorBody } from './errorBody';
export {
  ApiError,
  AUTH_FAILURE_CODES,
  GRAPH_AUTH_FAILURE_CODES,
  NETWORK_ERROR_CODE,
  TIMEOUT_ERROR_CODE,
  TokenAcquisitionError,
  hasErrorCode,
  isApiError,
  isAuthFailure,
  isThrottled,
  isTokenAcquisitionError,
  redactSecrets,
} from './errors';
export type { ApiErrorFields, ServiceName } from './errors';
export { loggablePath, silentRequestLogger } from './logger';
export type { RequestLogEntry, RequestLogger } from './logger';
export { headerValue, parseRetryAfterHeader, parseTryAgainMessage } from './retryAfter';
