import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { AdminApi } from './admin';
import { GRAPH_BASE_PATH, PARTNER_CENTER_BASE_PATH, type SandboxEnv } from './apiTypes';
import { SandboxClock } from './clock';
import { SandboxDb } from './db';
import { FaultEngine } from './faults';
import { SandboxIdentity, type IdentityOptions } from './identity';
import { SigningKeys } from './identityKeys';
import { DEFAULT_KNOBS, mergeKnobs, type Knobs } from './knobs';
import { Ledger } from './ledger';
import { Lifecycle } from './lifecycle';
import { ApiPipeline, type ApiOutcome } from './pipeline';
import { RequestLog } from './requestLog';
import { API_ROUTES } from './routes';
import { seedDemo, seedGenerated } from './seed';
import { Sleeper } from './sleeper';
import { TokenBuckets } from './throttle';

export type { Knobs } from './knobs';

export interface SandboxOptions {
  /** 0 = random; default 3979. */
  port?: number;
  /** default 127.0.0.1. */
  host?: string;
  /** state persisted in <dataDir>/sandbox.sqlite; undefined = in memory. */
  dataDir?: string;
  /** used only when the state is new; default 'demo'. */
  seed?: 'demo' | 'empty';
  /** a large deterministic generated portfolio instead of the demo seed. */
  customers?: number;
  knobs?: Partial<Knobs>;
  /** base clock; the admin API adds a persisted offset. */
  now?: () => Date;
  log?: (line: string) => void;
  /** The partner tenant and partner app the identity endpoint knows (default: the sandbox's demo ids and secret). */
  identity?: IdentityOptions;
}

export interface RunningSandbox {
  url: string;
  partnerCenterBaseUrl: string;
  graphBaseUrl: string;
  /** The partner tenant and app id its identity endpoint signs in (`${url}/{tenant}/oauth2/v2.0/token`). */
  partnerTenantId: string;
  clientId: string;
  /**
   * Signs an access token as its token endpoint would (defaults: partner tenant, app-only, 1 h on the sandbox clock),
   * for in-process tests of the sandbox's own APIs; everything else asks the token endpoint.
   */
  issueAccessToken(claims: Record<string, unknown>): string;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 10 * 1024 * 1024;
const SEEDED_KEY = 'seededWith';
const OFFSET_KEY = 'clockOffsetMs';

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('request body too large'));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

/**
 * The admin API has no authentication, so a web page must not be able to drive it: requests a browser marks as
 * coming from a page (Origin, Referer) are refused, and a body must be declared JSON — the types a page may send
 * cross-origin without a preflight (text/plain, forms) are not.
 */
function adminRefusal(request: IncomingMessage, rawBody: string): { status: 403 | 415; error: string } | undefined {
  if (request.headers.origin !== undefined || request.headers.referer !== undefined) {
    return { status: 403, error: 'requests from web pages are refused' };
  }
  const mediaType = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (rawBody !== '' && mediaType !== 'application/json') return { status: 415, error: 'the body must be application/json' };
  return undefined;
}

function writeJson(response: ServerResponse, status: number, headers: Record<string, string>, body: unknown): void {
  const payload = body === undefined ? '' : JSON.stringify(body);
  response.writeHead(status, {
    ...headers,
    ...(payload ? { 'Content-Type': headers['Content-Type'] ?? 'application/json; charset=utf-8' } : {}),
    'Content-Length': Buffer.byteLength(payload),
  });
  response.end(payload);
}

/** Seeds the store when it is new; an existing dataDir keeps its state (and the seed option is ignored). */
function seedStore(db: SandboxDb, clock: SandboxClock, knobs: Knobs, seed: 'demo' | 'empty', customers: number | undefined): string {
  const description = customers !== undefined ? `generated:${customers}` : seed;
  if (customers !== undefined) seedGenerated(db, customers, clock.nowMs(), knobs);
  else if (seed === 'demo') seedDemo(db, clock.nowMs(), knobs);
  db.setMeta(SEEDED_KEY, description);
  return description;
}

/** Starts the Partner Center + Graph sandbox on node:http. */
export async function startSandbox(options: SandboxOptions = {}): Promise<RunningSandbox> {
  const log = options.log ?? (() => undefined);
  const db = new SandboxDb(options.dataDir);
  let knobs = mergeKnobs({ ...DEFAULT_KNOBS }, options.knobs ?? {});
  const clock = new SandboxClock(options.now ?? (() => new Date()), db.meta<number>(OFFSET_KEY) ?? 0, (offsetMs) =>
    db.setMeta(OFFSET_KEY, offsetMs),
  );
  const ledger = new Ledger(db, clock);
  const env: SandboxEnv = {
    db,
    clock,
    knobs: () => knobs,
    ledger,
    lifecycle: new Lifecycle(db, ledger, () => knobs),
    newId: randomUUID,
    newOrderId: () => randomBytes(6).toString('hex'),
    signingKeys: new SigningKeys(),
  };
  const faults = new FaultEngine(() => knobs);
  const buckets = new TokenBuckets();
  const requests = new RequestLog();
  const identity = new SandboxIdentity(db, clock, env.signingKeys, requests, options.identity);
  const sleeper = new Sleeper();

  if (db.meta<string>(SEEDED_KEY) === undefined) {
    const seeded = seedStore(db, clock, knobs, options.seed ?? 'demo', options.customers);
    log(`sandbox: seeded ${seeded} (${db.customerCount()} customers)`);
  }

  const pipeline = new ApiPipeline(env, API_ROUTES, faults, buckets, requests, sleeper, log);
  const admin = new AdminApi(env, {
    setKnobs(next) {
      knobs = next;
      faults.syncRules();
    },
    reset(seed, customers) {
      db.wipe();
      clock.setOffset(0);
      buckets.clear();
      requests.clear();
      const seeded = seedStore(db, clock, knobs, seed, customers);
      log(`sandbox: reset to ${seeded} (${db.customerCount()} customers)`);
    },
    faults,
    requests,
    identity,
  });

  const deliver = (request: IncomingMessage, response: ServerResponse, outcome: ApiOutcome, graph: boolean): void => {
    if (outcome.delivery === 'drop') {
      request.socket.destroy();
      return;
    }
    const contentType = graph
      ? 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8'
      : 'application/json; charset=utf-8';
    writeJson(response, outcome.status, { 'Content-Type': contentType, ...outcome.headers }, outcome.body);
  };

  const server = createServer((request, response) => {
    void (async () => {
      try {
        const rawBody = await readBody(request);
        const host = request.headers.host ?? '127.0.0.1';
        const url = new URL(request.url ?? '/', `http://${host}`);
        const method = (request.method ?? 'GET').toUpperCase();
        if (url.pathname === '/_sandbox' || url.pathname.startsWith('/_sandbox/')) {
          const refusal = adminRefusal(request, rawBody);
          if (refusal) {
            writeJson(response, refusal.status, {}, { error: refusal.error });
            return;
          }
          let body: unknown;
          try {
            body = rawBody.trim() ? (JSON.parse(rawBody) as unknown) : undefined;
          } catch {
            writeJson(response, 400, {}, { error: 'body is not valid JSON' });
            return;
          }
          const answer = admin.handle({ method, path: url.pathname.slice('/_sandbox'.length) || '/', query: url.searchParams, body });
          writeJson(response, answer.status, {}, answer.body);
          return;
        }
        if (identity.handles(method, url.pathname)) {
          const answer = identity.handle({ method, pathname: url.pathname, query: url.searchParams, headers: request.headers, rawBody, origin: `http://${host}` });
          if (answer.text !== undefined) {
            response.writeHead(answer.status, { ...answer.headers, 'Content-Length': Buffer.byteLength(answer.text) });
            response.end(answer.text);
          } else {
            writeJson(response, answer.status, answer.headers, answer.body);
          }
          return;
        }
        const isGraph = url.pathname === GRAPH_BASE_PATH || url.pathname.startsWith(`${GRAPH_BASE_PATH}/`);
        const isPartnerCenter = url.pathname === PARTNER_CENTER_BASE_PATH || url.pathname.startsWith(`${PARTNER_CENTER_BASE_PATH}/`);
        if (!isGraph && !isPartnerCenter) {
          writeJson(response, 404, {}, { error: 'not found', partnerCenterBase: PARTNER_CENTER_BASE_PATH, graphBase: GRAPH_BASE_PATH, admin: '/_sandbox' });
          return;
        }
        const outcome = await pipeline.handle({
          method,
          pathname: url.pathname,
          query: url.searchParams,
          headers: request.headers,
          rawBody,
          origin: `http://${host}`,
        });
        if (sleeper.isClosed) {
          request.socket.destroy();
          return;
        }
        deliver(request, response, outcome, isGraph);
      } catch (error) {
        log(`sandbox: request failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        if (!response.headersSent) writeJson(response, 500, {}, { error: 'internal sandbox error' });
        else response.destroy();
      }
    })();
  });

  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 3979, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;

  let closing: Promise<void> | undefined;
  return {
    url,
    partnerCenterBaseUrl: `${url}${PARTNER_CENTER_BASE_PATH}`,
    graphBaseUrl: `${url}${GRAPH_BASE_PATH}`,
    partnerTenantId: identity.partnerTenantId,
    clientId: identity.clientId,
    issueAccessToken: (claims) => identity.issueAccessToken(claims),
    close() {
      closing ??= new Promise<void>((resolve) => {
        sleeper.close();
        server.close(() => {
          db.close();
          resolve();
        });
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}
