import { ActivityHandler } from 'botbuilder';
import type { Server } from 'restify';
import {
  createBotAdapter,
  GuardedSigningKeys,
  KEY_FETCH_RETRY_AFTER_MS,
  KEY_REFRESH_INTERVAL_MS,
  SigningKeysUnavailable,
  UNKNOWN_KEY_REFRESH_INTERVAL_MS,
} from '../../bot/botAuthentication';
import { createHttpServer, listen } from '../../bot/httpServer';
import { silentLogger } from '../../services/logging';
import { activity, channelClaims, json, MetadataServer, PRODUCTION_APP_ID, rawRequest, SigningKit } from './support';

describe('the guarded signing-key cache', () => {
  const kit = new SigningKit();
  let metadata: MetadataServer;
  let clock: number;
  const keys = () => new GuardedSigningKeys(metadata.url, () => clock);

  beforeEach(async () => {
    metadata = await new MetadataServer(kit).start();
    clock = 1_000_000;
  });
  afterEach(() => metadata.close());

  it('serves the published RSA key as PEM, and nothing for an unknown key id', async () => {
    const cache = keys();
    expect((await cache.getKey(kit.kid))?.key).toContain('BEGIN PUBLIC KEY');
    expect(await cache.getKey('forged')).toBeNull();
    expect(await cache.getKey(undefined)).toBeNull();
    expect({ metadata: metadata.metadataRequests, keys: metadata.keyRequests }).toEqual({ metadata: 1, keys: 1 });
  });

  it('an unknown key id refetches at most once per interval', async () => {
    const cache = keys();
    await cache.getKey(kit.kid);
    for (let i = 0; i < 5; i++) await cache.getKey(`forged-${i}`);
    expect(metadata.metadataRequests).toBe(1);
    clock += UNKNOWN_KEY_REFRESH_INTERVAL_MS + 1;
    await cache.getKey('forged');
    await cache.getKey('forged-again');
    expect(metadata.metadataRequests).toBe(2);
  });

  it('concurrent requests share one fetch', async () => {
    metadata.mode = 'slow';
    metadata.slowMs = 300;
    const cache = keys();
    const found = await Promise.all(Array.from({ length: 10 }, () => cache.getKey(kit.kid)));
    expect(found.every((key) => key !== null)).toBe(true);
    expect(metadata.metadataRequests).toBe(1);
  });

  it.each(['error', 'refuse'] as const)('an endpoint that answers %s makes keys unavailable, and is not asked again for a while', async (mode) => {
    metadata.mode = mode;
    const cache = keys();
    await expect(cache.getKey(kit.kid)).rejects.toThrow(SigningKeysUnavailable);
    await expect(cache.getKey(kit.kid)).rejects.toThrow(SigningKeysUnavailable);
    expect(metadata.metadataRequests).toBe(1);
    metadata.mode = 'good';
    clock += KEY_FETCH_RETRY_AFTER_MS - 1;
    await expect(cache.getKey(kit.kid)).rejects.toThrow(SigningKeysUnavailable);
    clock += 2;
    expect(await cache.getKey(kit.kid)).not.toBeNull();
    expect(metadata.metadataRequests).toBe(2);
  });

  it('a silent endpoint is given up on within the fetch timeout', async () => {
    metadata.mode = 'silent';
    const started = Date.now();
    await expect(keys().getKey(kit.kid)).rejects.toThrow(SigningKeysUnavailable);
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  it('keeps serving the keys it has when a refresh fails', async () => {
    const cache = keys();
    await cache.getKey(kit.kid);
    metadata.mode = 'error';
    clock += KEY_REFRESH_INTERVAL_MS + 1;
    expect(await cache.getKey(kit.kid)).not.toBeNull();
    expect(metadata.metadataRequests).toBe(2);
  });

  it('the error says nothing about the endpoint', async () => {
    metadata.mode = 'error';
    const error = await keys()
      .getKey(kit.kid)
      .catch((e: unknown) => e);
    expect(String(error)).not.toMatch(/127\.0\.0\.1|internal-metadata-host|ENOTFOUND|500/);
  });
});

describe('/api/messages while signing keys cannot be had (in process)', () => {
  const kit = new SigningKit();
  let metadata: MetadataServer;
  let server: Server;
  let url: string;
  let turns: number;

  const start = async (authenticationTimeoutMs?: number) => {
    metadata = await new MetadataServer(kit).start();
    turns = 0;
    const bot = new ActivityHandler();
    bot.onTurn(async (_context, next) => {
      turns += 1;
      await next();
    });
    server = createHttpServer({
      adapter: createBotAdapter({ appId: PRODUCTION_APP_ID, appPassword: 'x', appType: 'MultiTenant', appTenantId: '', openIdMetadataUrl: metadata.url }),
      bot,
      readiness: [],
      version: '1',
      logger: silentLogger,
      localMode: false,
      limits: authenticationTimeoutMs === undefined ? {} : { authenticationTimeoutMs },
    });
    url = await listen(server, 0, '127.0.0.1');
  };
  afterEach(async () => {
    server.close();
    await metadata.close();
  });

  const post = () => {
    const serviceUrl = 'https://smba.trafficmanager.net/emea/';
    return rawRequest(url, {
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${kit.sign(channelClaims(PRODUCTION_APP_ID, serviceUrl))}` },
      body: json(activity(serviceUrl, { type: 'typing' })),
    });
  };

  it('an endpoint answering 500 gives 503 with a generic body', async () => {
    await start();
    metadata.mode = 'error';
    const reply = await post();
    expect(reply).toMatchObject({ status: 503, body: json({ error: 'authenticationUnavailable' }) });
    expect(turns).toBe(0);
  });

  it('authentication that outlasts its time box answers 503, and the activity is not processed when it completes later', async () => {
    await start(200);
    metadata.mode = 'slow';
    metadata.slowMs = 400;
    const started = Date.now();
    const reply = await post();
    expect(reply.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(400);
    // The keys arrive after the answer: the late authentication must not run the turn.
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    expect(metadata.keyRequests).toBe(1);
    expect(turns).toBe(0);
    // The control: now that the keys are cached, the same request is processed.
    expect((await post()).status).toBe(200);
    expect(turns).toBe(1);
  });
});
