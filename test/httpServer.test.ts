import { CloudAdapter, ActivityHandler } from 'botbuilder';
import { createHttpServer, listen } from '../bot/httpServer';
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

  it('binds to loopback in local mode', () => {
    expect(new URL(bot.url).hostname).toBe('127.0.0.1');
  });
});

describe('readiness when a dependency fails', () => {
  it('answers 503 naming the dependency and the reason', async () => {
    const server = createHttpServer({
      adapter: new CloudAdapter(),
      bot: new ActivityHandler(),
      readiness: [
        { name: 'storage', check: async () => undefined },
        { name: 'partnerCenter', check: async () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:3979')) },
      ],
      version: '1.2.3',
      logger: silentLogger,
    });
    const url = await listen(server, 0, '127.0.0.1');
    try {
      const response = await fetch(`${url}/readyz`);
      expect(response.status).toBe(503);
      expect(await response.json()).toEqual({
        status: 'not ready',
        failures: [{ name: 'partnerCenter', reason: 'connect ECONNREFUSED 127.0.0.1:3979' }],
      });
    } finally {
      server.close();
    }
  });
});
