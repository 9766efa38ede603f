import axios from 'axios';
import { SANDBOX_CLIENT_SECRET } from '../../sandbox/identity';
import { startSandbox, type RunningSandbox } from '../../sandbox/server';
import { RefreshTokenStore, type PartnerConnectionStatus } from '../../services/auth';
import { ApiHttp, isApiError } from '../../services/http';
import { PartnerNotConnectedError } from '../../services/http/errors';
import { PartnerCenterClient } from '../../services/partnerCenter';
import { IN_MEMORY, openSqliteStore, type Store, type StoredItem, type TableName } from '../../services/store';
import { sandboxAuth, type SandboxAuth } from '../support/sandboxAuth';

const DAY = 86_400_000;

/**
 * The partner admin's refresh token as Microsoft runs it: valid 90 days from issue, a new one from every redemption.
 * The bot keeps working only because it stores the newest one each time; the sandbox's own clock decides validity.
 */
describe('refresh token rotation against the sandbox identity endpoint', () => {
  let sandbox: RunningSandbox;
  /** The bot's clock follows the sandbox's offset, as if the days had really passed. */
  let offsetMs = 0;
  const botNow = () => Date.now() + offsetMs;

  beforeEach(async () => {
    sandbox = await startSandbox({ port: 0, seed: 'demo' });
    offsetMs = 0;
  });
  afterEach(() => sandbox.close());

  async function advanceDays(days: number): Promise<void> {
    const response = await fetch(`${sandbox.url}/_sandbox/clock`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ advanceDays: days }),
    });
    expect(response.status).toBe(200);
    offsetMs += days * DAY;
  }

  async function identityRequests(): Promise<{ operation: string; status: number; client: string | null; path: string }[]> {
    const body = (await (await fetch(`${sandbox.url}/_sandbox/requests`)).json()) as { requests: { api: string; operation: string; status: number; client: string | null; path: string }[] };
    return body.requests.filter((entry) => entry.api === 'identity');
  }

  function auth(options: { store?: Store; connect?: boolean } = {}): Promise<SandboxAuth> {
    return sandboxAuth(sandbox, { now: botNow, cache: { now: botNow }, ...options });
  }

  /** A scan-like App+User call: the customer's subscribed SKUs from Partner Center. */
  async function subscribedSkus(tokens: SandboxAuth['tokens'], customerId: string): Promise<number> {
    const client = new PartnerCenterClient({
      http: new ApiHttp({ axios: axios.create() }),
      baseUrl: sandbox.partnerCenterBaseUrl,
      getToken: tokens.partnerCenter,
      getUserToken: tokens.partnerCenterUser,
    });
    return (await client.listSubscribedSkus(customerId)).length;
  }

  async function customerNamed(name: string): Promise<string> {
    const body = (await (await fetch(`${sandbox.url}/_sandbox/customers`)).json()) as { customers: { id: string; companyName: string }[] };
    const found = body.customers.find((customer) => customer.companyName === name);
    if (!found) throw new Error(`no demo customer ${name}`);
    return found.id;
  }

  /** Redeems a refresh token at the partner tenant directly, as any client would. */
  async function redeem(refreshToken: string): Promise<{ status: number; body: { error?: string; error_codes?: number[]; refresh_token?: string } }> {
    const response = await fetch(`${sandbox.url}/${sandbox.partnerTenantId}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        client_id: sandbox.clientId,
        client_secret: SANDBOX_CLIENT_SECRET,
        refresh_token: refreshToken,
        scope: 'https://api.partnercenter.microsoft.com/user_impersonation offline_access',
      }).toString(),
    });
    return { status: response.status, body: (await response.json()) as { error?: string; error_codes?: number[] } };
  }

  async function storedRefreshToken(partner: SandboxAuth): Promise<string> {
    const tokens = new RefreshTokenStore(partner.store, partner.encryptionKey);
    const record = await tokens.read();
    if (!record) throw new Error('nothing stored');
    return tokens.refreshTokenOf(record);
  }

  it("msal-node's own requests are what reach the sandbox's identity endpoint: discovery, metadata, device code and token", async () => {
    const partner = await auth();
    await partner.tokens.partnerCenter();
    await partner.tokens.partnerCenterUser();
    const requests = await identityRequests();
    const operations = new Set(requests.map((entry) => entry.operation));
    for (const expected of ['instance-discovery', 'openid-configuration', 'devicecode', 'token:device_code', 'token:client_credentials', 'token:refresh_token']) {
      expect(operations).toContain(expected);
    }
    // msal-node names itself (x-client-SKU, x-client-VER) on every token request; its devicecode request carries no such field.
    const tokenRequests = requests.filter((entry) => entry.operation.startsWith('token:'));
    expect(tokenRequests.length).toBeGreaterThanOrEqual(3);
    for (const entry of tokenRequests) {
      expect({ operation: entry.operation, client: entry.client }).toEqual({ operation: entry.operation, client: expect.stringMatching(/^msal\.js\.node \d+\.\d+\.\d+$/) });
    }
    // Device-code polls answer 400 authorization_pending until the sandbox approves; then every grant succeeded.
    for (const operation of ['token:device_code', 'token:client_credentials', 'token:refresh_token']) {
      expect(tokenRequests.filter((entry) => entry.operation === operation).at(-1)?.status).toBe(200);
    }
    expect(requests.find((entry) => entry.operation === 'token:refresh_token')?.path).toBe(`/${sandbox.partnerTenantId}/oauth2/v2.0/token`);
  });

  it('+80 days, +80 days: App+User calls keep working only because the newest refresh token was stored; the first one is refused', async () => {
    const customerId = await customerNamed('Relecloud');
    const partner = await auth();
    const original = await storedRefreshToken(partner);
    expect(await subscribedSkus(partner.tokens, customerId)).toBeGreaterThan(0);

    await advanceDays(80);
    expect(await subscribedSkus(partner.tokens, customerId)).toBeGreaterThan(0);
    const atDay80 = await storedRefreshToken(partner);
    expect(atDay80).not.toBe(original);

    await advanceDays(80);
    expect(await subscribedSkus(partner.tokens, customerId)).toBeGreaterThan(0);
    expect(await storedRefreshToken(partner)).not.toBe(atDay80);

    // Day 160: the token of the sign-in is 70 days past its 90.
    const refused = await redeem(original);
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('invalid_grant');
    expect(refused.body.error_codes).toEqual([700082]);
    const status = await partner.partnerConnection.status();
    expect(status).toMatchObject({ state: 'connected', userPrincipalName: 'admin@sandboxpartner.onmicrosoft.com', mfa: true });
    expect(botNow() - (status.tokenIssuedAt ?? 0)).toBeLessThan(DAY);
  });

  it('+100 days without a redemption: a clear "reconnect" error, status expired, and the listeners hear it', async () => {
    const partner = await auth();
    const heard: PartnerConnectionStatus[] = [];
    partner.partnerConnection.onChange((status) => heard.push(status));
    await advanceDays(100);

    expect((await partner.partnerConnection.status()).state).toBe('expired');
    const error = await partner.tokens.partnerCenterUser().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PartnerNotConnectedError);
    expect(error).toMatchObject({ reason: 'expired' });
    expect((error as Error).message).toMatch(/reconnect.*connect partner center.*npm run connect/);
    expect(isApiError(error)).toBe(false);

    expect(heard.at(-1)).toMatchObject({ state: 'expired', lastFailure: { reason: expect.stringContaining('AADSTS700082') } });
    expect(await partner.partnerConnection.status()).toMatchObject({ state: 'expired', lastFailure: { reason: expect.stringContaining('AADSTS700082') } });
    // Never app-only instead: no Partner Center call went out with any token.
    const calls = (await (await fetch(`${sandbox.url}/_sandbox/requests`)).json()) as { requests: { api: string }[] };
    expect(calls.requests.filter((entry) => entry.api === 'partnerCenter')).toEqual([]);
  });

  it('nobody connected: App+User refuses with PartnerNotConnectedError and never falls back to app-only', async () => {
    const partner = await auth({ connect: false });
    expect(await partner.partnerConnection.status()).toEqual({ state: 'notConnected', mfa: false });
    await expect(partner.tokens.partnerCenterUser()).rejects.toMatchObject({ name: 'PartnerNotConnectedError', reason: 'notConnected' });
    await expect(partner.tokens.graphDelegated(await customerNamed('Relecloud'))).rejects.toBeInstanceOf(PartnerNotConnectedError);
  });

  it('two instances on one store: a slow instance never overwrites the newer token another stored meanwhile', async () => {
    const shared = openSqliteStore(IN_MEMORY);
    const gate = holdWrites(shared);
    const first = await auth({ store: shared });
    const slow = await sandboxAuth(sandbox, { store: gate.store, encryptionKey: first.encryptionKey, connect: false, now: botNow, cache: { now: botNow } });
    const other = await sandboxAuth(sandbox, { store: shared, encryptionKey: first.encryptionKey, connect: false, now: botNow, cache: { now: botNow } });

    // Day 0: the slow instance redeems, but its write of the new token is held up.
    gate.hold();
    const slowToken = slow.tokens.partnerCenterUser();
    await gate.reached;

    // Day 80: the other instance redeems and stores its (newer) token.
    await advanceDays(80);
    await other.tokens.partnerCenterUser();
    const newest = await storedRefreshToken(first);

    // The slow write arrives late: compare-and-set refuses it, and the slow caller still gets its access token.
    gate.release();
    await expect(slowToken).resolves.toEqual(expect.any(String));
    expect(await storedRefreshToken(first)).toBe(newest);

    // Day 100: the day-0 token would have run out; the stored day-80 one carries a fresh instance on.
    await advanceDays(20);
    const fresh = await sandboxAuth(sandbox, { store: shared, encryptionKey: first.encryptionKey, connect: false, now: botNow, cache: { now: botNow } });
    await expect(fresh.tokens.partnerCenterUser()).resolves.toEqual(expect.any(String));
    // …and the slow instance, redeeming again, uses the winner's token from the store.
    await expect(slow.tokens.graphDelegated(await customerNamed('Relecloud'))).resolves.toEqual(expect.any(String));
  });

  it('two instances redeeming at once, over and over across 200 days, always leave a token that works', async () => {
    const shared = openSqliteStore(IN_MEMORY);
    const first = await auth({ store: shared });
    const second = await sandboxAuth(sandbox, { store: shared, encryptionKey: first.encryptionKey, connect: false, now: botNow, cache: { now: botNow } });
    const customerId = await customerNamed('Relecloud');
    for (let round = 0; round < 5; round++) {
      await advanceDays(40);
      // Day 40 × round: both caches are stale (the bot clock moved too), so both redeem, concurrently.
      const results = await Promise.all([first.tokens.partnerCenterUser(), second.tokens.graphDelegated(customerId), second.tokens.partnerCenterUser()]);
      expect(results.every((token) => typeof token === 'string')).toBe(true);
      expect((await first.partnerConnection.status()).state).toBe('connected');
    }
  });

  it('a token sealed with another TOKEN_ENCRYPTION_KEY is a clear reconnect error and a failing connection, not a crash', async () => {
    const first = await auth();
    const other = await sandboxAuth(sandbox, { store: first.store, encryptionKey: Buffer.alloc(32, 9), connect: false, now: botNow, cache: { now: botNow } });
    await expect(other.tokens.partnerCenterUser()).rejects.toMatchObject({ name: 'PartnerNotConnectedError', reason: 'refused' });
    expect(await other.partnerConnection.status()).toMatchObject({ state: 'failing', lastFailure: { reason: expect.stringContaining('TOKEN_ENCRYPTION_KEY') } });
  });

  it('stores the refresh token encrypted: the stored value holds no trace of the token, another key cannot open it', async () => {
    const partner = await auth();
    const token = await storedRefreshToken(partner);
    const raw = JSON.stringify(await partner.store.get('meta', 'partnerConnection'));
    expect(token.length).toBeGreaterThan(40);
    for (const form of [token, Buffer.from(token).toString('base64'), token.slice(6, 40)]) expect(raw).not.toContain(form);
    expect(raw).toContain('admin@sandboxpartner.onmicrosoft.com');

    const wrongKey = new RefreshTokenStore(partner.store, Buffer.alloc(32, 7));
    const record = await wrongKey.read();
    expect(record).toBeDefined();
    expect(() => wrongKey.refreshTokenOf(record as NonNullable<typeof record>)).toThrow(/TOKEN_ENCRYPTION_KEY/);
  });
});

/** A store whose writes of the partner connection can be held, to line up a race exactly. */
function holdWrites(inner: Store): { store: Store; hold(): void; release(): void; reached: Promise<void> } {
  let held = false;
  let open: () => void = () => undefined;
  let gate = Promise.resolve();
  let arrive: () => void = () => undefined;
  const reached = new Promise<void>((resolve) => (arrive = resolve));
  const store: Store = Object.create(inner) as Store;
  store.replace = async <T>(table: TableName, key: string, value: T, expectedVersion: string): Promise<StoredItem<T>> => {
    if (held && table === 'meta' && key === 'partnerConnection') {
      arrive();
      await gate;
    }
    return inner.replace(table, key, value, expectedVersion);
  };
  return {
    store,
    hold: () => {
      held = true;
      gate = new Promise<void>((resolve) => (open = resolve));
    },
    release: () => {
      held = false;
      open();
    },
    reached,
  };
}
