import * as http from 'node:http';
import { AddressInfo } from 'node:net';

/** An activity as the bot sent it to the Bot Connector, with the route it used. */
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
 * A local stand-in for the Bot Connector service at an activity's `serviceUrl`: it records every activity the
 * bot sends or updates and answers like the real service (an id for each new activity).
 */
export class FakeConnector {
  readonly sent: SentActivity[] = [];
  private server?: http.Server;
  private nextId = 1;
  url = '';

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  clear(): void {
    this.sent.length = 0;
  }

  /** The adaptive cards sent so far, in order. */
  cards(): Record<string, unknown>[] {
    return this.sent.flatMap((s) =>
      (s.activity.attachments ?? [])
        .filter((a) => a.contentType === 'application/vnd.microsoft.card.adaptive')
        .map((a) => a.content),
    );
  }

  texts(): string[] {
    return this.sent.map((s) => s.activity.text).filter((x): x is string => typeof x === 'string');
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const match = /^\/v3\/conversations\/([^/]+)\/activities(?:\/([^/]+))?$/.exec(req.url ?? '');
      if (!match || (req.method !== 'POST' && req.method !== 'PUT')) {
        reply(res, 404, { error: { code: 'NotFound' } });
        return;
      }
      const activity = JSON.parse(Buffer.concat(chunks).toString('utf8')) as SentActivity['activity'];
      this.sent.push({
        method: req.method,
        conversationId: decodeURIComponent(match[1]),
        activityId: match[2] ? decodeURIComponent(match[2]) : undefined,
        activity,
      });
      const id = req.method === 'PUT' ? decodeURIComponent(match[2] ?? '') : `sent-${this.nextId++}`;
      reply(res, 200, { id });
    });
  }
}

/** restify patches http.ServerResponse in the same process, so writeHead is not chained. */
function reply(res: http.ServerResponse, status: number, body: object): void {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify(body));
}
