import { CloudAdapter, ActivityHandler } from 'botbuilder';
import * as net from 'node:net';
import * as os from 'node:os';
import { createHttpServer, HttpServerDeps, listen, ReadinessCheck } from '../bot/httpServer';
import { RunningBot, startBot } from '../bot/index';
import { silentLogger } from '../services/logging';
import { testConfig } from './support/config';
import packageJson from '../package.json';

describe('health and readiness probes', () => {
  let bot: RunningBot;
  let cleanup: () => void;

  beforeAll(async () => {
    const test = testConfig();
    cleanup = test.cleanup;
    bot = await startBot(test.config, silentLogger);
  });
  afterAll(async () => {
    await bot.close();
    cleanup();
  });

  it('GET /healthz answers ok with the version', async () => {
    const response = await fetch(`${bot.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok', version: packageJson.version });
  });

  it('GET /readyz answers 200 when storage answers', async () => {
    const response = await fetch(`${bot.url}/readyz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ready', checks: ['storage', 'partnerCenter'] });
  });

  it('/readyz/details says who the bot acts as in Partner Center, with MFA and the token age, while ready', async () => {
    const response = await fetch(`${bot.url}/readyz/details`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { checks: { name: string; reason?: string; details?: string }[] };
    const partnerCenter = body.checks.find((c) => c.name === 'partnerCenter');
    expect(partnerCenter).toEqual({ name: 'partnerCenter', details: expect.stringMatching(/^connected as \S+@\S+, MFA, refresh token 0 days old$/) });
    // The public probe stays terse.
    expect(await (await fetch(`${bot.url}/readyz`)).json()).toEqual({ status: 'ready', checks: ['storage', 'partnerCenter'] });
  });

  it('binds to loopback in local mode', () => {
    expect(new URL(bot.url).hostname).toBe('127.0.0.1');
  });
});

describe('/readyz while Partner Center fails', () => {
  let bot: RunningBot;
  let cleanup: () => void;
  let sandboxUrl: string;

  const sandbox = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${sandboxUrl}/_sandbox${path}`, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return response.json() as Promise<{ requests: { seq: number; api: string }[] }>;
  };
  const partnerCenterCalls = async () => (await sandbox('GET', '/requests')).requests.filter((r) => r.api === 'partnerCenter').length;

  beforeAll(async () => {
    const test = testConfig();
    cleanup = test.cleanup;
    bot = await startBot(test.config, silentLogger);
    sandboxUrl = bot.backend.embeddedSandbox?.url ?? '';
    await sandbox('PUT', '/knobs', { faults: [{ action: 'serverError', operation: '*', status: 503 }] });
  });
  afterAll(async () => {
    await bot.close();
    cleanup();
  });

  it('21 probes in the cache window cost Partner Center one check, and the public body names no tenant and no error', async () => {
    const before = await partnerCenterCalls();
    const first = await fetch(`${bot.url}/readyz`);
    const oneCheck = (await partnerCenterCalls()) - before;
    expect(oneCheck).toBeGreaterThan(0);
    const bodies = [await first.text()];
    const more = await Promise.all(Array.from({ length: 20 }, () => fetch(`${bot.url}/readyz`)));
    for (const response of more) bodies.push(await response.text());
    expect((await partnerCenterCalls()) - before).toBe(oneCheck);
    expect(first.status).toBe(503);
    for (const body of bodies) {
      expect(JSON.parse(body)).toEqual({ status: 'not ready', checks: ['storage', 'partnerCenter'], failing: ['partnerCenter'] });
      expect(body).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/i);
    }
  });

  it('the reasons are at /readyz/details, for loopback callers', async () => {
    const response = await fetch(`${bot.url}/readyz/details`);
    expect(response.status).toBe(503);
    const body = (await response.json()) as { status: string; checks: { name: string; reason?: string }[] };
    expect(body.status).toBe('not ready');
    expect(body.checks.map((c) => c.name)).toEqual(['storage', 'partnerCenter']);
    expect(body.checks[0].reason).toBeUndefined();
    expect(body.checks[1].reason).toEqual(expect.any(String));
  });
});

describe('readiness of a bare server', () => {
  const serve = async (readiness: ReadinessCheck[], overrides: Partial<HttpServerDeps> = {}) => {
    const server = createHttpServer({ adapter: new CloudAdapter(), bot: new ActivityHandler(), readiness, version: '1.2.3', logger: silentLogger, ...overrides });
    return { server, url: await listen(server, 0, '127.0.0.1') };
  };

  it('answers 503 naming the failing check but not its reason', async () => {
    const { server, url } = await serve([
      { name: 'storage', check: async () => undefined },
      { name: 'partnerCenter', check: async () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:3979 tenant 5a1db0c5')) },
    ]);
    try {
      const response = await fetch(`${url}/readyz`);
      expect(response.status).toBe(503);
      expect(await response.json()).toEqual({ status: 'not ready', checks: ['storage', 'partnerCenter'], failing: ['partnerCenter'] });
      const details = await fetch(`${url}/readyz/details`);
      expect(((await details.json()) as { checks: unknown[] }).checks).toEqual([
        { name: 'storage' },
        { name: 'partnerCenter', reason: 'connect ECONNREFUSED 127.0.0.1:3979 tenant 5a1db0c5' },
      ]);
    } finally {
      server.close();
    }
  });

  it('checks again once the cache window has passed, and concurrent probes share one check', async () => {
    let calls = 0;
    const { server, url } = await serve(
      [
        {
          name: 'storage',
          check: async () => {
            calls += 1;
            await new Promise((resolve) => setTimeout(resolve, 50));
          },
        },
      ],
      { limits: { readinessCacheMs: 300 } },
    );
    try {
      await Promise.all(Array.from({ length: 10 }, () => fetch(`${url}/readyz`)));
      expect(calls).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 350));
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
      expect(calls).toBe(2);
    } finally {
      server.close();
    }
  });

  it('/readyz/details is not found for a caller that is not on loopback', async () => {
    // Bound to every interface and reached through a non-loopback address of this machine.
    const external = Object.values(os.networkInterfaces())
      .flat()
      .find((address) => address !== undefined && !address.internal && address.family === 'IPv4');
    if (external === undefined) throw new Error('this test needs a non-loopback IPv4 address');
    const server = createHttpServer({ adapter: new CloudAdapter(), bot: new ActivityHandler(), readiness: [], version: '1', logger: silentLogger });
    const port = new URL(await listen(server, 0, '0.0.0.0')).port;
    try {
      const reply = await fetch(`http://${external.address}:${port}/readyz/details`);
      expect(reply.status).toBe(404);
      expect(await reply.json()).toEqual({ error: 'notFound' });
      expect((await fetch(`http://127.0.0.1:${port}/readyz/details`)).status).toBe(200);
    } finally {
      server.close();
    }
  });
});

describe('connection limits', () => {
  it('connections beyond the cap are dropped at once', async () => {
    const server = createHttpServer({
      adapter: new CloudAdapter(),
      bot: new ActivityHandler(),
      readiness: [],
      version: '1',
      logger: silentLogger,
      limits: { maxConnections: 3 },
    });
    const url = new URL(await listen(server, 0, '127.0.0.1'));
    const sockets: net.Socket[] = [];
    try {
      const closed = await Promise.all(
        Array.from({ length: 5 }, async () => {
          const socket = net.connect(Number(url.port), url.hostname);
          sockets.push(socket);
          socket.on('error', () => undefined);
          return new Promise<boolean>((resolve) => {
            socket.on('close', () => resolve(true));
            setTimeout(() => resolve(false), 1_000);
          });
        }),
      );
      expect(closed.filter(Boolean)).toHaveLength(2);
    } finally {
      for (const socket of sockets) socket.destroy();
      server.close();
    }
  });
});
