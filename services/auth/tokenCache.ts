/**
 * Token caching shared by every token source: a token is reused until shortly before it expires, and concurrent
 * callers share one in-flight acquisition instead of each asking the identity platform.
 */

export interface AcquiredToken {
  token: string;
  expiresAtMs: number;
}

export interface TokenCacheOptions {
  /** Refresh this long before expiry (at most half the token's lifetime). Default 5 minutes. */
  refreshMarginMs?: number;
  now?: () => number;
}

export const DEFAULT_REFRESH_MARGIN_MS = 5 * 60_000;

export function cachedTokenSource(acquire: () => Promise<AcquiredToken>, options: TokenCacheOptions = {}): () => Promise<string> {
  const margin = options.refreshMarginMs ?? DEFAULT_REFRESH_MARGIN_MS;
  const now = options.now ?? Date.now;
  let cached: { token: string; refreshAtMs: number } | undefined;
  let inFlight: Promise<string> | undefined;

  return () => {
    if (cached && now() < cached.refreshAtMs) return Promise.resolve(cached.token);
    if (inFlight) return inFlight;
    // Started on a later tick so a synchronous throw in `acquire` cannot leave a settled promise in `inFlight`.
    const acquisition = Promise.resolve()
      .then(acquire)
      .then((fresh) => {
        const lifetime = Math.max(0, fresh.expiresAtMs - now());
        cached = { token: fresh.token, refreshAtMs: fresh.expiresAtMs - Math.min(margin, lifetime / 2) };
        return fresh.token;
      })
      .finally(() => {
        inFlight = undefined;
      });
    inFlight = acquisition;
    return acquisition;
  };
}
