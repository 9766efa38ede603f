/** How long the server asked us to wait: `Retry-After` (seconds or HTTP date), else Partner Center's 429 message. */

const TRY_AGAIN_PATTERN = /try again in (\d+(?:\.\d+)?) seconds?/i;

/** Parses a `Retry-After` value: delta seconds or an HTTP date (relative to `nowMs`). Undefined if absent/garbled. */
export function parseRetryAfterHeader(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const dateMs = Date.parse(trimmed);
  if (Number.isNaN(dateMs)) return undefined;
  return Math.max(0, dateMs - nowMs);
}

/** Reads "Rate limit is exceeded. Try again in 57 seconds." from Partner Center's 429 body. */
export function parseTryAgainMessage(message: string | undefined): number | undefined {
  if (message === undefined) return undefined;
  const match = TRY_AGAIN_PATTERN.exec(message);
  return match ? Math.round(Number(match[1]) * 1000) : undefined;
}

/** Case-insensitive header lookup over a plain record (batch parts carry headers with any casing). */
export function headerValue(headers: Record<string, unknown> | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted) continue;
    if (typeof value === 'string') return value;
    if (typeof value === 'number') return String(value);
    if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  }
  return undefined;
}
