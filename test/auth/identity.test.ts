import { generateKeyPairSync, sign } from 'node:crypto';
import { SANDBOX_CLIENT_SECRET } from '../../sandbox/identity';
import { startSandbox, type RunningSandbox } from '../../sandbox/server';
import { approveSandboxDeviceCode } from '../../services/auth';
import { sandboxAuth } from '../support/sandboxAuth';

const PC_USER_SCOPE = 'https://api.partnercenter.microsoft.com/user_impersonation offline_access openid profile';

type Json = Record<string, unknown>;

/** The sandbox's identity endpoint and its APIs' token checks, over real HTTP. */
describe('sandbox identity endpoint', () => {
  let sandbox: RunningSandbox;

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, seed: 'demo' });
  });
  afterAll(() => sandbox.close());

  async function post(path: string, form: Record<string, string>): Promise<{ status: number; body: Json }> {
    const response = await fetch(`${sandbox.url}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });
    return { status: response.status, body: (await response.json()) as Json };
  }

  async function admin(method: string, path: string, body?: unknown): Promise<Json> {
    const response = await fetch(`${sandbox.url}/_sandbox${path}`, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return (await response.json()) as Json;
  }

  async function newCustomer(access: Json): Promise<string> {
    const created = await admin('POST', '/customers', { companyName: `Identity ${Math.random().toString(36).slice(2, 8)}`, users: 2 });
    const id = (created.customer as { id: string }).id;
    await admin('PATCH', `/customers/${id}`, { access });
    return id;
  }

  const clientCredentials = (tenant: string, scope: string, secret = SANDBOX_CLIENT_SECRET) =>
    post(`/${tenant}/oauth2/v2.0/token`, { grant_type: 'client_credentials', client_id: sandbox.clientId, client_secret: secret, scope });

  const refresh = (tenant: string, refreshToken: string, scope = PC_USER_SCOPE) =>
    post(`/${tenant}/oauth2/v2.0/token`, { grant_type: 'refresh_token', client_id: sandbox.clientId, client_secret: SANDBOX_CLIENT_SECRET, refresh_token: refreshToken, scope });

  /** A device-code sign-in driven by hand (no msal), approved through the admin API. */
  async function signIn(mfa: boolean): Promise<Json> {
    const code = await post(`/${sandbox.partnerTenantId}/oauth2/v2.0/devicecode`, { client_id: sandbox.clientId, scope: PC_USER_SCOPE });
    expect(code.status).toBe(200);
    const pending = await post(`/${sandbox.partnerTenantId}/oauth2/v2.0/token`, {
      grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
      client_id: sandbox.clientId,
      device_code: String(code.body.device_code),
    });
    expect([pending.status, pending.body.error]).toEqual([400, 'authorization_pending']);
    await approveSandboxDeviceCode(sandbox.url, String(code.body.user_code), 'ops@sandboxpartner.onmicrosoft.com', mfa);
    const done = await post(`/${sandbox.partnerTenantId}/oauth2/v2.0/token`, {
      grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
      client_id: sandbox.clientId,
      device_code: String(code.body.device_code),
    });
    expect(done.status).toBe(200);
    return done.body;
  }

  const claimsOf = (token: unknown): Json => JSON.parse(Buffer.from(String(token).split('.')[1], 'base64url').toString('utf8')) as Json;

  const customers = (token: string) =>
    fetch(`${sandbox.partnerCenterBaseUrl}/customers?size=1`, { headers: { Authorization: `Bearer ${token}`, 'MS-RequestId': 'r', 'MS-CorrelationId': 'c' } });

  it('publishes OpenID metadata and its signing key; tokens are RS256 with Entra claims and verify against that key', async () => {
    const metadata = (await (await fetch(`${sandbox.url}/${sandbox.partnerTenantId}/v2.0/.well-known/openid-configuration`)).json()) as Json;
    expect(metadata.token_endpoint).toBe(`${sandbox.url}/${sandbox.partnerTenantId}/oauth2/v2.0/token`);
    const jwks = (await (await fetch(`${sandbox.url}/discovery/v2.0/keys`)).json()) as { keys: { kid: string; kty: string; alg: string }[] };
    expect(jwks.keys).toEqual([expect.objectContaining({ kty: 'RSA', alg: 'RS256' })]);

    const issued = await clientCredentials(sandbox.partnerTenantId, 'https://api.partnercenter.microsoft.com/.default');
    expect(issued.status).toBe(200);
    const token = String(issued.body.access_token);
    expect(JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString('utf8'))).toEqual({ typ: 'JWT', alg: 'RS256', kid: jwks.keys[0].kid });
    expect(claimsOf(token)).toMatchObject({ aud: 'https://api.partnercenter.microsoft.com', tid: sandbox.partnerTenantId, idtyp: 'app', appid: sandbox.clientId, oid: expect.any(String) });
    expect((await customers(token)).status).toBe(200);
  });

  it('the APIs refuse alg-none tokens, tokens signed by another key, and tokens expired on the sandbox clock', async () => {
    const real = String((await clientCredentials(sandbox.partnerTenantId, 'https://api.partnercenter.microsoft.com/.default')).body.access_token);
    const [header, payload] = real.split('.');

    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload}.`;
    expect((await customers(unsigned)).status).toBe(401);

    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const forged = `${header}.${payload}.${sign('sha256', Buffer.from(`${header}.${payload}`), other).toString('base64url')}`;
    const refused = await customers(forged);
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as Json).description).toMatch(/signature/);

    const tampered = `${header}.${Buffer.from(JSON.stringify({ ...claimsOf(real), tid: '99999999-9999-4999-8999-999999999999' })).toString('base64url')}.${real.split('.')[2]}`;
    expect((await customers(tampered)).status).toBe(401);

    // exp is checked on the sandbox clock: two hours later the same token is refused as expired.
    await admin('POST', '/clock', { advanceMs: 2 * 3_600_000 });
    try {
      const expired = await customers(real);
      expect(expired.status).toBe(401);
      expect(((await expired.json()) as Json).description).toMatch(/expired/);
    } finally {
      await admin('POST', '/clock', { advanceMs: -2 * 3_600_000 });
    }
  });

  it('checks the partner app secret and refuses app-only into a customer that never consented, as Entra does', async () => {
    const wrongSecret = await clientCredentials(sandbox.partnerTenantId, 'https://graph.microsoft.com/.default', 'not-the-secret');
    expect(wrongSecret.status).toBe(401);
    expect(wrongSecret.body).toMatchObject({ error: 'invalid_client', error_codes: [7000215] });

    const unconsented = await newCustomer({ graphConsent: false });
    const refused = await clientCredentials(unconsented, 'https://graph.microsoft.com/.default');
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ error: 'unauthorized_client', error_codes: [700016], trace_id: expect.any(String), correlation_id: expect.any(String) });
    expect(String(refused.body.error_description)).toMatch(/^AADSTS700016: Application with identifier .* was not found in the directory/);

    const consented = await newCustomer({ graphConsent: true });
    const granted = await clientCredentials(consented, 'https://graph.microsoft.com/.default');
    expect(granted.status).toBe(200);
    expect(claimsOf(granted.body.access_token)).toMatchObject({ aud: 'https://graph.microsoft.com', tid: consented, idtyp: 'app' });

    const unknownTenant = await clientCredentials('99999999-9999-4999-8999-999999999999', 'https://graph.microsoft.com/.default');
    expect(unknownTenant.body).toMatchObject({ error: 'invalid_tenant', error_codes: [90002] });
  });

  it('MFA belongs to the sign-in and travels with every refresh token of it; each redemption returns a new refresh token', async () => {
    const withMfa = await signIn(true);
    expect(claimsOf(withMfa.access_token)).toMatchObject({ idtyp: 'user', upn: 'ops@sandboxpartner.onmicrosoft.com', amr: ['pwd', 'mfa'], scp: 'user_impersonation' });
    const withoutMfa = await signIn(false);
    expect(claimsOf(withoutMfa.access_token).amr).toEqual(['pwd']);

    const first = await refresh(sandbox.partnerTenantId, String(withoutMfa.refresh_token));
    expect(first.status).toBe(200);
    expect(first.body.refresh_token).not.toBe(withoutMfa.refresh_token);
    expect(claimsOf(first.body.access_token).amr).toEqual(['pwd']);
    // Entra does not revoke a redeemed refresh token: it stays valid until its own 90 days end.
    expect((await refresh(sandbox.partnerTenantId, String(withoutMfa.refresh_token))).status).toBe(200);
    expect((await refresh(sandbox.partnerTenantId, 'not-a-refresh-token')).body).toMatchObject({ error: 'invalid_grant', error_codes: [9002313] });
  });

  it('delegated tokens for a customer tenant only through a GDAP relationship; none at all refuses with AADSTS50020', async () => {
    const signedIn = await signIn(true);
    const withGdap = await newCustomer({ gdapRoles: ['Directory Readers', 'License Administrator'] });
    const granted = await refresh(withGdap, String(signedIn.refresh_token), 'https://graph.microsoft.com/.default offline_access');
    expect(granted.status).toBe(200);
    expect(claimsOf(granted.body.access_token)).toMatchObject({ aud: 'https://graph.microsoft.com', tid: withGdap, idtyp: 'user', amr: ['pwd', 'mfa'] });

    const withoutGdap = await newCustomer({ gdapRoles: false });
    const refused = await refresh(withoutGdap, String(signedIn.refresh_token), 'https://graph.microsoft.com/.default offline_access');
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ error: 'invalid_grant', error_codes: [50020] });
  });

  it("graphDelegated redeems the stored token at the customer's authority through msal-node and rotates the store", async () => {
    const partner = await sandboxAuth(sandbox);
    const customer = await newCustomer({ gdapRoles: true });
    const before = JSON.stringify(await partner.store.get('meta', 'partnerConnection'));
    const token = await partner.tokens.graphDelegated(customer);
    expect(claimsOf(token)).toMatchObject({ aud: 'https://graph.microsoft.com', tid: customer, idtyp: 'user' });
    expect(JSON.stringify(await partner.store.get('meta', 'partnerConnection'))).not.toBe(before);
    const users = await fetch(`${sandbox.graphBaseUrl}/users?$top=1`, { headers: { Authorization: `Bearer ${token}` } });
    expect(users.status).toBe(200);

    const noGdap = await newCustomer({ gdapRoles: false });
    await expect(partner.tokens.graphDelegated(noGdap)).rejects.toMatchObject({ name: 'TokenAcquisitionError', code: 'invalid_grant AADSTS50020', retryable: false });
    // A customer the partner cannot reach is not a broken connection.
    expect((await partner.partnerConnection.status()).state).toBe('connected');
  });
});
