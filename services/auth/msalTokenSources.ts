/**
 * Live token sources over @azure/msal-node: Partner Center app-only and App+User in the partner tenant, Graph
 * app-only per customer tenant. The MSAL client factory is injected so tests use a fake; nothing here logs.
 */
import { ConfidentialClientApplication } from '@azure/msal-node';
import { TokenAcquisitionError } from '../http/errors';
import { cachedTokenSource, type AcquiredToken, type TokenCacheOptions } from './tokenCache';

export const PARTNER_CENTER_APP_SCOPE = 'https://api.partnercenter.microsoft.com/.default';
export const PARTNER_CENTER_USER_SCOPE = 'https://api.partnercenter.microsoft.com/user_impersonation';
export const GRAPH_APP_SCOPE = 'https://graph.microsoft.com/.default';
export const DEFAULT_AUTHORITY_HOST = 'https://login.microsoftonline.com';

/** The credential an app registration signs in with. */
export type AppCredential =
  | { kind: 'secret'; clientSecret: string }
  /** `thumbprint` as shown by Entra (SHA-1, 40 hex) or SHA-256 (64 hex); `privateKey` is the PEM text. */
  | { kind: 'certificate'; thumbprint: string; privateKey: string };

export interface MsalClientSettings {
  clientId: string;
  authority: string;
  clientSecret?: string;
  clientCertificate?: { thumbprint?: string; thumbprintSha256?: string; privateKey: string };
}

/** The part of ConfidentialClientApplication we use. */
export interface MsalClientLike {
  acquireTokenByClientCredential(request: { scopes: string[]; skipCache?: boolean }): Promise<MsalTokenResult | null>;
  acquireTokenByRefreshToken(request: { scopes: string[]; refreshToken: string }): Promise<MsalTokenResult | null>;
}

export interface MsalTokenResult {
  accessToken: string;
  expiresOn: Date | null;
}

export type MsalClientFactory = (settings: MsalClientSettings) => MsalClientLike;

export const defaultMsalClientFactory: MsalClientFactory = (settings) => new ConfidentialClientApplication({ auth: settings });

export interface MsalSourceOptions {
  /** Partner tenant (for Partner Center) — Graph sources take the customer tenant per call. */
  tenantId: string;
  clientId: string;
  credential: AppCredential;
  authorityHost?: string;
  msalClientFactory?: MsalClientFactory;
  cache?: TokenCacheOptions;
}

/** Used when MSAL reports no expiry: short enough to be safe. */
const FALLBACK_LIFETIME_MS = 15 * 60_000;
const TRANSIENT_MSAL_CODES = new Set(['network_error', 'temporarily_unavailable', 'service_not_available']);

export function partnerCenterAppTokenSource(options: MsalSourceOptions): () => Promise<string> {
  const client = createClient(options, options.tenantId);
  return cachedTokenSource(
    () => acquire('partnerCenter', options.tenantId, () => client.acquireTokenByClientCredential({ scopes: [PARTNER_CENTER_APP_SCOPE], skipCache: true })),
    options.cache,
  );
}

/** App+User (secure application model): exchanges the stored refresh token of an MFA sign-in. */
export function partnerCenterUserTokenSource(options: MsalSourceOptions & { refreshToken: string }): () => Promise<string> {
  const client = createClient(options, options.tenantId);
  return cachedTokenSource(
    () =>
      acquire('partnerCenterUser', options.tenantId, () =>
        client.acquireTokenByRefreshToken({ scopes: [PARTNER_CENTER_USER_SCOPE], refreshToken: options.refreshToken }),
      ),
    options.cache,
  );
}

/** Graph app-only in each customer tenant: one MSAL client and one cached token per tenant. */
export function graphAppTokenSource(options: Omit<MsalSourceOptions, 'tenantId'>): (tenantId: string) => Promise<string> {
  const perTenant = new Map<string, () => Promise<string>>();
  return (tenantId: string) => {
    if (!tenantId) return Promise.reject(new TypeError('graph token: customer tenantId is required'));
    let source = perTenant.get(tenantId);
    if (!source) {
      const client = createClient(options, tenantId);
      source = cachedTokenSource(
        () => acquire('graph', tenantId, () => client.acquireTokenByClientCredential({ scopes: [GRAPH_APP_SCOPE], skipCache: true })),
        options.cache,
      );
      perTenant.set(tenantId, source);
    }
    return source();
  };
}

function createClient(options: Omit<MsalSourceOptions, 'tenantId'>, tenantId: string): MsalClientLike {
  const authorityHost = (options.authorityHost ?? DEFAULT_AUTHORITY_HOST).replace(/\/$/, '');
  const settings: MsalClientSettings = { clientId: options.clientId, authority: `${authorityHost}/${tenantId}` };
  if (options.credential.kind === 'secret') {
    settings.clientSecret = options.credential.clientSecret;
  } else {
    const thumbprint = options.credential.thumbprint.replace(/[^0-9a-f]/gi, '');
    settings.clientCertificate =
      thumbprint.length === 64
        ? { thumbprintSha256: thumbprint, privateKey: options.credential.privateKey }
        : { thumbprint, privateKey: options.credential.privateKey };
  }
  return (options.msalClientFactory ?? defaultMsalClientFactory)(settings);
}

async function acquire(
  source: TokenAcquisitionError['source'],
  tenantId: string,
  call: () => Promise<MsalTokenResult | null>,
): Promise<AcquiredToken> {
  let result: MsalTokenResult | null;
  try {
    result = await call();
  } catch (error) {
    // MSAL errors can quote the request; only their codes travel on.
    throw toTokenError(source, tenantId, error);
  }
  if (!result?.accessToken) throw new TokenAcquisitionError({ source, tenantId, code: 'no_token_returned', retryable: true });
  const expiresAtMs = result.expiresOn ? result.expiresOn.getTime() : Date.now() + FALLBACK_LIFETIME_MS;
  return { token: result.accessToken, expiresAtMs };
}

function toTokenError(source: TokenAcquisitionError['source'], tenantId: string, error: unknown): TokenAcquisitionError {
  const fields = typeof error === 'object' && error !== null ? (error as Record<string, unknown>) : {};
  const errorCode = typeof fields.errorCode === 'string' && fields.errorCode ? fields.errorCode : 'unknown_error';
  const errorNo = typeof fields.errorNo === 'string' || typeof fields.errorNo === 'number' ? String(fields.errorNo) : undefined;
  const status = typeof fields.status === 'number' ? fields.status : undefined;
  const retryable = TRANSIENT_MSAL_CODES.has(errorCode) || (status !== undefined && (status === 429 || status >= 500));
  const code = errorNo ? `${errorCode} AADSTS${errorNo}` : errorCode;
  return new TokenAcquisitionError({ source, tenantId, code, retryable });
}
