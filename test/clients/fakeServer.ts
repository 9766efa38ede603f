/** A scripted HTTP server on 127.0.0.1 (port 0) that records every request, for client tests over real HTTP. */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import axios from 'axios';
import { ApiHttp, type ApiHttpOptions } from '../../services/http/apiHttp';
import type { RequestLogEntry } from '../../services/http/logger';

export interface RecordedRequest {
  method: string;
  /** Path and query as received. */
  url: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: unknown;
  receivedAt: number;
}

export type Reply =
  | { status: number; body?: unknown; headers?: Record<string, string> }
  /** Never answer (the client's timeout fires). */
  | 'hang'
  /** Drop the connection without a response. */
  | 'reset';

export type Handler = (request: RecordedRequest, index: number) => Reply | Promise<Reply>;

export interface FakeServer {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export async function startFakeServer(handler: Handler): Promise<FakeServer> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const parsed = new URL(req.url ?? '/', 'http://127.0.0.1');
      const recorded: RecordedRequest = {
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        path: parsed.pathname,
        query: parsed.searchParams,
        headers: req.headers,
        body: text ? (JSON.parse(text) as unknown) : undefined,
        receivedAt: Date.now(),
      };
      requests.push(recorded);
      void Promise.resolve(handler(recorded, requests.length - 1)).then((reply) => {
        if (reply === 'hang') return;
        if (reply === 'reset') {
          req.socket.destroy();
          return;
        }
        const body = reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
        res.writeHead(reply.status, { 'Content-Type': 'application/json', ...reply.headers });
        res.end(body);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function json(status: number, body?: unknown, headers?: Record<string, string>): Reply {
  return { status, body, headers };
}

export interface TestHttp {
  http: ApiHttp;
  sleeps: number[];
  logs: RequestLogEntry[];
  throttles: number;
}

/** ApiHttp over a real axios instance with a recorded, instant sleep and a fixed random. */
export function createTestHttp(overrides: Partial<ApiHttpOptions> = {}): TestHttp {
  const state: TestHttp = { http: undefined as unknown as ApiHttp, sleeps: [], logs: [], throttles: 0 };
  state.http = new ApiHttp({
    axios: axios.create(),
    timeoutMs: 2_000,
    sleep: async (ms) => {
      state.sleeps.push(ms);
    },
    random: () => 0.5,
    logger: { logRequest: (entry) => state.logs.push(entry) },
    onThrottled: () => {
      state.throttles++;
    },
    ...overrides,
  });
  return state;
}

export const TOKEN = 'eyJhbGciOiJub25lIn0.eyJzZWNyZXQiOiJ0b2tlbiJ9.c2lnbmF0dXJlLXNlY3JldA';
export const getTestToken = (): Promise<string> => Promise.resolve(TOKEN);
