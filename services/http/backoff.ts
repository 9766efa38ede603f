/** Retry bounds and the wait before each retry. */

export interface RetryPolicy {
  /** Attempts including the first. */
  maxAttempts: number;
  /** No retry starts if the total time (attempts plus waits) would exceed this. */
  maxTotalMs: number;
  /** First backoff ceiling; doubles per retry. */
  baseDelayMs: number;
  /** Cap for the backoff ceiling (not for a server's Retry-After, which is honoured as long as the budget allows). */
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 5,
  maxTotalMs: 120_000,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
};

/**
 * "Full jitter" exponential backoff: uniform in [0, min(cap, base·2^(retry−1))]. It spreads retries from many
 * callers better than a fixed or equal-jitter delay. `retryNumber` starts at 1.
 */
export function fullJitterDelayMs(policy: RetryPolicy, retryNumber: number, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retryNumber - 1));
  return Math.floor(random() * ceiling);
}
