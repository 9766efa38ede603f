import { activity, BotProcess, channelClaims, json, MetadataServer, PRODUCTION_APP_ID, productionEnv, rawRequest, SigningKit } from './support';

/**
 * Issue 9, item 3: Microsoft's OpenID metadata endpoint accepts connections and never answers. The production
 * bot (its own process) answers 503 with a generic body within seconds, fetches once for a burst of requests,
 * then answers at once from its negative cache without asking again — and stays alive.
 */
describe('the production bot while the OpenID metadata endpoint never answers', () => {
  const kit = new SigningKit();
  const metadata = new MetadataServer(kit);
  const bot = new BotProcess();
  const serviceUrl = 'https://smba.trafficmanager.net/emea/';
  const post = () =>
    rawRequest(bot.url, {
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${kit.sign(channelClaims(PRODUCTION_APP_ID, serviceUrl))}` },
      body: json(activity(serviceUrl, { type: 'typing' })),
    });

  beforeAll(async () => {
    metadata.mode = 'silent';
    await metadata.start();
    await bot.start(productionEnv(), metadata.url);
  }, 60_000);
  afterAll(async () => {
    await bot.stop();
    await metadata.close();
  });

  it('a burst of requests gets 503 with a generic body within a few seconds, from one fetch', async () => {
    const started = Date.now();
    const replies = await Promise.all(Array.from({ length: 10 }, post));
    expect(Date.now() - started).toBeLessThan(6_000);
    for (const reply of replies) expect(reply).toMatchObject({ status: 503, body: json({ error: 'authenticationUnavailable' }) });
    expect(metadata.metadataRequests).toBe(1);
    expect(await bot.healthy()).toBe(true);
  });

  it('the next requests are refused at once without asking the endpoint again', async () => {
    const started = Date.now();
    for (let i = 0; i < 5; i++) expect((await post()).status).toBe(503);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(metadata.metadataRequests).toBe(1);
    expect(await bot.healthy()).toBe(true);
  });

  it('a request without a token is still 401, not 503: no key is needed to refuse it', async () => {
    const reply = await rawRequest(bot.url, { headers: { 'Content-Type': 'application/json' }, body: json(activity(serviceUrl)) });
    expect(reply.status).toBe(401);
  });
});
