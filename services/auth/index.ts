export {
  DEFAULT_AUTHORITY_HOST,
  GRAPH_APP_SCOPE,
  PARTNER_CENTER_APP_SCOPE,
  PARTNER_CENTER_USER_SCOPE,
  defaultMsalClientFactory,
  graphAppTokenSource,
  partnerCenterAppTokenSource,
  partnerCenterUserTokenSource,
} from './msalTokenSources';
export type { AppCredential, MsalClientFactory, MsalClientLike, MsalClientSettings, MsalSourceOptions, MsalTokenResult } from './msalTokenSources';
export { GRAPH_AUDIENCE, PARTNER_CENTER_AUDIENCE, createSandboxTokenSource, decodeJwtClaims, mintUnsignedJwt } from './sandboxTokens';
export type { SandboxTokenClaims, SandboxTokenSourceOptions, SandboxTokenSources } from './sandboxTokens';
export { DEFAULT_REFRESH_MARGIN_MS, cachedTokenSource } from './tokenCache';
export type { AcquiredToken, TokenCacheOptions } from './tokenCache';
export { createTokenSources } from './tokenSources';
export type { TokenSources, TokenSourcesConfig, TokenSourcesDependencies } from './tokenSources';
