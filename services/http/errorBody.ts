/**
 * Reads the three documented error shapes:
 * - Partner Center: `{code, description, data?, source}` (code numeric or string);
 * - Partner Center 429: `{statusCode, message: "… Try again in N seconds."}`;
 * - Graph: `{error: {code, message, innerError}}`.
 */
import { parseTryAgainMessage } from './retryAfter';

export interface ParsedErrorBody {
  code: string;
  description: string;
  source?: string;
  data?: unknown[];
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
