import type { IncomingMessage, Server as NodeHttpServer, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * The HTTP-level checks in front of /api/messages, before any authentication or parsing: media type, encoding,
 * size and time. They use node's own request types so they hold whatever web framework carries the routes.
 */

/**
 * Largest activity body accepted. Teams caps a message or card at about 28 KB and the Bot Framework connector
 * sends activities of a few KB (an adaptive card action carries the card's data, not the card); 256 KiB leaves
 * ample room for that while keeping a burst of hostile requests to a few MB of memory.
 */
export const MAX_ACTIVITY_BYTES = 256 * 1024;

/** A client must have sent all of its request headers within this time after connecting (or after its last answer). */
export const HEADERS_TIMEOUT_MS = 5_000;
/** ...and the whole request, body included, within this time after its headers. */
export const REQUEST_TIMEOUT_MS = 10_000;
/** Idle keep-alive connections are closed after this. */
export const KEEP_ALIVE_TIMEOUT_MS = 5_000;
/** Connections held at once; node closes any beyond this as soon as it accepts them. */
export const MAX_CONNECTIONS = 256;

/** A refusal with the status to answer and a generic, fixed body: nothing from the request or a library is echoed. */
export class RequestRefused extends Error {
  constructor(
    readonly status: 400 | 403 | 413 | 415,
    readonly code: string,
  ) {
    super(code);
    this.name = 'RequestRefused';
  }
}

const JSON_MEDIA_TYPE = 'application/json';

/**
 * Accepts only `application/json` (optionally `; charset=utf-8`) without a Content-Encoding other than identity.
 * Anything else is 415 — in particular the three types a browser may send cross-origin without a preflight
 * (form-urlencoded, multipart, text/plain), and gzip, which is never unpacked here.
 */
export function requireJsonWithoutEncoding(request: IncomingMessage): void {
  const encoding = (request.headers['content-encoding'] ?? '').trim().toLowerCase();
  if (encoding !== '' && encoding !== 'identity') throw new RequestRefused(415, 'unsupportedContentEncoding');
  const [mediaType, ...parameters] = (request.headers['content-type'] ?? '').split(';').map((part) => part.trim().toLowerCase());
  if (mediaType !== JSON_MEDIA_TYPE) throw new RequestRefused(415, 'unsupportedMediaType');
  for (const parameter of parameters) {
    if (parameter === '') continue;
    const [name, value] = parameter.split('=').map((part) => part.trim().replace(/^"|"$/g, ''));
    if (name !== 'charset' || value !== 'utf-8') throw new RequestRefused(415, 'unsupportedMediaType');
  }
}

/**
 * A request that carries `Origin` or `Referer` came from a web page (browsers add them; the Bot Framework
 * channels, the Agents Playground's server and our tests do not). Without authentication (local mode) such a
 * page must not be able to drive the bot.
 */
export function refuseBrowserRequests(request: IncomingMessage): void {
  if (request.headers.origin !== undefined || request.headers.referer !== undefined) {
    throw new RequestRefused(403, 'browserRequestsRefused');
  }
}

/**
 * Reads the body as JSON, counting bytes as they arrive and stopping at `limitBytes` (413 at once when the declared
 * Content-Length is already larger). Nothing is buffered beyond the limit and nothing touches the disk.
 */
export async function readJsonBody(request: IncomingMessage, limitBytes: number = MAX_ACTIVITY_BYTES): Promise<unknown> {
  const declared = request.headers['content-length'];
  if (declared !== undefined && !(Number(declared) <= limitBytes)) throw new RequestRefused(413, 'bodyTooLarge');
  const text = await new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitBytes) {
        cleanUp();
        request.pause();
        reject(new RequestRefused(413, 'bodyTooLarge'));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanUp();
      resolve(Buffer.concat(chunks).toString('utf8'));
    };
    const onAborted = () => {
      cleanUp();
      reject(new RequestRefused(400, 'bodyIncomplete'));
    };
    const cleanUp = () => {
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('error', onAborted);
      request.off('close', onAborted);
    };
    request.on('data', onData);
    request.on('end', onEnd);
    request.on('error', onAborted);
    request.on('close', onAborted);
  });
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new RequestRefused(400, 'bodyNotJson');
  }
}

/** How long a refused request may go on sending its body (read into the void) before it is answered and cut off. */
const REFUSAL_DRAIN_MS = 2_000;

/** Writes a small fixed JSON body. */
export function answer(response: ServerResponse, status: number, body: Record<string, string>): void {
  if (response.headersSent || response.writableEnded || response.destroyed) return;
  const payload = JSON.stringify(body);
  response.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(payload) });
  response.end(payload);
}

/**
 * Answers a refusal once the rest of the request body has been read into the void (never kept), for at most
 * REFUSAL_DRAIN_MS. Answering while the client is still sending makes node close the connection right after the
 * answer, and the client's kernel then resets it — often before the client has read why it was refused.
 */
export async function refuse(response: ServerResponse, refusal: RequestRefused): Promise<void> {
  const request = response.req;
  if (!request.readableEnded && !request.destroyed) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, REFUSAL_DRAIN_MS);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      request.once('end', done);
      request.once('close', done);
      request.resume();
    });
  }
  answer(response, refusal.status, { error: refusal.code });
}

export interface ConnectionLimits {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  maxConnections: number;
}

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  headersTimeoutMs: HEADERS_TIMEOUT_MS,
  requestTimeoutMs: REQUEST_TIMEOUT_MS,
  keepAliveTimeoutMs: KEEP_ALIVE_TIMEOUT_MS,
  maxConnections: MAX_CONNECTIONS,
};

/**
 * Bounds how long a connection may take to send a request, and how many are held at once. Node's own
 * headersTimeout/requestTimeout are set too, but node checks them only every 30 s (connectionsCheckingInterval,
 * fixed when the server is created, which restify does for us), so a per-socket deadline enforces them to the
 * millisecond: a slow-headers or slow-body client is cut off when its time is up, whatever it is sending.
 */
export function limitConnections(server: NodeHttpServer, limits: ConnectionLimits = DEFAULT_CONNECTION_LIMITS): void {
  server.headersTimeout = limits.headersTimeoutMs;
  // Node counts its requestTimeout from the first byte of the request, ours from the end of its headers.
  server.requestTimeout = limits.headersTimeoutMs + limits.requestTimeoutMs;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.maxConnections = limits.maxConnections;

  const deadlines = new WeakMap<Socket, NodeJS.Timeout>();
  const arm = (socket: Socket, ms: number) => {
    clearTimeout(deadlines.get(socket));
    if (socket.destroyed) return;
    const timer = setTimeout(() => socket.destroy(), ms);
    timer.unref();
    deadlines.set(socket, timer);
  };
  const disarm = (socket: Socket) => clearTimeout(deadlines.get(socket));

  server.on('connection', (socket: Socket) => {
    arm(socket, limits.headersTimeoutMs);
    socket.once('close', () => disarm(socket));
  });
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const socket = request.socket;
    // Headers are in; the body must follow within the request timeout.
    arm(socket, limits.requestTimeoutMs);
    let received = false;
    let answered = false;
    // Received and answered: the next request on this keep-alive connection gets a fresh headers deadline
    // (node drains an unread body after the answer, so 'end' may come second).
    const next = () => arm(socket, limits.headersTimeoutMs + limits.keepAliveTimeoutMs);
    request.once('end', () => {
      received = true;
      if (answered) next();
      else disarm(socket);
    });
    response.once('finish', () => {
      answered = true;
      if (received) next();
    });
  });
}
