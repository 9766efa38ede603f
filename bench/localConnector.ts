/**
 * A stand-in for the Bot Connector at an activity's `serviceUrl`, so the bot's outgoing calls (replies, the
 * member lookup of a new conversation) land on loopback and answer at once instead of failing on a dead port.
 * The benchmarks only need it to answer; they do not read what was sent.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LocalConnector {
  serviceUrl: string;
  close(): Promise<void>;
}

export async function startLocalConnector(): Promise<LocalConnector> {
  let nextId = 1;
  const server = http.createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const isActivity = /^\/v3\/conversations\/[^/]+\/activities(\/[^/]+)?$/.test(request.url ?? '');
      const answersActivity = isActivity && (request.method === 'POST' || request.method === 'PUT');
      response.statusCode = answersActivity ? 200 : 404;
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify(answersActivity ? { id: `bench-${nextId++}` } : { error: { code: 'NotFound' } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    serviceUrl: `http://127.0.0.1:${port}/`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
