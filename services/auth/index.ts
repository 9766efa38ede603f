export {
  DEFAULT_AUTHORITY_HOST,
  DelegatedTokens,
  GRAPH_APP_SCOPE,
  GRAPH_DELEGATED_SCOPE,
  PARTNER_CENTER_APP_SCOPE,
  PARTNER_CENTER_USER_SCOPE,
  REFRESH_TOKEN_LIFETIME_MS,
  defaultMsalClientFactory,
  graphAppTokenSource,
  partnerCenterAppTokenSource,
} from './msalTokenSources';
export type { AppCredential, MsalClientFactory, MsalClientLike, MsalClientSettings, MsalSourceOptions, MsalTokenResult, RedemptionEvent } from './msalTokenSources';
export { StoredPartnerConnection, connectionStatusOf } from './partnerConnection';
export type { DeviceCodeChallenge, PartnerConnection, PartnerConnectionOptions, PartnerConnectionStatus, PublicClientLike } from './partnerConnection';
export { ENCRYPTION_KEY_FILE, RefreshTokenStore, localEncryptionKey, parseEncryptionKey } from './refreshTokenStore';
export type { ConnectionRecord, StoredConnection } from './refreshTokenStore';
export { SandboxNetworkClient } from './sandboxNetwork';
export { DEMO_PARTNER_ADMIN, approveSandboxDeviceCode, signInSandboxPartnerAdmin } from './sandboxSignIn';
export { DEFAULT_REFRESH_MARGIN_MS, cachedTokenSource } from './tokenCache';
export type { AcquiredToken, TokenCacheOptions } from './tokenCache';
export { createPartnerAuth, createTokenSources } from './tokenSources';
export type { PartnerAuth, TokenSources, TokenSourcesConfig, TokenSourcesDependencies } from './tokenSources';
