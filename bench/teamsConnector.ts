import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RateRule } from '../services/http/pacing/sendRateLimiter';

/** An activity as the bot sent it to the Bot Connector, with the route it used (the shape tests read). */
export interface SentActivity {
  method: 'POST' | 'PUT';
  conversationId: string;
  /** The activity replied to (POST …/activities/{id}) or updated (PUT). */
  activityId?: string;
  activity: {
    type: string;
    text?: string;
    attachments?: { contentType: string; content: Record<string, unknown> }[];
    [key: string]: unknown;
  };
}

/**
 * Teams' published limits for one bot (partner-center.md §5). It lives in bench/ because the fan-out benchmark
 * measures against it; the alert and approval tests use the same connector.
 */
export const TEAMS_CONNECTOR_LIMITS = {
  perConversation: [
    { limit: 7, windowMs: 1_000 },
    { limit: 8, windowMs: 2_000 },
    { limit: 60, windowMs: 30_000 },
    { limit: 1_800, windowMs: 3_600_000 },
  ] as RateRule[],
  perApp: [{ limit: 50, windowMs: 1_000 }] as RateRule[],
};

export interface ConnectorOptions {
  perConversation?: RateRule[];
  perApp?: RateRule[];
  /** Seconds sent as Retry-After with a 429; null sends none. */
  retryAfterSeconds?: number | null;
}

/** A scripted answer for the next request to a conversation, before the limits are looked at. */
export interface ScriptedAnswer {
  status: number;
  code?: string;
  retryAfter?: string;
}

/**
 * A local Bot Connector that enforces Teams' rate limits: a request that would exceed a conversation's or the
 * app's sliding window is answered 429 (with Retry-After) and not delivered. It records every delivered activity
 * and every refusal; answers can also be scripted per conversation (403, 412, 429 without Retry-After, …).
 */
export class EnforcingConnector {
  readonly delivered: SentActivity[] = [];
  readonly refused: { conversationId: string; status: number; at: number }[] = [];
  private readonly accepted = new Map<string, number[]>();
  private readonly acceptedByApp: number[] = [];
  private readonly scripts = new Map<string, ScriptedAnswer[]>();
  private server?: http.Server;
  private nextId = 1;
  url = '';

  constructor(private readonly options: ConnectorOptions = {}) {}

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  script(conversationId: string, ...answers: ScriptedAnswer[]): void {
    this.scripts.set(conversationId, [...(this.scripts.get(conversationId) ?? []), ...answers]);
  }

  deliveredTo(conversationId: string): SentActivity[] {
    return this.delivered.filter((d) => d.conversationId === conversationId);
  }

  /** Times at which the connector accepted a send or update in the conversation. */
  acceptedTimes(conversationId: string): number[] {
    return [...(this.accepted.get(conversationId) ?? [])];
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const now = Date.now();
      const match = /^\/v3\/conversations\/([^/]+)\/activities(?:\/([^/]+))?$/.exec(req.url ?? '');
      if (!match || (req.method !== 'POST' && req.method !== 'PUT')) {
        reply(res, 404, { error: { code: 'NotFound', message: 'No such route' } });
        return;
      }
      const conversationId = decodeURIComponent(match[1]);
      const scripted = this.scripts.get(conversationId)?.shift();
      if (scripted) {
        this.refused.push({ conversationId, status: scripted.status, at: now });
        reply(res, scripted.status, { error: { code: scripted.code ?? `Status${scripted.status}`, message: 'Scripted answer' } }, scripted.retryAfter);
        return;
      }
      const mine = this.accepted.get(conversationId) ?? [];
      const overConversation = (this.options.perConversation ?? TEAMS_CONNECTOR_LIMITS.perConversation).some((rule) => countWithin(mine, now, rule.windowMs) >= rule.limit);
      const overApp = (this.options.perApp ?? TEAMS_CONNECTOR_LIMITS.perApp).some((rule) => countWithin(this.acceptedByApp, now, rule.windowMs) >= rule.limit);
      if (overConversation || overApp) {
        this.refused.push({ conversationId, status: 429, at: now });
        const retryAfter = this.options.retryAfterSeconds === undefined ? '1' : this.options.retryAfterSeconds === null ? undefined : String(this.options.retryAfterSeconds);
        reply(res, 429, { error: { code: 'ThrottledRequest', message: 'Too many requests' } }, retryAfter);
        return;
      }
      mine.push(now);
      this.accepted.set(conversationId, mine);
      this.acceptedByApp.push(now);
      const activity = JSON.parse(Buffer.concat(chunks).toString('utf8')) as SentActivity['activity'];
      this.delivered.push({ method: req.method, conversationId, activityId: match[2] ? decodeURIComponent(match[2]) : undefined, activity });
      reply(res, 200, { id: req.method === 'PUT' ? decodeURIComponent(match[2] ?? '') : `sent-${this.nextId++}` });
    });
  }
}

/** Accepted times are pushed in order, so the count is a binary search, not a scan of an hour's sends. */
function countWithin(times: readonly number[], now: number, windowMs: number): number {
  let low = 0;
  let high = times.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (times[mid] > now - windowMs) high = mid;
    else low = mid + 1;
  }
  return times.length - low;
}

function reply(res: http.ServerResponse, status: number, body: object, retryAfter?: string): void {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json');
  if (retryAfter !== undefined) res.setHeader('retry-after', retryAfter);
  res.end(JSON.stringify(body));
}
