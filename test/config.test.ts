import { ConfigError, loadConfig } from '../bot/config';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  throw new Error('expected a ConfigError');
}

/** An authenticating bot: app id, its secret, the partner tenant and explicit approvers. */
const AUTHENTICATED = {
  MicrosoftAppId: '11111111-2222-3333-4444-555555555555',
  MicrosoftAppPassword: 'not-a-real-secret',
  ALLOWED_TENANT_IDS: '00000000-0000-0000-0000-0000000000a1',
  APPROVERS: 'approver@contoso.com',
};

/** Live Partner Center with its credential, run by an authenticating bot (live mode requires one). */
const LIVE = {
  ...AUTHENTICATED,
  PARTNER_CENTER_MODE: 'live',
  PARTNER_TENANT_ID: '11111111-0000-0000-0000-000000000001',
  PARTNER_CENTER_CLIENT_ID: '11111111-0000-0000-0000-000000000002',
  PARTNER_CENTER_CLIENT_SECRET: 'not-a-real-secret',
};
/** Production requires the key of the stored partner refresh token. */
const TOKEN_KEY = { TOKEN_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64') };

describe('configuration', () => {
  it('runs with embedded defaults in local mode on loopback', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3978);
    expect(config.bot.localMode).toBe(true);
    expect(config.host).toBe('127.0.0.1');
    expect(config.store).toEqual({ kind: 'sqlite', dataDir: expect.stringMatching(/data$/), reset: false });
    expect(loadConfig({ STORE_RESET: 'true' }).store).toMatchObject({ kind: 'sqlite', reset: true });
    expect(config.logLevel).toBe('info');
  });

  it('is frozen, so nothing can change it after startup', () => {
    const config = loadConfig({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.bot)).toBe(true);
  });

  it('listens on all interfaces once the bot authenticates', () => {
    const config = loadConfig({
      MicrosoftAppId: '11111111-2222-3333-4444-555555555555',
      MicrosoftAppPassword: 'not-a-real-secret',
      ALLOWED_TENANT_IDS: '00000000-0000-0000-0000-0000000000A1',
      APPROVERS: 'approver@contoso.com',
    });
    expect(config.bot.localMode).toBe(false);
    expect(config.host).toBe('0.0.0.0');
    expect(config.allowedTenantIds).toEqual(['00000000-0000-0000-0000-0000000000a1']);
  });

  it('refuses to start in production without an app id', () => {
    expect(problemsOf({ NODE_ENV: 'production', PARTNER_CENTER_MODE: 'live' })).toEqual(
      expect.arrayContaining([expect.stringContaining('MicrosoftAppId is empty but NODE_ENV=production')]),
    );
  });

  it('names the variable and what is expected for a bad port', () => {
    expect(problemsOf({ PORT: 'eighty' })).toEqual(['PORT="eighty" must be a whole number from 0 to 65535']);
  });

  it('reports every problem at once', () => {
    const problems = problemsOf({ MicrosoftAppId: 'my-bot', STORE: 'azure', LOG_LEVEL: 'loud' });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('MicrosoftAppId="my-bot" must be'),
        expect.stringContaining('MicrosoftAppPassword is required'),
        expect.stringContaining('AZURE_STORAGE_CONNECTION_STRING is required when STORE=azure'),
        expect.stringContaining('LOG_LEVEL="loud" must be one of: debug, info, warn, error'),
        expect.stringContaining('ALLOWED_TENANT_IDS is required'),
      ]),
    );
  });

  it('requires a tenant id for a single-tenant bot', () => {
    const problems = problemsOf({
      MicrosoftAppId: '11111111-2222-3333-4444-555555555555',
      MicrosoftAppPassword: 'x',
      MicrosoftAppType: 'SingleTenant',
      ALLOWED_TENANT_IDS: '00000000-0000-0000-0000-0000000000a1',
      APPROVERS: 'approver@contoso.com',
    });
    expect(problems).toEqual(['MicrosoftAppTenantId must be a tenant GUID when MicrosoftAppType=SingleTenant']);
  });

  it('rejects malformed tenant ids', () => {
    expect(problemsOf({ ALLOWED_TENANT_IDS: 'contoso.com' })).toEqual([
      'ALLOWED_TENANT_IDS must be a comma-separated list of tenant GUIDs; not valid: contoso.com',
    ]);
  });

  describe('Partner Center backend', () => {

    it('defaults to the embedded sandbox', () => {
      const { partnerCenter } = loadConfig({});
      expect(partnerCenter.mode).toBe('sandbox');
      expect(partnerCenter.partnerCenterBaseUrl).toBeUndefined();
      expect(partnerCenter.sandboxPort).toBe(3979);
    });

    it('uses a running sandbox when both base URLs are given', () => {
      const { partnerCenter } = loadConfig({ PARTNER_CENTER_BASE_URL: 'http://127.0.0.1:4000/v1/', GRAPH_BASE_URL: 'http://127.0.0.1:4000/graph/v1.0' });
      expect(partnerCenter.partnerCenterBaseUrl).toBe('http://127.0.0.1:4000/v1');
      expect(partnerCenter.graphBaseUrl).toBe('http://127.0.0.1:4000/graph/v1.0');
    });

    it('refuses only one of the two base URLs in sandbox mode', () => {
      expect(problemsOf({ PARTNER_CENTER_BASE_URL: 'http://127.0.0.1:4000/v1' })).toEqual([
        'PARTNER_CENTER_BASE_URL and GRAPH_BASE_URL go together in sandbox mode (both point at a running sandbox)',
      ]);
    });

    it('talks to Microsoft in live mode', () => {
      const { partnerCenter } = loadConfig(LIVE);
      expect(partnerCenter.partnerCenterBaseUrl).toBe('https://api.partnercenter.microsoft.com/v1');
      expect(partnerCenter.graphBaseUrl).toBe('https://graph.microsoft.com/v1.0');
      expect(partnerCenter.clientSecret).toBe('not-a-real-secret');
    });

    it('needs the partner tenant, the app and exactly one credential in live mode', () => {
      expect(problemsOf({ ...AUTHENTICATED, PARTNER_CENTER_MODE: 'live' })).toEqual([
        'PARTNER_TENANT_ID must be the partner tenant GUID when PARTNER_CENTER_MODE=live',
        'PARTNER_CENTER_CLIENT_ID must be the app registration GUID when PARTNER_CENTER_MODE=live',
        expect.stringContaining('needs exactly one credential'),
      ]);
      expect(
        problemsOf({ ...LIVE, PARTNER_CENTER_CERTIFICATE_THUMBPRINT: 'AB12', PARTNER_CENTER_CERTIFICATE_KEY_PATH: '/nonexistent/key.pem' }),
      ).toEqual([
        'PARTNER_CENTER_CERTIFICATE_KEY_PATH="/nonexistent/key.pem" does not exist',
        expect.stringContaining('needs exactly one credential'),
      ]);
    });

    it('rejects a malformed URL and country', () => {
      expect(problemsOf({ ...LIVE, PARTNER_CENTER_BASE_URL: 'ftp://x', PARTNER_COUNTRY: 'Germany' })).toEqual([
        'PARTNER_CENTER_BASE_URL="ftp://x" must be an http(s) URL',
        'PARTNER_COUNTRY="GERMANY" must be a two-letter ISO country code, e.g. US or DE',
      ]);
    });

    it('does not run production against the sandbox', () => {
      expect(
        problemsOf({
          NODE_ENV: 'production',
          ...TOKEN_KEY,
          MicrosoftAppId: '11111111-2222-3333-4444-555555555555',
          MicrosoftAppPassword: 'x',
          ALLOWED_TENANT_IDS: '00000000-0000-0000-0000-0000000000a1',
          APPROVERS: 'approver@contoso.com',
        }),
      ).toEqual([expect.stringContaining('PARTNER_CENTER_MODE=sandbox (the default) is not allowed with NODE_ENV=production')]);
    });
  });

  describe('alerts and approvals', () => {
    it('has working defaults: daily 08:00 UTC, the usual thresholds, the Playground users as approvers', () => {
      const config = loadConfig({});
      expect(config.alerts).toEqual({ schedule: '0 8 * * *', thresholds: [90, 60, 30, 14, 7, 1], timeZone: 'UTC' });
      expect(config.approvals.approvers).toEqual(['00000000-0000-0000-0000-0000000000021', '00000000-0000-0000-0000-0000000000022']);
      expect(config.approvals.ttlDays).toBe(7);
      expect(config.approvals.priceListPath).toMatch(/sandbox[\\/]pricelist\.sample\.csv$/);
    });

    it('names every bad alert and approval variable', () => {
      expect(
        problemsOf({ PARTNER_TIMEZONE: 'Mars/Olympus', ALERT_SCHEDULE: 'every morning', APPROVERS: 'bob', APPROVAL_TTL_DAYS: '0', PRICE_LIST_PATH: '/nonexistent.csv' }),
      ).toEqual([
        'PARTNER_TIMEZONE="Mars/Olympus" must be an IANA time zone, e.g. UTC or Europe/Berlin',
        expect.stringContaining('ALERT_SCHEDULE="every morning" must be a cron pattern'),
        'APPROVERS must list Entra object ids or UPNs; not valid: bob',
        'APPROVAL_TTL_DAYS="0" must be a whole number from 1 to 90',
        'PRICE_LIST_PATH="/nonexistent.csv" does not exist',
      ]);
    });

    it('counts days in the partner time zone', () => {
      expect(loadConfig({ PARTNER_TIMEZONE: ' America/Los_Angeles ' }).alerts.timeZone).toBe('America/Los_Angeles');
      expect(problemsOf({ PARTNER_TIMEZONE: 'CEST+2' })).toEqual(['PARTNER_TIMEZONE="CEST+2" must be an IANA time zone, e.g. UTC or Europe/Berlin']);
    });

    it('requires approvers once the bot authenticates', () => {
      expect(
        problemsOf({
          MicrosoftAppId: '11111111-2222-3333-4444-555555555555',
          MicrosoftAppPassword: 'x',
          ALLOWED_TENANT_IDS: '00000000-0000-0000-0000-0000000000a1',
        }),
      ).toEqual([expect.stringContaining('APPROVERS is required when MicrosoftAppId is set')]);
    });
  });

  describe('unsafe configurations', () => {
    it.each(['production', 'Production', 'PRODUCTION', 'prod', 'PROD', ' Prod '])('reads NODE_ENV=%j as production, whatever its case', (nodeEnv) => {
      expect(loadConfig({ ...LIVE, ...TOKEN_KEY, NODE_ENV: nodeEnv }).nodeEnv).toBe('production');
      expect(problemsOf({ NODE_ENV: nodeEnv, ...TOKEN_KEY })).toEqual([
        expect.stringContaining('MicrosoftAppId is empty but NODE_ENV=production'),
        expect.stringContaining('PARTNER_CENTER_MODE=sandbox (the default) is not allowed with NODE_ENV=production'),
      ]);
    });

    it('reads development and test in any case, and refuses any other NODE_ENV instead of guessing', () => {
      expect(loadConfig({ NODE_ENV: 'Dev' }).nodeEnv).toBe('development');
      expect(loadConfig({ NODE_ENV: 'TEST' }).nodeEnv).toBe('test');
      expect(loadConfig({}).nodeEnv).toBe('development');
      expect(problemsOf({ NODE_ENV: 'prodution' })).toEqual(['NODE_ENV="prodution" must be production (or prod), development (or dev) or test, in any case']);
    });

    it('refuses live Partner Center without an app id and without explicit approvers (never the Playground users)', () => {
      const unauthenticated = { ...LIVE, MicrosoftAppId: '', MicrosoftAppPassword: '', ALLOWED_TENANT_IDS: '', APPROVERS: '' };
      expect(problemsOf(unauthenticated)).toEqual([
        'MicrosoftAppId is empty but PARTNER_CENTER_MODE=live: a bot that buys real subscriptions must authenticate its callers (set MicrosoftAppId and its credential)',
        'APPROVERS is required when PARTNER_CENTER_MODE=live: the Entra object ids or UPNs of the people who approve migrations',
      ]);
      expect(problemsOf({ ...LIVE, APPROVERS: '00000000-0000-0000-0000-0000000000021, megan@contoso.com' })).toEqual([
        'APPROVERS must name real Entra users when MicrosoftAppId is set; not Entra object ids (Agents Playground mock users?): 00000000-0000-0000-0000-0000000000021',
      ]);
      expect(loadConfig(LIVE).approvals.approvers).toEqual(['approver@contoso.com']);
    });

    it('requires https for every endpoint in production, and names the connection string without echoing it', () => {
      const production = { ...LIVE, ...TOKEN_KEY, NODE_ENV: 'Production' };
      expect(problemsOf({ ...production, PARTNER_CENTER_BASE_URL: 'http://pc.contoso.example/v1', GRAPH_BASE_URL: 'HTTP://graph.contoso.example/v1.0' })).toEqual([
        'PARTNER_CENTER_BASE_URL="http://pc.contoso.example/v1" must be an https:// URL when NODE_ENV=production',
        'GRAPH_BASE_URL="HTTP://graph.contoso.example/v1.0" must be an https:// URL when NODE_ENV=production',
      ]);
      const https = loadConfig({ ...production, PARTNER_CENTER_BASE_URL: 'https://pc.contoso.example/v1/', GRAPH_BASE_URL: 'https://graph.contoso.example/v1.0' });
      expect(https.partnerCenter).toMatchObject({ partnerCenterBaseUrl: 'https://pc.contoso.example/v1', graphBaseUrl: 'https://graph.contoso.example/v1.0' });

      const secret = 'AccountKey=c2VjcmV0LWtleQ==';
      for (const connectionString of [
        `DefaultEndpointsProtocol=http;AccountName=kma;${secret};EndpointSuffix=core.windows.net`,
        `DefaultEndpointsProtocol=https;AccountName=kma;${secret};TableEndpoint=http://10.0.0.5:10002/kma`,
        'UseDevelopmentStorage=true',
      ]) {
        const problems = problemsOf({ ...production, STORE: 'azure', AZURE_STORAGE_CONNECTION_STRING: connectionString });
        expect(problems).toEqual([expect.stringMatching(/^AZURE_STORAGE_CONNECTION_STRING must use https endpoints when NODE_ENV=production/)]);
        expect(problems.join('\n')).not.toContain('c2VjcmV0');
      }
      const azure = loadConfig({ ...production, STORE: 'azure', AZURE_STORAGE_CONNECTION_STRING: `DefaultEndpointsProtocol=https;AccountName=kma;${secret};EndpointSuffix=core.windows.net` });
      expect(azure.store).toMatchObject({ kind: 'azure' });
      // Outside production a local sandbox or Azurite over http stays possible.
      expect(loadConfig({ PARTNER_CENTER_BASE_URL: 'http://127.0.0.1:4000/v1', GRAPH_BASE_URL: 'http://127.0.0.1:4000/graph' }).partnerCenter.mode).toBe('sandbox');
    });

    it('states each problem on one line that starts with the variable', () => {
      const problems = problemsOf({ PORT: '-1', NODE_ENV: 'qa', LOG_LEVEL: 'chatty', ALLOWED_TENANT_IDS: 'x\ny', APPROVAL_TTL_DAYS: '1e3' });
      expect(problems.map((problem) => problem.split('=')[0].split(' ')[0])).toEqual(['NODE_ENV', 'PORT', 'LOG_LEVEL', 'ALLOWED_TENANT_IDS', 'APPROVAL_TTL_DAYS']);
      for (const problem of problems) expect(problem).not.toMatch(/[\n\r\u2028]/);
      expect(problems).toContain('ALLOWED_TENANT_IDS must be a comma-separated list of tenant GUIDs; not valid: x\\u000ay');
    });
  });

  describe('migration runs', () => {
    it('defaults to three runs at once over Graph, warning three days before the end', () => {
      expect(loadConfig({}).migration).toEqual({ concurrency: 3, licensePath: 'graph', deadlineMarginDays: 3, leaseTtlSeconds: 60 });
    });

    it('names bad run settings', () => {
      expect(problemsOf({ MIGRATION_CONCURRENCY: '20', LICENSE_PATH: 'email', MIGRATION_LEASE_TTL_SECONDS: '5' })).toEqual([
        'MIGRATION_CONCURRENCY="20" must be a whole number from 1 to 8',
        'LICENSE_PATH="email" must be one of: graph, partnerCenter',
        'MIGRATION_LEASE_TTL_SECONDS="5" must be a whole number from 15 to 600',
      ]);
    });

    it('takes the Partner Center license path in live mode without a configured refresh token (the connected partner admin signs)', () => {
      expect(loadConfig({ ...LIVE, LICENSE_PATH: 'partnerCenter' }).migration.licensePath).toBe('partnerCenter');
    });
  });

  describe('partner sign-in', () => {
    it('requires TOKEN_ENCRYPTION_KEY in production, naming it without echoing a bad one', () => {
      expect(problemsOf({ ...LIVE, NODE_ENV: 'production' })).toEqual([expect.stringMatching(/^TOKEN_ENCRYPTION_KEY is required when NODE_ENV=production/)]);
      const problems = problemsOf({ ...LIVE, TOKEN_ENCRYPTION_KEY: 'short-secret-value' });
      expect(problems).toEqual([expect.stringMatching(/^TOKEN_ENCRYPTION_KEY must be 32 bytes/)]);
      expect(problems.join('\n')).not.toContain('short-secret-value');
      expect(loadConfig({ ...LIVE, ...TOKEN_KEY }).partnerCenter.tokenEncryptionKey).toBe(TOKEN_KEY.TOKEN_ENCRYPTION_KEY);
    });

    it('requires TOKEN_ENCRYPTION_KEY with STORE=azure: every instance decrypts the same stored token', () => {
      const azure = { STORE: 'azure', AZURE_STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true' };
      expect(problemsOf(azure)).toEqual([expect.stringMatching(/^TOKEN_ENCRYPTION_KEY is required when STORE=azure/)]);
      expect(loadConfig({ ...azure, ...TOKEN_KEY }).store.kind).toBe('azure');
    });

    it("signs in at Entra in live mode and at the sandbox's https name in sandbox mode; AUTHORITY_HOST must be https", () => {
      expect(loadConfig(LIVE).partnerCenter.authorityHost).toBe('https://login.microsoftonline.com');
      expect(loadConfig({}).partnerCenter.authorityHost).toBe('https://login.sandbox.localhost');
      expect(problemsOf({ AUTHORITY_HOST: 'http://login.example' })).toEqual([expect.stringMatching(/^AUTHORITY_HOST="http:\/\/login\.example" must be an https:\/\/ URL/)]);
    });
  });
});
