/**
 * The partner admin's App+User connection (secure application model): a device-code sign-in whose refresh token is
 * stored encrypted and rotated on every redemption. The bot command, status lines and admin cards build on this
 * interface; the implementation follows below it.
 */
import { PublicClientApplication, type AccountInfo, type DeviceCodeRequest, type INetworkModule } from '@azure/msal-node';
import { PARTNER_CENTER_USER_SCOPE, REFRESH_TOKEN_LIFETIME_MS, takeRefreshToken, toTokenError, type MsalClientLike, type RedemptionEvent } from './msalTokenSources';
import type { ConnectionRecord, RefreshTokenStore } from './refreshTokenStore';

export interface PartnerConnectionStatus {
  state: 'connected' | 'notConnected' | 'failing' | 'expired';
  userPrincipalName?: string;
  mfa: boolean;
  /** Epoch ms the stored refresh token was issued (sign-in or last successful redemption). */
  tokenIssuedAt?: number;
  lastRedeemedAt?: number;
  lastFailure?: { at: number; reason: string };
}
export interface DeviceCodeChallenge { userCode: string; verificationUri: string; message: string; expiresAt: number }
export interface PartnerConnection {
  status(): Promise<PartnerConnectionStatus>;
  /** Starts a device-code sign-in as a partner admin; `done` settles when they finish, fail or the code expires. */
  connect(): Promise<{ challenge: DeviceCodeChallenge; done: Promise<PartnerConnectionStatus> }>;
  /** Every redemption success or failure and every connect, for admin alerts; returns an unsubscribe. */
  onChange(listener: (status: PartnerConnectionStatus) => void): () => void;
}

// --- implementation -------------------------------------------------------------------------------------------------


/** The part of PublicClientApplication the device-code sign-in uses. */
export interface PublicClientLike extends Pick<MsalClientLike, 'getTokenCache'> {
  acquireTokenByDeviceCode(request: {
    scopes: string[];
    deviceCodeCallback: DeviceCodeRequest['deviceCodeCallback'];
  }): Promise<{ accessToken: string; account: AccountInfo | null } | null>;
}

export interface PartnerConnectionOptions {
  store: RefreshTokenStore;
  partnerTenantId: string;
  clientId: string;
  authorityHost: string;
  /** Sandbox mode only, as for the token sources. */
  networkClient?: INetworkModule;
  /** Bot clock, epoch ms. */
  now?: () => number;
  publicClientFactory?: (settings: { clientId: string; authority: string; networkClient?: INetworkModule }) => PublicClientLike;
}

const defaultPublicClientFactory: NonNullable<PartnerConnectionOptions['publicClientFactory']> = ({ networkClient, ...auth }) =>
  new PublicClientApplication({ auth, ...(networkClient ? { system: { networkClient } } : {}) });

/** The state a stored connection is in at `now`. */
export function connectionStatusOf(record: ConnectionRecord | undefined, now: number): PartnerConnectionStatus {
  if (!record) return { state: 'notConnected', mfa: false };
  const stored = record.connection;
  const status: PartnerConnectionStatus = {
    state: 'connected',
    userPrincipalName: stored.userPrincipalName,
    mfa: stored.mfa,
    tokenIssuedAt: stored.tokenIssuedAt,
  };
  if (stored.lastRedeemedAt !== undefined) status.lastRedeemedAt = stored.lastRedeemedAt;
  if (stored.lastFailure) status.lastFailure = { at: stored.lastFailure.at, reason: stored.lastFailure.reason };
  if (stored.lastFailure?.expired || now - stored.tokenIssuedAt >= REFRESH_TOKEN_LIFETIME_MS) status.state = 'expired';
  else if (stored.lastFailure) status.state = 'failing';
  return status;
}

/**
 * The partner admin's connection: a device-code sign-in (msal-node's PublicClientApplication — the app registration
 * allows public client flows) whose refresh token goes to the encrypted store, then the status of what is stored.
 * The delegated token sources report every redemption here (`redemptionListener`), so listeners hear about rotation
 * and failures as they happen.
 */
export class StoredPartnerConnection implements PartnerConnection {
  private readonly listeners = new Set<(status: PartnerConnectionStatus) => void>();
  private readonly now: () => number;

  constructor(private readonly options: PartnerConnectionOptions) {
    this.now = options.now ?? Date.now;
  }

  async status(): Promise<PartnerConnectionStatus> {
    return connectionStatusOf(await this.options.store.read(), this.now());
  }

  onChange(listener: (status: PartnerConnectionStatus) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** For the delegated token sources: every redemption, success or failure. */
  readonly redemptionListener = (event: RedemptionEvent): void => {
    this.emit(connectionStatusOf(event.record, this.now()));
  };

  async connect(): Promise<{ challenge: DeviceCodeChallenge; done: Promise<PartnerConnectionStatus> }> {
    const authority = `${this.options.authorityHost.replace(/\/$/, '')}/${this.options.partnerTenantId}`;
    const client = (this.options.publicClientFactory ?? defaultPublicClientFactory)({
      clientId: this.options.clientId,
      authority,
      ...(this.options.networkClient ? { networkClient: this.options.networkClient } : {}),
    });
    let announce: (challenge: DeviceCodeChallenge) => void = () => undefined;
    const challenge = new Promise<DeviceCodeChallenge>((resolve) => {
      announce = resolve;
    });
    const signIn = client.acquireTokenByDeviceCode({
      scopes: [PARTNER_CENTER_USER_SCOPE],
      deviceCodeCallback: (response) =>
        announce({
          userCode: response.userCode,
          verificationUri: response.verificationUri,
          message: response.message,
          expiresAt: this.now() + response.expiresIn * 1000,
        }),
    });
    const done = signIn.then(
      async (result) => this.completeSignIn(client, result),
      async (error: unknown) => this.failedSignIn(error),
    );
    // The sign-in can fail before msal-node ever shows a code (authority unreachable): then connect() itself fails.
    const first = await Promise.race([challenge.then((value) => ({ value })), signIn.then(() => undefined, (error: unknown) => ({ error }))]);
    if (!first || 'error' in first) {
      await done;
      throw toTokenError('partnerCenterUser', this.options.partnerTenantId, first?.error);
    }
    return { challenge: first.value, done };
  }

  private async completeSignIn(
    client: PublicClientLike,
    result: { accessToken: string; account: AccountInfo | null } | null,
  ): Promise<PartnerConnectionStatus> {
    const refreshToken = result?.account ? takeRefreshToken(client, result.account) : undefined;
    if (!result?.account || !refreshToken) return this.failedSignIn(new Error('the sign-in returned no refresh token (is offline_access allowed?)'));
    const now = this.now();
    const record = await this.options.store.connect(
      { userPrincipalName: result.account.username, mfa: carriesMfa(result.accessToken), tokenIssuedAt: now, connectedAt: now },
      refreshToken,
    );
    const status = connectionStatusOf(record, now);
    this.emit(status);
    return status;
  }

  /** A failed or expired code leaves any previous connection as it was; the status says why this attempt failed. */
  private async failedSignIn(error: unknown): Promise<PartnerConnectionStatus> {
    const reason = `sign-in failed: ${toTokenError('partnerCenterUser', this.options.partnerTenantId, error).code}`;
    const status: PartnerConnectionStatus = { ...(await this.status()), lastFailure: { at: this.now(), reason } };
    this.emit(status);
    return status;
  }

  private emit(status: PartnerConnectionStatus): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(status);
      } catch {
        // A listener's failure (an alert that could not be sent) must not fail a token redemption.
      }
    }
  }
}

/** Whether the access token says the sign-in used MFA (`amr` contains "mfa"); reads the bot's own token's claims. */
function carriesMfa(accessToken: string): boolean {
  const payload = accessToken.split('.')[1];
  if (!payload) return false;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { amr?: unknown };
    return Array.isArray(claims.amr) && claims.amr.includes('mfa');
  } catch {
    return false;
  }
}
