/**
 * An Entra-like identity endpoint for the sandbox, so the bot's msal-node — the code that runs in production — is what
 * gets its tokens in sandbox mode too. Served on the sandbox's own port:
 *
 * - `GET /{tenant}/v2.0/.well-known/openid-configuration`, `GET /common/discovery/instance`, `GET /discovery/v2.0/keys`
 *   (also under a tenant): the metadata msal-node reads before its first token request.
 * - `POST /{tenant}/oauth2/v2.0/devicecode` and `POST /{tenant}/oauth2/v2.0/token` with the grants `client_credentials`,
 *   `refresh_token` and `urn:ietf:params:oauth:grant-type:device_code`.
 *
 * The rules Microsoft applies to a CSP partner's app (learn.microsoft.com/partner-center/developer/
 * gdap-and-secure-application-model, …/partner-center-authentication, …/entra/identity-platform/refresh-tokens):
 * - Only the partner app's client id and secret sign in (client secret in the body, as msal-node sends it).
 * - client_credentials at a customer tenant only where that customer consented to the app (`hasAppOnlyConsent`);
 *   refresh_token at a customer tenant only with a GDAP relationship (`hasGdapRelationship`).
 * - Refresh tokens are opaque, valid 90 days from issue on the sandbox clock, and every redemption returns a new one
 *   with a fresh 90 days. As in Entra, redeeming does not revoke the redeemed token: it stays valid until its own 90
 *   days end — so a client that keeps only its first token fails on day 90 even when it redeemed it daily.
 * - MFA belongs to the sign-in: the device-code approval says whether the user did MFA, and every token derived from
 *   that sign-in (through any number of refresh tokens) carries `amr: ["pwd","mfa"]` or just `["pwd"]`.
 *
 * URLs in the metadata use the host the client asked for (`X-Forwarded-Host`/`-Proto`, set by the bot's sandbox
 * network client, which keeps msal-node's authority `https://`), falling back to the sandbox's own origin.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes, randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { DAY_MS } from './clock';
import type { SandboxDb } from './db';
import { hasAppOnlyConsent, hasGdapRelationship } from './gdap';
import type { SigningKeys } from './identityKeys';
import type { RequestLog } from './requestLog';
import { Router } from './router';
import type { SandboxClock } from './clock';

/** The sandbox's partner tenant and partner app (demo values like the rest of the seed; never used in live mode). */
export const SANDBOX_PARTNER_TENANT_ID = '5a1db0c5-0000-4000-8000-00000000face';
export const SANDBOX_CLIENT_ID = '5a1db0c5-0000-4000-8000-0000000b0a7d';
export const SANDBOX_CLIENT_SECRET = 'sandbox-partner-app-secret';
/** The `https://` authority host the bot gives msal-node in sandbox mode; its network client carries it to the sandbox. */
export const SANDBOX_AUTHORITY_HOST = 'https://login.sandbox.localhost';
/** The demo partner admin `npm start` signs in (with MFA) in sandbox mode. */
export const SANDBOX_PARTNER_ADMIN = 'admin@sandboxpartner.onmicrosoft.com';

export const REFRESH_TOKEN_LIFETIME_MS = 90 * DAY_MS;
export const ACCESS_TOKEN_LIFETIME_SECONDS = 3600;
const DEVICE_CODE_LIFETIME_SECONDS = 900;
/** Seconds msal-node waits between device-code polls (Entra says 5; short so tests and demos do not idle). */
const DEVICE_CODE_INTERVAL_SECONDS = 1;
const SEAL_KEY_META = 'identitySealKey';
const OIDC_SCOPES = new Set(['openid', 'profile', 'offline_access', 'email']);

const RESOURCES: Record<string, string> = {
  'https://api.partnercenter.microsoft.com': 'https://api.partnercenter.microsoft.com',
  'fa3d9a0c-3fb0-42cc-9193-47c7ecd2edbd': 'https://api.partnercenter.microsoft.com',
  'https://graph.microsoft.com': 'https://graph.microsoft.com',
  '00000003-0000-0000-c000-000000000000': 'https://graph.microsoft.com',
};
/** Delegated Graph permissions the partner app is consented for in a customer tenant (what `.default` expands to). */
const GRAPH_DELEGATED_SCOPES = 'Directory.Read.All Organization.Read.All User.ReadWrite.All';

export interface IdentityOptions {
  partnerTenantId?: string;
  clientId?: string;
  clientSecret?: string;
}

export interface IdentityRequest {
  method: string;
  pathname: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  rawBody: string;
  /** The sandbox's own origin (http://host:port) as the request reached it. */
  origin: string;
}

export interface IdentityResponse {
  status: number;
  headers: Record<string, string>;
  /** JSON body, or a plain-text page when `text` is set. */
  body: unknown;
  text?: string;
}

type Tenant = { kind: 'partner'; id: string } | { kind: 'customer'; id: string; appOnly: boolean; gdap: boolean };

interface SignIn {
  upn: string;
  mfa: boolean;
}

interface DeviceCode {
  deviceCode: string;
  userCode: string;
  clientId: string;
  tenantId: string;
  scope: string;
  /** Base (real) clock: msal-node times its polling with the real clock. */
  expiresAtMs: number;
  state: { kind: 'pending' } | { kind: 'approved'; signIn: SignIn } | { kind: 'declined' } | { kind: 'redeemed' };
}

interface RefreshTokenContent {
  v: 1;
  cid: string;
  upn: string;
  mfa: boolean;
  /** Issued at, sandbox clock ms. */
  iat: number;
}

class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly aadsts: number,
    message: string,
  ) {
    super(message);
  }
}

type Route = (request: IdentityRequest, params: Record<string, string>) => IdentityResponse;

export class SandboxIdentity {
  readonly partnerTenantId: string;
  readonly clientId: string;
  private readonly clientSecret: string;
  private readonly router = new Router<Route>();
  private readonly deviceCodes = new Map<string, DeviceCode>();

  constructor(
    private readonly db: SandboxDb,
    private readonly clock: SandboxClock,
    private readonly keys: SigningKeys,
    private readonly requests: RequestLog,
    options: IdentityOptions = {},
  ) {
    this.partnerTenantId = (options.partnerTenantId ?? SANDBOX_PARTNER_TENANT_ID).toLowerCase();
    this.clientId = options.clientId ?? SANDBOX_CLIENT_ID;
    this.clientSecret = options.clientSecret ?? SANDBOX_CLIENT_SECRET;
    this.router.add('GET', '/:tenant/v2.0/.well-known/openid-configuration', (request, params) => this.openIdConfiguration(request, params.tenant));
    this.router.add('GET', '/:tenant/discovery/instance', (request) => this.instanceDiscovery(request));
    this.router.add('GET', '/discovery/v2.0/keys', () => this.json(200, this.keys.jwks()));
    this.router.add('GET', '/:tenant/discovery/v2.0/keys', () => this.json(200, this.keys.jwks()));
    this.router.add('POST', '/:tenant/oauth2/v2.0/devicecode', (request, params) => this.deviceCode(request, params.tenant));
    this.router.add('POST', '/:tenant/oauth2/v2.0/token', (request, params) => this.token(request, params.tenant));
    this.router.add('GET', '/devicelogin', (request) => this.deviceLoginPage(request));
  }

  /** Whether the path is one of the identity endpoint's (any method). */
  handles(method: string, pathname: string): boolean {
    return this.router.match(method, pathname).kind !== 'none';
  }

  handle(request: IdentityRequest): IdentityResponse {
    const matched = this.router.match(request.method, request.pathname);
    let response: IdentityResponse;
    let operation = 'identity';
    let customerId: string | null = null;
    if (matched.kind !== 'found') {
      response = this.json(matched.kind === 'wrongMethod' ? 405 : 404, { error: 'invalid_request', error_description: 'Unsupported endpoint.' });
    } else {
      const tenant = matched.match.params.tenant?.toLowerCase();
      if (tenant && tenant !== this.partnerTenantId && this.db.customer(tenant)) customerId = tenant;
      operation = operationOf(request, matched.match.params);
      try {
        response = matched.match.route(request, matched.match.params);
      } catch (error) {
        if (!(error instanceof OAuthError)) throw error;
        response = this.oauthError(error, request);
      }
    }
    this.record(request, operation, customerId, response.status);
    return response;
  }

  /** Signs an access token with the defaults of the token endpoint's (for in-process tests of the sandbox's APIs). */
  issueAccessToken(claims: Record<string, unknown>): string {
    const iat = Math.floor(this.clock.nowMs() / 1000);
    return this.keys.sign({
      iss: `https://sts.windows.net/${String(claims.tid ?? this.partnerTenantId)}/`,
      iat,
      nbf: iat,
      exp: iat + ACCESS_TOKEN_LIFETIME_SECONDS,
      appid: this.clientId,
      idtyp: 'app',
      ver: '1.0',
      ...claims,
    });
  }

  /** The admin API's approval of a pending device code: the named partner user signed in, with or without MFA. */
  approveDeviceCode(userCode: string, upn: string, mfa: boolean): { status: number; body: unknown } {
    const code = this.pendingByUserCode(userCode);
    if (!code) return { status: 404, body: { error: `no pending device code ${userCode}` } };
    if (!/^[^@\s]+@[^@\s]+$/.test(upn)) return { status: 400, body: { error: 'userPrincipalName must look like user@domain' } };
    code.state = { kind: 'approved', signIn: { upn, mfa } };
    return { status: 200, body: { userCode: code.userCode, userPrincipalName: upn, mfa } };
  }

  declineDeviceCode(userCode: string): { status: number; body: unknown } {
    const code = this.pendingByUserCode(userCode);
    if (!code) return { status: 404, body: { error: `no pending device code ${userCode}` } };
    code.state = { kind: 'declined' };
    return { status: 200, body: { userCode: code.userCode, declined: true } };
  }

  pendingDeviceCodes(): { userCode: string; tenantId: string; scope: string; expiresAt: string }[] {
    const now = this.clock.baseMs();
    return [...this.deviceCodes.values()]
      .filter((code) => code.state.kind === 'pending' && code.expiresAtMs > now)
      .map((code) => ({ userCode: code.userCode, tenantId: code.tenantId, scope: code.scope, expiresAt: new Date(code.expiresAtMs).toISOString() }));
  }

  private pendingByUserCode(userCode: string): DeviceCode | undefined {
    const wanted = userCode.trim().toUpperCase();
    const now = this.clock.baseMs();
    return [...this.deviceCodes.values()].find((code) => code.userCode === wanted && code.state.kind === 'pending' && code.expiresAtMs > now);
  }

  // --- metadata ---

  private publicBase(request: IdentityRequest): string {
    const host = firstHeader(request.headers, 'x-forwarded-host');
    const proto = firstHeader(request.headers, 'x-forwarded-proto');
    if (host && /^[a-z0-9.-]+(:\d+)?$/i.test(host)) return `${proto === 'http' ? 'http' : 'https'}://${host}`;
    return request.origin;
  }

  private openIdConfiguration(request: IdentityRequest, tenantSegment: string): IdentityResponse {
    const tenant = this.tenant(tenantSegment);
    const base = this.publicBase(request);
    const issuerBase = `${base}/${tenant.id}`;
    return this.json(200, {
      token_endpoint: `${issuerBase}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${issuerBase}/discovery/v2.0/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: `${issuerBase}/v2.0`,
      request_uri_parameter_supported: false,
      userinfo_endpoint: `${base}/oidc/userinfo`,
      authorization_endpoint: `${issuerBase}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${issuerBase}/oauth2/v2.0/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${issuerBase}/oauth2/v2.0/logout`,
      claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'acr', 'nonce', 'preferred_username', 'name', 'tid', 'ver', 'at_hash', 'c_hash', 'email'],
      tenant_region_scope: 'NA',
      cloud_instance_name: 'sandbox.localhost',
      cloud_graph_host_name: 'graph.sandbox.localhost',
      msgraph_host: 'graph.microsoft.com',
    });
  }

  /**
   * Entra's cloud discovery (msal-node asks it before anything else, at Microsoft's host — the bot's sandbox network
   * client brings that request here): the authority named in `authorization_endpoint` is its own cloud.
   */
  private instanceDiscovery(request: IdentityRequest): IdentityResponse {
    let authority: URL;
    try {
      authority = new URL(request.query.get('authorization_endpoint') ?? '');
    } catch {
      authority = new URL(`${this.publicBase(request)}/common/oauth2/v2.0/authorize`);
    }
    const tenant = authority.pathname.split('/').filter(Boolean)[0] ?? 'common';
    const host = authority.host;
    return this.json(200, {
      tenant_discovery_endpoint: `${authority.protocol}//${host}/${tenant}/v2.0/.well-known/openid-configuration`,
      'api-version': '1.1',
      metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
    });
  }

  private deviceLoginPage(request: IdentityRequest): IdentityResponse {
    const text = [
      'Sandbox device login',
      '',
      'The sandbox has no sign-in page: approve a pending code through its admin API as a partner user, e.g.',
      `  curl -X POST ${request.origin}/_sandbox/identity/devicecodes/<CODE>/approve -H 'Content-Type: application/json' \\`,
      `       -d '{"userPrincipalName":"${SANDBOX_PARTNER_ADMIN}","mfa":true}'`,
      `Pending codes: GET ${request.origin}/_sandbox/identity/devicecodes`,
      '',
    ].join('\n');
    return { status: 200, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: undefined, text };
  }

  // --- device code ---

  private deviceCode(request: IdentityRequest, tenantSegment: string): IdentityResponse {
    const form = new URLSearchParams(request.rawBody);
    const tenant = this.tenant(tenantSegment);
    if (tenant.kind !== 'partner') {
      throw new OAuthError(400, 'invalid_request', 50020, `User sign-in for the partner app is only possible in the partner tenant, not in '${tenant.id}'.`);
    }
    this.checkClientId(form.get('client_id'));
    const scope = form.get('scope') ?? '';
    this.resourceOf(scope);
    const deviceCode = randomBytes(32).toString('base64url');
    const userCode = randomUserCode();
    const verificationUri = `${request.origin}/devicelogin`;
    this.deviceCodes.set(deviceCode, {
      deviceCode,
      userCode,
      clientId: this.clientId,
      tenantId: tenant.id,
      scope,
      expiresAtMs: this.clock.baseMs() + DEVICE_CODE_LIFETIME_SECONDS * 1000,
      state: { kind: 'pending' },
    });
    this.forgetExpiredDeviceCodes();
    return this.json(200, {
      user_code: userCode,
      device_code: deviceCode,
      verification_uri: verificationUri,
      expires_in: DEVICE_CODE_LIFETIME_SECONDS,
      interval: DEVICE_CODE_INTERVAL_SECONDS,
      message: `To sign in, use a web browser to open the page ${verificationUri} and enter the code ${userCode} to authenticate.`,
    });
  }

  private forgetExpiredDeviceCodes(): void {
    const now = this.clock.baseMs();
    for (const [key, code] of this.deviceCodes) if (code.expiresAtMs + 60_000 < now) this.deviceCodes.delete(key);
  }

  // --- token ---

  private token(request: IdentityRequest, tenantSegment: string): IdentityResponse {
    const form = new URLSearchParams(request.rawBody);
    const tenant = this.tenant(tenantSegment);
    const grant = form.get('grant_type') ?? '';
    const scope = form.get('scope') ?? '';
    if (grant === 'client_credentials') {
      this.authenticateClient(form);
      const { resource, scopes } = this.resourceOf(scope);
      if (!scopes.every((item) => item.endsWith('/.default'))) {
        throw new OAuthError(400, 'invalid_scope', 1002012, `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`);
      }
      if (tenant.kind === 'customer' && !tenant.appOnly) {
        throw new OAuthError(400, 'unauthorized_client', 700016, `Application with identifier '${this.clientId}' was not found in the directory '${tenant.id}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.`);
      }
      return this.tokenResponse(this.appAccessToken(resource, tenant.id), scopes.join(' '));
    }
    if (grant === 'refresh_token') {
      this.authenticateClient(form);
      const content = this.unsealRefreshToken(form.get('refresh_token') ?? '');
      const { resource, scopes } = this.resourceOf(scope);
      if (tenant.kind === 'customer' && !tenant.gdap) {
        throw new OAuthError(400, 'invalid_grant', 50020, `User account '${content.upn}' from identity provider 'https://sts.windows.net/${this.partnerTenantId}/' does not exist in tenant '${tenant.id}' and cannot access the application '${this.clientId}' in that tenant. The partner has no granular delegated admin relationship (GDAP) with this customer.`);
      }
      return this.userTokenResponse(request, resource, scopes, tenant.id, { upn: content.upn, mfa: content.mfa });
    }
    if (grant === 'urn:ietf:params:oauth:grant-type:device_code' || grant === 'device_code') {
      // A public client may poll without a secret; the partner's confidential app sends it and it must match.
      if (form.get('client_secret') !== null) this.authenticateClient(form);
      else this.checkClientId(form.get('client_id'));
      const code = this.deviceCodes.get(form.get('device_code') ?? '');
      if (!code || code.state.kind === 'redeemed') {
        throw new OAuthError(400, 'invalid_grant', 70000, 'The provided value for the input parameter \'device_code\' is not valid.');
      }
      if (code.expiresAtMs <= this.clock.baseMs()) throw new OAuthError(400, 'expired_token', 70020, 'The provided authorization code or refresh token has expired due to it being past its expiration date.');
      if (code.state.kind === 'declined') throw new OAuthError(400, 'authorization_declined', 70000, 'The user declined the sign-in request.');
      if (code.state.kind === 'pending') throw new OAuthError(400, 'authorization_pending', 70016, 'OAuth 2.0 device flow error. Authorization is pending. Continue polling.');
      const signIn = code.state.signIn;
      code.state = { kind: 'redeemed' };
      const { resource, scopes } = this.resourceOf(code.scope);
      return this.userTokenResponse(request, resource, scopes, code.tenantId, signIn);
    }
    throw new OAuthError(400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grant}'.`);
  }

  private userTokenResponse(request: IdentityRequest, resource: string, scopes: string[], tenantId: string, signIn: SignIn): IdentityResponse {
    const nowMs = this.clock.nowMs();
    const oid = stableGuid(`user:${signIn.upn.toLowerCase()}`);
    const scp =
      resource === 'https://graph.microsoft.com'
        ? GRAPH_DELEGATED_SCOPES
        : scopes.map((item) => item.slice(item.lastIndexOf('/') + 1)).filter((item) => item !== '.default').join(' ') || 'user_impersonation';
    const accessToken = this.issueAccessToken({
      aud: resource,
      tid: tenantId,
      idtyp: 'user',
      appid: this.clientId,
      appidacr: '1',
      oid,
      sub: stableGuid(`sub:${oid}:${this.clientId}`),
      upn: signIn.upn,
      unique_name: signIn.upn,
      amr: signIn.mfa ? ['pwd', 'mfa'] : ['pwd'],
      scp,
      uti: randomBytes(16).toString('base64url'),
    });
    const iat = Math.floor(nowMs / 1000);
    const idToken = this.keys.sign({
      aud: this.clientId,
      iss: `${this.publicBase(request)}/${tenantId}/v2.0`,
      iat,
      nbf: iat,
      exp: iat + ACCESS_TOKEN_LIFETIME_SECONDS,
      name: signIn.upn.split('@')[0],
      oid,
      preferred_username: signIn.upn,
      sub: stableGuid(`sub:${oid}:${this.clientId}`),
      tid: tenantId,
      ver: '2.0',
    });
    const refreshToken = this.sealRefreshToken({ v: 1, cid: this.clientId, upn: signIn.upn, mfa: signIn.mfa, iat: nowMs });
    return this.json(200, {
      token_type: 'Bearer',
      scope: scopes.join(' '),
      expires_in: ACCESS_TOKEN_LIFETIME_SECONDS,
      ext_expires_in: ACCESS_TOKEN_LIFETIME_SECONDS,
      access_token: accessToken,
      refresh_token: refreshToken,
      id_token: idToken,
      client_info: Buffer.from(JSON.stringify({ uid: oid, utid: tenantId })).toString('base64url'),
    });
  }

  private appAccessToken(resource: string, tenantId: string): string {
    return this.issueAccessToken({
      aud: resource,
      tid: tenantId,
      idtyp: 'app',
      appid: this.clientId,
      appidacr: '1',
      oid: stableGuid(`sp:${this.clientId}:${tenantId}`),
      sub: stableGuid(`sp:${this.clientId}:${tenantId}`),
      uti: randomBytes(16).toString('base64url'),
    });
  }

  private tokenResponse(accessToken: string, scope: string): IdentityResponse {
    return this.json(200, { token_type: 'Bearer', expires_in: ACCESS_TOKEN_LIFETIME_SECONDS, ext_expires_in: ACCESS_TOKEN_LIFETIME_SECONDS, access_token: accessToken, scope });
  }

  // --- refresh tokens ---

  private sealKey(): Buffer {
    let stored = this.db.meta<string>(SEAL_KEY_META);
    if (!stored) {
      stored = randomBytes(32).toString('base64');
      this.db.setMeta(SEAL_KEY_META, stored);
    }
    return Buffer.from(stored, 'base64');
  }

  private sealRefreshToken(content: RefreshTokenContent): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.sealKey(), iv);
    const sealed = Buffer.concat([cipher.update(JSON.stringify(content), 'utf8'), cipher.final()]);
    return `0.SBX.${Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64url')}`;
  }

  private unsealRefreshToken(token: string): RefreshTokenContent {
    const invalid = new OAuthError(400, 'invalid_grant', 9002313, 'Invalid request. Request is malformed or invalid. The refresh token is not valid.');
    if (!token.startsWith('0.SBX.')) throw invalid;
    let content: RefreshTokenContent;
    try {
      const raw = Buffer.from(token.slice('0.SBX.'.length), 'base64url');
      const decipher = createDecipheriv('aes-256-gcm', this.sealKey(), raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      content = JSON.parse(Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8')) as RefreshTokenContent;
    } catch {
      throw invalid;
    }
    if (content.cid !== this.clientId) {
      throw new OAuthError(400, 'invalid_grant', 70000, 'The refresh token was issued to a different client.');
    }
    const now = this.clock.nowMs();
    if (now >= content.iat + REFRESH_TOKEN_LIFETIME_MS) {
      const days = ((now - content.iat) / DAY_MS).toFixed(2);
      throw new OAuthError(400, 'invalid_grant', 700082, `The refresh token has expired due to inactivity. The token was issued on ${new Date(content.iat).toISOString()} and was inactive for ${days} days (the limit is 90.00:00:00).`);
    }
    return content;
  }

  // --- shared ---

  private tenant(segment: string): Tenant {
    const id = segment.toLowerCase();
    if (id === this.partnerTenantId) return { kind: 'partner', id };
    const customer = this.db.customer(id);
    if (customer) return { kind: 'customer', id, appOnly: hasAppOnlyConsent(customer), gdap: hasGdapRelationship(customer) };
    throw new OAuthError(400, 'invalid_tenant', 90002, `Tenant '${segment}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`);
  }

  private checkClientId(clientId: string | null): void {
    if (clientId !== this.clientId) {
      throw new OAuthError(400, 'unauthorized_client', 700016, `Application with identifier '${clientId ?? ''}' was not found in the directory.`);
    }
  }

  private authenticateClient(form: URLSearchParams): void {
    this.checkClientId(form.get('client_id'));
    if (form.get('client_assertion') !== null) {
      throw new OAuthError(401, 'invalid_client', 700027, 'The sandbox partner app has no certificate credential: sign in with its client secret.');
    }
    if (form.get('client_secret') !== this.clientSecret) {
      throw new OAuthError(401, 'invalid_client', 7000215, 'Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.');
    }
  }

  private resourceOf(scope: string): { resource: string; scopes: string[] } {
    const scopes = scope.split(/\s+/).filter((item) => item && !OIDC_SCOPES.has(item.toLowerCase()));
    const resources = new Set(
      scopes.map((item) => {
        const cut = item.lastIndexOf('/');
        const resource = RESOURCES[(cut > 'https://'.length ? item.slice(0, cut) : item).toLowerCase()];
        if (!resource) throw new OAuthError(400, 'invalid_resource', 500011, `The resource principal named ${item} was not found in the tenant.`);
        return resource;
      }),
    );
    if (resources.size !== 1) throw new OAuthError(400, 'invalid_scope', 70011, `The provided value for the input parameter 'scope' is not valid: one resource, not ${resources.size}.`);
    return { resource: [...resources][0], scopes };
  }

  private oauthError(error: OAuthError, request: IdentityRequest): IdentityResponse {
    const traceId = randomUUID();
    const correlationId = request.query.get('client-request-id') ?? firstHeader(request.headers, 'client-request-id') ?? randomUUID();
    const timestamp = new Date(this.clock.baseMs()).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
    return this.json(error.status, {
      error: error.error,
      error_description: `AADSTS${error.aadsts}: ${error.message} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
      error_codes: [error.aadsts],
      timestamp,
      trace_id: traceId,
      correlation_id: correlationId,
      error_uri: `https://login.microsoftonline.com/error?code=${error.aadsts}`,
    });
  }

  private json(status: number, body: unknown): IdentityResponse {
    return { status, headers: { 'Cache-Control': 'no-store', Pragma: 'no-cache' }, body };
  }

  private record(request: IdentityRequest, operation: string, customerId: string | null, status: number): void {
    // msal-node names itself in the query or the form body (x-client-SKU, x-client-VER), other clients in headers.
    const form = new URLSearchParams(request.rawBody);
    const field = (name: string) => request.query.get(name) ?? form.get(name) ?? firstHeader(request.headers, name.toLowerCase());
    const sku = field('x-client-SKU');
    const version = field('x-client-VER');
    this.requests.add({
      at: new Date(this.clock.baseMs()).toISOString(),
      sandboxTime: new Date(this.clock.nowMs()).toISOString(),
      api: 'identity',
      method: request.method,
      path: request.pathname,
      operation,
      customerId,
      requestId: field('client-request-id') ?? null,
      correlationId: null,
      status,
      delivery: 'sent',
      retryAfterSeconds: null,
      faults: [],
      replayed: false,
      client: sku ? `${sku}${version ? ` ${version}` : ''}` : null,
    });
  }
}

function operationOf(request: IdentityRequest, params: Record<string, string>): string {
  const path = request.pathname.toLowerCase();
  if (path.endsWith('/token')) {
    const grant = new URLSearchParams(request.rawBody).get('grant_type') ?? '';
    return `token:${grant.replace('urn:ietf:params:oauth:grant-type:', '')}`;
  }
  if (path.endsWith('/devicecode')) return 'devicecode';
  if (path.endsWith('openid-configuration')) return 'openid-configuration';
  if (path.endsWith('/keys')) return 'keys';
  if (path.endsWith('/discovery/instance')) return 'instance-discovery';
  return params.tenant ? 'identity' : path.slice(1);
}

function firstHeader(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Entra-style user codes: 9 characters without look-alikes. */
function randomUserCode(): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  return [...randomBytes(9)].map((byte) => alphabet[byte % alphabet.length]).join('');
}

/** A GUID derived from a name, so the same user or service principal keeps its object id across sign-ins. */
function stableGuid(name: string): string {
  const hex = createHash('sha256').update(name).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
