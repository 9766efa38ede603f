/**
 * Token sources over @azure/msal-node, the same in live and sandbox mode (sandbox mode only gives msal-node another
 * authority host and a network client, see sandboxNetwork.ts): Partner Center app-only in the partner tenant, Graph
 * app-only per customer tenant, and the partner admin's delegated tokens (Partner Center App+User, Graph through GDAP)
 * redeemed from the stored refresh token, which is replaced by the newest one on every redemption. The MSAL client
 * factory is injected so tests can use a fake; nothing here logs.
 */
import { ConfidentialClientApplication, type AccountInfo, type INetworkModule } from '@azure/msal-node';
import { PartnerNotConnectedError, TokenAcquisitionError } from '../http/errors';
import type { ConnectionRecord, RefreshTokenStore } from './refreshTokenStore';
import { cachedTokenSource, type AcquiredToken, type TokenCacheOptions } from './tokenCache';

export const PARTNER_CENTER_APP_SCOPE = 'https://api.partnercenter.microsoft.com/.default';
export const PARTNER_CENTER_USER_SCOPE = 'https://api.partnercenter.microsoft.com/user_impersonation';
export const GRAPH_APP_SCOPE = 'https://graph.microsoft.com/.default';
/** Delegated Graph in a customer tenant: whatever the partner app is consented for there (applicationconsents). */
export const GRAPH_DELEGATED_SCOPE = 'https://graph.microsoft.com/.default';
export const DEFAULT_AUTHORITY_HOST = 'https://login.microsoftonline.com';
/** Entra's refresh token lifetime without a redemption (learn.microsoft.com/entra/identity-platform/refresh-tokens). */
export const REFRESH_TOKEN_LIFETIME_MS = 90 * 86_400_000;

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
  /** Sandbox mode only; live mode uses msal-node's own. */
  networkClient?: INetworkModule;
}

/** The part of ConfidentialClientApplication we use. */
export interface MsalClientLike {
  acquireTokenByClientCredential(request: { scopes: string[]; skipCache?: boolean }): Promise<MsalTokenResult | null>;
  acquireTokenByRefreshToken(request: { scopes: string[]; refreshToken: string; forceCache?: boolean }): Promise<MsalTokenResult | null>;
  getTokenCache(): { serialize(): string; removeAccount(account: AccountInfo): Promise<void> };
}

export interface MsalTokenResult {
  accessToken: string;
  expiresOn: Date | null;
  account?: AccountInfo | null;
}

export type MsalClientFactory = (settings: MsalClientSettings) => MsalClientLike;

export const defaultMsalClientFactory: MsalClientFactory = ({ networkClient, ...auth }) =>
  new ConfidentialClientApplication({ auth, ...(networkClient ? { system: { networkClient } } : {}) });

export interface MsalSourceOptions {
  /** Partner tenant (for Partner Center) — Graph sources take the customer tenant per call. */
  tenantId: string;
  clientId: string;
  credential: AppCredential;
  authorityHost?: string;
  networkClient?: INetworkModule;
  msalClientFactory?: MsalClientFactory;
  cache?: TokenCacheOptions;
}

/** Used when MSAL reports no expiry: short enough to be safe. */
const FALLBACK_LIFETIME_MS = 15 * 60_000;
const TRANSIENT_MSAL_CODES = new Set(['network_error', 'temporarily_unavailable', 'service_not_available']);
/**
 * AADSTS codes that say the refresh token itself is no good (expired, revoked, malformed, other client, password
 * changed): the partner connection is broken, whatever tenant it was redeemed at.
 */
const DEAD_REFRESH_TOKEN_CODES = new Set(['700082', '70008', '9002313', '70000', '50173', '700084', '54005', '50133']);
const EXPIRED_REFRESH_TOKEN_CODES = new Set(['700082', '70008', '700084']);

export function partnerCenterAppTokenSource(options: MsalSourceOptions): () => Promise<string> {
  const client = createClient(options, options.tenantId);
  return cachedTokenSource(
    () =>
      acquire('partnerCenter', options.tenantId, () =>
        client.acquireTokenByClientCredential({ scopes: [PARTNER_CENTER_APP_SCOPE], skipCache: true }),
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

/** What a redemption tells the partner connection (for its status and admin alerts). */
export type RedemptionEvent =
  | { kind: 'redeemed'; record: ConnectionRecord }
  | { kind: 'failed'; record: ConnectionRecord | undefined; reason: string; expired: boolean };

export interface DelegatedOptions extends Omit<MsalSourceOptions, 'tenantId'> {
  partnerTenantId: string;
  store: RefreshTokenStore;
  /** Bot clock (epoch ms) of the stored times; defaults to `cache.now`, then Date.now. */
  now?: () => number;
  onRedemption?: (event: RedemptionEvent) => void;
}

/**
 * The partner admin's delegated tokens, each redeemed from the stored refresh token at the tenant's authority
 * (the partner tenant for Partner Center App+User, a customer tenant for GDAP). Every redemption stores the refresh
 * token it returned by compare-and-set; msal-node's own cache is read for it (where msal-node keeps it) and then
 * emptied, so it can never hand back an older token than the store's. Redemptions in one process run one at a time.
 */
export class DelegatedTokens {
  private readonly clients = new Map<string, MsalClientLike>();
  private readonly sources = new Map<string, () => Promise<string>>();
  private queue: Promise<unknown> = Promise.resolve();
  private readonly now: () => number;

  constructor(private readonly options: DelegatedOptions) {
    this.now = options.now ?? options.cache?.now ?? Date.now;
  }

  partnerCenterUser(): Promise<string> {
    return this.source(this.options.partnerTenantId, PARTNER_CENTER_USER_SCOPE, 'partnerCenterUser')();
  }

  graphDelegated(customerTenantId: string): Promise<string> {
    if (!customerTenantId) return Promise.reject(new TypeError('graphDelegated token: customer tenantId is required'));
    return this.source(customerTenantId, GRAPH_DELEGATED_SCOPE, 'graphDelegated')();
  }

  private source(tenantId: string, scope: string, kind: 'partnerCenterUser' | 'graphDelegated'): () => Promise<string> {
    const key = `${tenantId.toLowerCase()} ${scope}`;
    let source = this.sources.get(key);
    if (!source) {
      source = cachedTokenSource(() => this.serialized(() => this.redeem(tenantId, scope, kind)), this.options.cache);
      this.sources.set(key, source);
    }
    return source;
  }

  private serialized<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private client(tenantId: string): MsalClientLike {
    let client = this.clients.get(tenantId);
    if (!client) {
      client = createClient(this.options, tenantId);
      this.clients.set(tenantId, client);
    }
    return client;
  }

  private async redeem(tenantId: string, scope: string, kind: 'partnerCenterUser' | 'graphDelegated'): Promise<AcquiredToken> {
    const atPartner = tenantId.toLowerCase() === this.options.partnerTenantId.toLowerCase();
    // A second pass only when another instance rotated the token while ours was being refused.
    for (let pass = 0; ; pass++) {
      const record = await this.options.store.read();
      if (!record) throw new PartnerNotConnectedError('notConnected');
      let refreshToken: string;
      try {
        refreshToken = this.options.store.refreshTokenOf(record);
      } catch {
        // Another TOKEN_ENCRYPTION_KEY sealed it (instances must share one): only a new sign-in helps.
        await this.fail(record, 'stored refresh token cannot be decrypted with this TOKEN_ENCRYPTION_KEY', false);
        throw new PartnerNotConnectedError('refused', 'the stored refresh token cannot be decrypted with this TOKEN_ENCRYPTION_KEY');
      }
      const client = this.client(tenantId);
      let result: MsalTokenResult | null;
      try {
        result = await client.acquireTokenByRefreshToken({
          scopes: [scope],
          refreshToken,
          // Cache the response even without an account in msal-node's cache: that is where the new refresh token is.
          forceCache: true,
        });
      } catch (error) {
        const failure = toTokenError(kind, tenantId, error);
        const aadsts = /AADSTS(\d+)/.exec(failure.code)?.[1] ?? '';
        const deadToken = DEAD_REFRESH_TOKEN_CODES.has(aadsts);
        if (deadToken) {
          const latest = await this.options.store.read();
          if (pass === 0 && latest && latest.version !== record.version) continue;
          const expired = EXPIRED_REFRESH_TOKEN_CODES.has(aadsts) || this.now() - record.connection.tokenIssuedAt >= REFRESH_TOKEN_LIFETIME_MS;
          await this.fail(record, failure.code, expired);
          throw new PartnerNotConnectedError(expired ? 'expired' : 'refused', failure.code);
        }
        // At a customer tenant anything else is about that customer (no GDAP relationship, no consent), not the connection.
        if (atPartner) await this.fail(record, failure.code, false);
        throw failure;
      }
      if (!result?.accessToken) throw new TokenAcquisitionError({ source: kind, tenantId, code: 'no_token_returned', retryable: true });
      const newest = result.account ? takeRefreshToken(client, result.account) : undefined;
      if (result.account) await client.getTokenCache().removeAccount(result.account);
      if (newest) {
        const stored = await this.options.store.rotate(record, newest, this.now());
        // Lost the race: the store holds the winner's token (at least as new), which every later redemption uses.
        if (stored) this.options.onRedemption?.({ kind: 'redeemed', record: stored });
      }
      return { token: result.accessToken, expiresAtMs: expiryOf(result) };
    }
  }

  private async fail(record: ConnectionRecord, reason: string, expired: boolean): Promise<void> {
    const noted = await this.options.store.recordFailure(record, { at: this.now(), reason, expired });
    this.options.onRedemption?.({ kind: 'failed', record: noted ?? (await this.options.store.read()), reason, expired });
  }

}

/** The refresh token msal-node cached for the account (its serialized cache is the documented way to read it). */
export function takeRefreshToken(client: Pick<MsalClientLike, 'getTokenCache'>, account: AccountInfo): string | undefined {
  const serialized = JSON.parse(client.getTokenCache().serialize()) as { RefreshToken?: Record<string, { home_account_id?: string; secret?: string }> };
  const entry = Object.values(serialized.RefreshToken ?? {}).find((candidate) => candidate.home_account_id === account.homeAccountId);
  return entry?.secret || undefined;
}

function expiryOf(result: MsalTokenResult): number {
  return result.expiresOn ? result.expiresOn.getTime() : Date.now() + FALLBACK_LIFETIME_MS;
}

function createClient(options: Omit<MsalSourceOptions, 'tenantId'>, tenantId: string): MsalClientLike {
  const authorityHost = (options.authorityHost ?? DEFAULT_AUTHORITY_HOST).replace(/\/$/, '');
  const settings: MsalClientSettings = { clientId: options.clientId, authority: `${authorityHost}/${tenantId}` };
  if (options.networkClient) settings.networkClient = options.networkClient;
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
  return { token: result.accessToken, expiresAtMs: expiryOf(result) };
}

export function toTokenError(source: TokenAcquisitionError['source'], tenantId: string, error: unknown): TokenAcquisitionError {
  const fields = typeof error === 'object' && error !== null ? (error as Record<string, unknown>) : {};
  const errorCode = typeof fields.errorCode === 'string' && fields.errorCode ? fields.errorCode : 'unknown_error';
  const errorNo = typeof fields.errorNo === 'string' || typeof fields.errorNo === 'number' ? String(fields.errorNo) : aadstsOf(fields.errorMessage);
  const status = typeof fields.status === 'number' ? fields.status : undefined;
  const retryable = TRANSIENT_MSAL_CODES.has(errorCode) || (status !== undefined && (status === 429 || status >= 500));
  const code = errorNo ? `${errorCode} AADSTS${errorNo}` : errorCode;
  return new TokenAcquisitionError({ source, tenantId, code, retryable });
}

/** The AADSTS number an msal-node error message starts with, when `errorNo` is missing. */
function aadstsOf(message: unknown): string | undefined {
  return typeof message === 'string' ? /AADSTS(\d+)/.exec(message)?.[1] : undefined;
}
