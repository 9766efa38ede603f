import * as restify from 'restify';
import { ActivityHandler, CloudAdapter } from 'botbuilder';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Logger } from '../services/logging';
import { newCorrelationId, withCorrelation } from '../services/observability/correlation';
import { AUTHENTICATION_TIMEOUT_MS, parseActivity, receiveActivity } from './botAuthentication';
import {
  answer,
  ConnectionLimits,
  DEFAULT_CONNECTION_LIMITS,
  limitConnections,
  MAX_ACTIVITY_BYTES,
  readJsonBody,
  refuseBrowserRequests,
  refuse,
  requireJsonWithoutEncoding,
  RequestRefused,
} from './requestGuards';

/** Something /readyz must see answering before the bot takes traffic (storage, the Partner Center backend). */
export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
  /** What an operator should see about this dependency at `/readyz/details` (loopback only), healthy or not. */
  details?(): Promise<string>;
}

export interface HttpServerDeps {
  adapter: CloudAdapter;
  bot: ActivityHandler;
  readiness: readonly ReadinessCheck[];
  version: string;
  logger: Logger;
  /**
   * Local mode (no app id, no authentication): requests from web pages are refused, so a page the developer
   * visits cannot drive the bot. Defaults to true, the stricter choice; the composition root passes the config.
   */
  localMode?: boolean;
  /** Overrides of the connection and body limits (tests use small ones); the defaults are the documented ones. */
  limits?: Partial<ConnectionLimits & { maxActivityBytes: number; authenticationTimeoutMs: number; readinessCacheMs: number }>;
}

/** How long a /readyz verdict is reused: probes then cost the dependencies (Partner Center's rate limit) nothing. */
export const READINESS_CACHE_MS = 5_000;
const READINESS_TIMEOUT_MS = 3_000;

/**
 * The bot's HTTP surface: the Bot Framework endpoint and the probes. /api/messages checks media type, encoding
 * and size before reading, reads at most MAX_ACTIVITY_BYTES, authenticates within a deadline and only then runs the
 * turn; every refusal has a fixed body, and nothing from a library or the request is echoed.
 */
export function createHttpServer(deps: HttpServerDeps): restify.Server {
  const limits = { ...DEFAULT_CONNECTION_LIMITS, ...deps.limits };
  const maxActivityBytes = deps.limits?.maxActivityBytes ?? MAX_ACTIVITY_BYTES;
  const authenticationTimeoutMs = deps.limits?.authenticationTimeoutMs ?? AUTHENTICATION_TIMEOUT_MS;
  const localMode = deps.localMode ?? true;
  const server = restify.createServer({ name: 'kaizala-migration-assistant', handleUncaughtExceptions: false });
  limitConnections(server.server, limits);
  // Everything a request does — the turn, its Partner Center and Graph calls, its log lines — shares one
  // correlation id (restify runs the route inside `next`, so the id follows it through every await).
  server.pre((_req: restify.Request, res: restify.Response, next: restify.Next) => {
    const correlationId = newCorrelationId();
    res.setHeader('x-correlation-id', correlationId);
    withCorrelation(correlationId, () => next());
  });

  server.post('/api/messages', async (req: restify.Request, res: restify.Response) => {
    try {
      if (localMode) refuseBrowserRequests(req);
      requireJsonWithoutEncoding(req);
      const activity = parseActivity(await readJsonBody(req, maxActivityBytes));
      if (activity === undefined) throw new RequestRefused(400, 'notAnActivity');
      const outcome = await receiveActivity(
        deps.adapter,
        activity,
        authorizationOf(req),
        (context) => deps.bot.run(context),
        (reason) => deps.logger.warn('Refused an unauthenticated request to /api/messages', { reason }),
        authenticationTimeoutMs,
      );
      if (outcome.kind === 'unauthorized') return answer(res, 401, { error: 'unauthorized' });
      if (outcome.kind === 'unavailable') return answer(res, 503, { error: 'authenticationUnavailable' });
      const invoke = outcome.invokeResponse;
      if (invoke?.body === undefined) {
        res.writeHead(invoke?.status ?? 200, { 'Content-Length': 0 });
        res.end();
      } else {
        const payload = JSON.stringify(invoke.body);
        res.writeHead(invoke.status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(payload) });
        res.end(payload);
      }
    } catch (error) {
      if (error instanceof RequestRefused) {
        return refuse(res, error);
      }
      const reference = randomUUID().slice(0, 8);
      deps.logger.error('Request to /api/messages failed', { reference, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
      answer(res, 500, { error: 'internalError', reference });
    }
  });

  server.get('/healthz', async (_req: restify.Request, res: restify.Response) => {
    res.send(200, { status: 'ok', version: deps.version });
  });

  const readiness = new CachedReadiness(deps.readiness, deps.limits?.readinessCacheMs ?? READINESS_CACHE_MS, deps.logger);
  // Public: only the verdict and the names of the checks, never a tenant id or a dependency's error text.
  server.get('/readyz', async (_req: restify.Request, res: restify.Response) => {
    const verdict = await readiness.verdict();
    const failing = verdict.results.filter((r) => r.reason !== undefined).map((r) => r.name);
    const checks = verdict.results.map((r) => r.name);
    if (failing.length === 0) res.send(200, { status: 'ready', checks });
    else res.send(503, { status: 'not ready', checks, failing });
  });
  // The reasons, for an operator on the machine itself: answered only to loopback callers.
  server.get('/readyz/details', async (req: restify.Request, res: restify.Response) => {
    if (!isLoopback(req)) return answer(res, 404, { error: 'notFound' });
    const verdict = await readiness.verdict();
    const ready = verdict.results.every((r) => r.reason === undefined);
    res.send(ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', checkedAt: new Date(verdict.checkedAt).toISOString(), checks: verdict.results });
  });

  return server;
}

function authorizationOf(request: IncomingMessage): string {
  const header = request.headers.authorization;
  return typeof header === 'string' ? header : '';
}

function isLoopback(request: IncomingMessage): boolean {
  const address = request.socket.remoteAddress ?? '';
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

interface Verdict {
  checkedAt: number;
  results: { name: string; reason?: string; details?: string }[];
}

/** Runs every check at most once per cache window, however many probes arrive (they share the one in flight). */
class CachedReadiness {
  private last: Verdict | undefined;
  private inFlight: Promise<Verdict> | undefined;

  constructor(
    private readonly checks: readonly ReadinessCheck[],
    private readonly cacheMs: number,
    private readonly logger: Logger,
  ) {}

  async verdict(): Promise<Verdict> {
    if (this.last !== undefined && Date.now() - this.last.checkedAt < this.cacheMs) return this.last;
    this.inFlight ??= this.runChecks().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async runChecks(): Promise<Verdict> {
    const results: Verdict['results'] = await Promise.all(
      this.checks.map(async ({ name, check, details }) => {
        // Details are best-effort: they describe, they never decide readiness.
        const described = details ? await withTimeout(details(), READINESS_TIMEOUT_MS, 'no details in time').catch(() => undefined) : undefined;
        const shown = described === undefined ? {} : { details: described };
        try {
          await withTimeout(check(), READINESS_TIMEOUT_MS, `${name} did not answer within ${READINESS_TIMEOUT_MS} ms`);
          return { name, ...shown };
        } catch (error) {
          return { name, reason: error instanceof Error ? error.message : String(error), ...shown };
        }
      }),
    );
    const failures = results.filter((r) => r.reason !== undefined);
    if (failures.length > 0) this.logger.warn('Not ready', { failures });
    this.last = { checkedAt: Date.now(), results };
    return this.last;
  }
}

function withTimeout<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** Starts listening and resolves with the base URL (port 0 picks a free port, for tests). */
export function listen(server: restify.Server, port: number, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.removeListener('error', reject);
      const address = server.address();
      resolve(`http://${host}:${address.port}`);
    });
  });
}
