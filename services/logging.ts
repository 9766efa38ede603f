/**
 * The small logging port every layer receives by injection, and its one implementation over pino: JSON lines in
 * production (what Application Insights and `kubectl logs`/App Service log streams parse), readable lines when a
 * person watches a terminal. Secrets are removed by path and by pattern; errors are serialized in one place.
 */
import pino from 'pino';
import { redactSecrets } from './http/errors';
import { currentCorrelationId } from './observability/correlation';

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}
export type LogFields = Readonly<Record<string, unknown>>;
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/**
 * Field paths that may hold credentials. Paths, not patterns, so redaction costs nothing on lines without them;
 * `*.x` covers one level of nesting (e.g. `{ request: { authorization } }`).
 */
const REDACTED_PATHS = [
  'token', 'accessToken', 'refreshToken', 'idToken', 'clientSecret', 'secret', 'password', 'authorization',
  'assertion', 'key', 'apiKey', 'encryptionKey', 'connectionString', 'headers.authorization', 'headers.Authorization',
  '*.token', '*.accessToken', '*.refreshToken', '*.idToken', '*.clientSecret', '*.secret', '*.password',
  '*.authorization', '*.assertion', '*.encryptionKey', '*.connectionString',
];

/**
 * An error as a log field: its name, message, code and stack with bearer tokens and JWTs removed — never the
 * enumerable extras libraries attach (axios puts the request config, Authorization header included, on its errors).
 */
export function serializeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: redactSecrets(String(error)) };
  const described: Record<string, unknown> = { type: error.name, message: redactSecrets(error.message) };
  const extras = error as Error & { code?: unknown; status?: unknown; service?: unknown; cause?: unknown };
  if (typeof extras.code === 'string' || typeof extras.code === 'number') described.code = extras.code;
  if (typeof extras.status === 'number') described.status = extras.status;
  if (typeof extras.service === 'string') described.service = extras.service;
  if (error.stack) described.stack = redactSecrets(error.stack);
  if (extras.cause !== undefined) described.cause = serializeError(extras.cause);
  return described;
}

/**
 * `write` given (tests, CLIs writing for people): one readable line per event. Otherwise stdout: readable when a
 * terminal is attached (`npm start`), JSON lines when not (production).
 */
export function createLogger(level: LogLevel, write?: (line: string) => void): Logger {
  const pretty = write !== undefined || process.stdout.isTTY === true;
  const emit = write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const destination = { write: (json: string) => emit(pretty ? readableLine(json) : json.trimEnd()) };
  const base = pino(
    {
      level,
      base: undefined,
      messageKey: 'msg',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      // Ours replaces pino's default `err` serializer, which would copy an error's enumerable extras.
      serializers: { err: (value: unknown) => (value instanceof Error ? serializeError(value) : value) },
      mixin: () => {
        const correlationId = currentCorrelationId();
        return correlationId ? { correlationId } : {};
      },
    },
    destination,
  );
  const log = (at: LogLevel) => (message: string, fields?: LogFields) => {
    if (fields === undefined) base[at](message);
    else base[at](withSerializedErrors(fields), message);
  };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

/** A logger that drops everything; for tests that assert on behaviour, not output. */
export const silentLogger: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

/** Error values anywhere at the top level become serialized errors (`{ err }` is the conventional key). */
function withSerializedErrors(fields: LogFields): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) out[key] = value instanceof Error ? serializeError(value) : value;
  return out;
}

/** `2026-12-03T10:00:00.000Z INFO  message {"field":1}`: the JSON event as a person reads it. */
function readableLine(json: string): string {
  const { time, level, msg, ...fields } = JSON.parse(json) as { time: string; level: string; msg?: string } & Record<string, unknown>;
  const extra = Object.keys(fields).length > 0 ? ` ${JSON.stringify(fields)}` : '';
  return `${time} ${level.toUpperCase().padEnd(5)} ${msg ?? ''}${extra}`;
}
