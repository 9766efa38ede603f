/**
 * Reads the three documented error shapes:
 * - Partner Center: `{code, description, data?, source}` (code numeric or string), plus `errorName` and
 *   `isRetryable` when a newer service adds them (never required);
 * - Partner Center 429: `{statusCode, message: "… Try again in N seconds."}`;
 * - Graph: `{error: {code, message, innerError}}`.
 */
import { parseTryAgainMessage } from './retryAfter';

export interface ParsedErrorBody {
  code: string;
  description: string;
  source?: string;
  data?: unknown[];
  /** Partner Center `errorName` (newer bodies), e.g. `LicenseQuotaExceeded`. */
  errorName?: string;
  /** Partner Center `isRetryable` (newer bodies): the service's own word on retrying, when it gives one. */
  isRetryable?: boolean;
  /** From the message text only; the `Retry-After` header is read by the caller and wins. */
  messageRetryAfterMs?: number;
}

const MAX_DESCRIPTION_LENGTH = 1024;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return undefined;
}

function truncate(text: string): string {
  return text.length > MAX_DESCRIPTION_LENGTH ? `${text.slice(0, MAX_DESCRIPTION_LENGTH)}…` : text;
}

function parseJsonText(body: unknown): unknown {
  if (typeof body !== 'string') return body;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return body;
  }
}

export function parseErrorBody(status: number, rawBody: unknown): ParsedErrorBody {
  const body = parseJsonText(rawBody);

  if (isRecord(body) && isRecord(body.error)) {
    const graph = body.error;
    return {
      code: asText(graph.code) ?? String(status),
      description: truncate(asText(graph.message) ?? ''),
    };
  }

  if (isRecord(body) && body.code !== undefined && asText(body.code) !== undefined) {
    const parsed: ParsedErrorBody = {
      code: asText(body.code) as string,
      description: truncate(asText(body.description) ?? asText(body.message) ?? ''),
    };
    const source = asText(body.source);
    if (source !== undefined) parsed.source = source;
    if (Array.isArray(body.data)) parsed.data = body.data as unknown[];
    const errorName = asText(body.errorName);
    if (errorName !== undefined && errorName !== '') parsed.errorName = errorName;
    if (typeof body.isRetryable === 'boolean') parsed.isRetryable = body.isRetryable;
    return parsed;
  }

  if (isRecord(body) && (body.statusCode !== undefined || body.message !== undefined)) {
    const message = asText(body.message) ?? '';
    const parsed: ParsedErrorBody = { code: asText(body.statusCode) ?? String(status), description: truncate(message) };
    const retryAfterMs = parseTryAgainMessage(message);
    if (retryAfterMs !== undefined) parsed.messageRetryAfterMs = retryAfterMs;
    return parsed;
  }

  const text = typeof body === 'string' ? body : '';
  return { code: String(status), description: truncate(text) };
}

/** One entry of a Partner Center error's `data`: `"Name : message"` as documented, or an object. */
export interface ErrorDataEntry {
  /** e.g. `LicenseQuotaExceededException`; empty when the entry names nothing. */
  name: string;
  message: string;
}

const NAME_AND_MESSAGE = /^\s*([A-Za-z][\w.]*)\s*:\s*([\s\S]*)$/;

/**
 * Reads `data` entries in the documented shape (assign-licenses-to-a-user: `"LicenseQuotaExceededException :
 * Subscription with Account … does not have any available licenses left."`), a bare name, or an object carrying
 * `name`/`errorName`/`code` and `message`/`description`. Anything else keeps its text with an empty name.
 */
export function parseErrorData(data: readonly unknown[] | undefined): ErrorDataEntry[] {
  return (data ?? []).map((entry) => {
    if (typeof entry === 'string') {
      const match = NAME_AND_MESSAGE.exec(entry);
      if (match) return { name: match[1], message: match[2].trim() };
      const bare = entry.trim();
      return /^[A-Za-z][\w.]*$/.test(bare) ? { name: bare, message: '' } : { name: '', message: bare };
    }
    if (isRecord(entry)) {
      const name = asText(entry.name) ?? asText(entry.errorName) ?? asText(entry.code) ?? '';
      const message = asText(entry.message) ?? asText(entry.description) ?? '';
      return { name, message };
    }
    return { name: '', message: asText(entry) ?? '' };
  });
}
