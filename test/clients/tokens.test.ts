import { inspect } from 'node:util';
import {
  graphAppTokenSource,
  partnerCenterAppTokenSource,
  type MsalClientLike,
  type MsalClientSettings,
  type MsalTokenResult,
} from '../../services/auth/msalTokenSources';
import { randomBytes } from 'node:crypto';
import { RefreshTokenStore } from '../../services/auth/refreshTokenStore';
import { cachedTokenSource } from '../../services/auth/tokenCache';
import { createTokenSources, type TokenSourcesConfig, type TokenSourcesDependencies } from '../../services/auth/tokenSources';
import { isAuthFailure, isTokenAcquisitionError, PartnerNotConnectedError, TokenAcquisitionError } from '../../services/http/errors';
import { IN_MEMORY, openSqliteStore } from '../../services/store';

const PARTNER_TENANT = 'aaaaaaaa-0000-4000-8000-000000000001';
const CUSTOMER_TENANT = 'bbbbbbbb-0000-4000-8000-000000000002';
const SECRET = 'super-secret-value~123';
const HOUR = 3_600_000;
const PEM = '-----BEGIN PRIVATE KEY-----\nMIIBfake\n-----END PRIVATE KEY-----\n';

interface FakeMsal {
  factory: (settings: MsalClientSettings) => MsalClientLike;
  created: MsalClientSettings[];
  calls: Array<{ authority: string; kind: 'clientCredential' | 'refreshToken'; scopes: string[]; refreshToken?: string }>;
  /** Makes acquisitions wait until `release()`, so concurrent callers can be observed. */
  hold(): void;
  release(): void;
  fail?: unknown;
}

/** A fake MSAL: each acquisition returns token-<n>, valid for one hour from `clock()`. */
function fakeMsal(clock: () => number): FakeMsal {
  let gate: Promise<void> = Promise.resolve();
  let openGate: () => void = () => undefined;
  const fake: FakeMsal = {
    created: [],
    calls: [],
    hold: () => {
      gate = new Promise<void>((resolve) => (openGate = resolve));
    },
    release: () => openGate(),
    factory: (settings) => {
      fake.created.push(settings);
      const respond = async (kind: 'clientCredential' | 'refreshToken', scopes: string[], refreshToken?: string): Promise<MsalTokenResult> => {
        fake.calls.push({ authority: settings.authority, kind, scopes, ...(refreshToken ? { refreshToken } : {}) });
        const n = fake.calls.length;
        await gate;
        if (fake.fail) throw fake.fail;
        return { accessToken: `token-${n}`, expiresOn: new Date(clock() + HOUR) };
      };
      return {
        acquireTokenByClientCredential: (request) => respond('clientCredential', request.scopes),
        acquireTokenByRefreshToken: (request) => respond('refreshToken', request.scopes, request.refreshToken),
        // Live sources only read it after a refresh-token redemption; this fake's redemptions return no account.
        getTokenCache: () => ({ serialize: () => '{}', removeAccount: async () => undefined }),
      };
    },
  };
  return fake;
}

describe('token cache', () => {
  it('makes one MSAL call for many concurrent callers and reuses the token', async () => {
    let clock = 1_000_000;
    const msal = fakeMsal(() => clock);
    const getToken = partnerCenterAppTokenSource({
      tenantId: PARTNER_TENANT,
      clientId: 'app-id',
      credential: { kind: 'secret', clientSecret: SECRET },
      msalClientFactory: msal.factory,
      cache: { now: () => clock },
    });
    msal.hold();
    const pending = Array.from({ length: 25 }, () => getToken());
    await new Promise((resolve) => setImmediate(resolve));
    expect(msal.calls).toHaveLength(1);
    msal.release();
    const tokens = await Promise.all(pending);
    expect(new Set(tokens)).toEqual(new Set(['token-1']));
    expect(msal.calls).toHaveLength(1);
    expect(msal.calls[0]).toEqual({
      authority: `https://login.microsoftonline.com/${PARTNER_TENANT}`,
      kind: 'clientCredential',
      scopes: ['https://api.partnercenter.microsoft.com/.default'],
    });
    expect(msal.created).toEqual([{ clientId: 'app-id', authority: `https://login.microsoftonline.com/${PARTNER_TENANT}`, clientSecret: SECRET }]);

    clock += 30 * 60_000;
    expect(await getToken()).toBe('token-1');
    expect(msal.calls).toHaveLength(1);
  });

  it('refreshes shortly (5 minutes) before expiry, not after', async () => {
    let clock = 0;
    let issued = 0;
    const getToken = cachedTokenSource(async () => ({ token: `t${++issued}`, expiresAtMs: clock + HOUR }), { now: () => clock });
    expect(await getToken()).toBe('t1');
    clock = HOUR - 5 * 60_000 - 1;
    expect(await getToken()).toBe('t1');
    clock = HOUR - 5 * 60_000;
    expect(await getToken()).toBe('t2');
  });

  it('does not cache a failure: the next caller tries again', async () => {
    let attempts = 0;
    const getToken = cachedTokenSource(async () => {
      attempts++;
      if (attempts === 1) throw new Error('transient');
      return { token: 'ok', expiresAtMs: Date.now() + HOUR };
    });
    await expect(getToken()).rejects.toThrow('transient');
    expect(await getToken()).toBe('ok');
  });

  it('uses one MSAL client and one cached token per customer tenant for Graph', async () => {
    const clock = 0;
    const msal = fakeMsal(() => clock);
    const graph = graphAppTokenSource({ clientId: 'app-id', credential: { kind: 'secret', clientSecret: SECRET }, msalClientFactory: msal.factory, cache: { now: () => clock } });
    await Promise.all([graph(CUSTOMER_TENANT), graph(CUSTOMER_TENANT), graph(PARTNER_TENANT)]);
    await graph(CUSTOMER_TENANT);
    expect(msal.created.map((settings) => settings.authority)).toEqual([
      `https://login.microsoftonline.com/${CUSTOMER_TENANT}`,
      `https://login.microsoftonline.com/${PARTNER_TENANT}`,
    ]);
    expect(msal.calls).toHaveLength(2);
    expect(msal.calls.every((call) => call.scopes[0] === 'https://graph.microsoft.com/.default')).toBe(true);
  });
});

/** The store and key every token source needs (the partner admin's refresh token lives there). */
function deps(extra: Omit<TokenSourcesDependencies, 'store' | 'encryptionKey'> = {}): TokenSourcesDependencies {
  return { store: openSqliteStore(IN_MEMORY), encryptionKey: randomBytes(32), ...extra };
}

describe('createTokenSources (live)', () => {
  it('builds certificate credentials from the PEM file and an App+User source from the stored refresh token', async () => {
    const msal = fakeMsal(() => 0);
    const dependencies = deps({ msalClientFactory: msal.factory, readFile: (path) => (path === '/keys/app.pem' ? PEM : '') });
    await new RefreshTokenStore(dependencies.store, dependencies.encryptionKey).connect(
      { userPrincipalName: 'admin@partner.example', mfa: true, tokenIssuedAt: Date.now(), connectedAt: Date.now() },
      'stored-refresh-token',
    );
    const sources = createTokenSources(
      {
        mode: 'live',
        tenantId: PARTNER_TENANT,
        clientId: 'app-id',
        certificate: { thumbprint: 'AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01', privateKeyPath: '/keys/app.pem' },
      },
      dependencies,
    );
    await sources.partnerCenterUser();
    expect(msal.created[0].clientCertificate).toEqual({ thumbprint: 'ABCDEF0123456789ABCDEF0123456789ABCDEF01', privateKey: PEM });
    const userCall = msal.calls.find((call) => call.kind === 'refreshToken');
    expect(userCall).toEqual({
      authority: `https://login.microsoftonline.com/${PARTNER_TENANT}`,
      kind: 'refreshToken',
      scopes: ['https://api.partnercenter.microsoft.com/user_impersonation'],
      refreshToken: 'stored-refresh-token',
    });
  });

  it('uses a SHA-256 thumbprint field for 64-hex thumbprints', async () => {
    const msal = fakeMsal(() => 0);
    const sources = createTokenSources(
      { mode: 'live', tenantId: PARTNER_TENANT, clientId: 'app-id', certificate: { thumbprint: 'a'.repeat(64), privateKeyPath: '/k.pem' } },
      deps({ msalClientFactory: msal.factory, readFile: () => PEM }),
    );
    // Nobody connected: App+User never falls back to app-only.
    await expect(sources.partnerCenterUser()).rejects.toBeInstanceOf(PartnerNotConnectedError);
    expect(msal.calls).toHaveLength(0);
    expect(msal.created[0].clientCertificate).toEqual({ thumbprintSha256: 'a'.repeat(64), privateKey: PEM });
  });

  it('refuses a config with both or neither credential, naming the fields', () => {
    const base: TokenSourcesConfig = { mode: 'live', tenantId: PARTNER_TENANT, clientId: 'app-id' };
    expect(() => createTokenSources(base, deps())).toThrow(/clientSecret and certificate/);
    expect(() => createTokenSources({ ...base, clientSecret: SECRET, certificate: { thumbprint: 'x', privateKeyPath: '/k' } }, deps())).toThrow(/exactly one/);
    expect(() => createTokenSources({ ...base, clientId: '', clientSecret: SECRET }, deps())).toThrow(/clientId/);
    expect(() =>
      createTokenSources({ ...base, certificate: { thumbprint: 'x', privateKeyPath: '/missing.pem' } }, deps({ readFile: () => { throw new Error('ENOENT'); } })),
    ).toThrow(/certificate.privateKeyPath/);
  });

  it('turns MSAL failures into TokenAcquisitionErrors without the secret and flags auth failures', async () => {
    const msal = fakeMsal(() => 0);
    msal.fail = Object.assign(new Error(`AADSTS7000215: Invalid client secret provided: ${SECRET}`), {
      errorCode: 'invalid_client',
      errorNo: '7000215',
      status: 401,
    });
    const sources = createTokenSources({ mode: 'live', tenantId: PARTNER_TENANT, clientId: 'app-id', clientSecret: SECRET }, deps({ msalClientFactory: msal.factory }));
    const error = await sources.graph(CUSTOMER_TENANT).catch((caught: unknown) => caught);
    expect(isTokenAcquisitionError(error)).toBe(true);
    expect(error).toMatchObject({ source: 'graph', tenantId: CUSTOMER_TENANT, code: 'invalid_client AADSTS7000215', retryable: false });
    expect(isAuthFailure(error)).toBe(true);
    expect(inspect(error, { depth: 10 })).not.toContain(SECRET);
  });

  it('marks MSAL network failures as retryable, not as auth failures', async () => {
    const msal = fakeMsal(() => 0);
    msal.fail = Object.assign(new Error('network'), { errorCode: 'network_error' });
    const getToken = partnerCenterAppTokenSource({ tenantId: PARTNER_TENANT, clientId: 'a', credential: { kind: 'secret', clientSecret: SECRET }, msalClientFactory: msal.factory });
    const error = await getToken().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TokenAcquisitionError);
    expect(isAuthFailure(error)).toBe(false);
  });
});
