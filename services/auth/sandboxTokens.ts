/**
 * Sandbox mode: unsigned JWTs (`alg: none`) carrying the claims the sandbox routes on — `aud`, `tid` (partner tenant
 * for Partner Center, the customer tenant for Graph, as real Graph does), `idtyp`, `appid`, `iat`, `exp`.
 * They are worthless anywhere else: nothing signs them. Each audience and tenant has its own cached token, exactly as
 * in live mode, so the bot behaves (and calls) the same against the sandbox as against Microsoft.
 */
import { cachedTokenSource, type AcquiredToken } from './tokenCache';

export const PARTNER_CENTER_AUDIENCE = 'https://api.partnercenter.microsoft.com';
export const GRAPH_AUDIENCE = 'https://graph.microsoft.com';

export interface SandboxTokenClaims {
  aud: string;
  tid: string;
  idtyp: 'app' | 'user';
  appid: string;
  iat: number;
  exp: number;
  /** App+User tokens only. */
  scp?: string;
  /** App+User tokens only: the sign-in carried MFA (the sandbox can enforce it). */
  amr?: string[];
  upn?: string;
}

export interface SandboxTokenSourceOptions {
  /** Partner tenant id (the `tid` of Partner Center tokens). */
  partnerTenantId: string;
  clientId: string;
  /** `upn` of App+User tokens. */
  userPrincipalName?: string;
  /** Clock of both the tokens' `iat`/`exp` and their cache. */
  now?: () => number;
  lifetimeSeconds?: number;
  /** Refresh this long before expiry; see TokenCacheOptions. */
  refreshMarginMs?: number;
}

export interface SandboxTokenSources {
  partnerCenter: () => Promise<string>;
  partnerCenterUser: () => Promise<string>;
  graph: (tenantId: string) => Promise<string>;
}

function base64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}

export function mintUnsignedJwt(claims: SandboxTokenClaims): string {
  return `${base64url(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${base64url(JSON.stringify(claims))}.`;
}

/** Reads the claims of any JWT without checking a signature (the sandbox's side of `mintUnsignedJwt`). */
export function decodeJwtClaims(token: string): Record<string, unknown> {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) throw new TypeError('not a JWT');
  const claims: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) throw new TypeError('JWT payload is not an object');
  return claims as Record<string, unknown>;
}

export function createSandboxTokenSource(options: SandboxTokenSourceOptions): SandboxTokenSources {
  const now = options.now ?? Date.now;
  const lifetime = options.lifetimeSeconds ?? 3600;
  const mint = (aud: string, tid: string, idtyp: 'app' | 'user'): AcquiredToken => {
    const iat = Math.floor(now() / 1000);
    const claims: SandboxTokenClaims = { aud, tid, idtyp, appid: options.clientId, iat, exp: iat + lifetime };
    if (idtyp === 'user') {
      claims.scp = 'user_impersonation';
      claims.amr = ['pwd', 'mfa'];
      if (options.userPrincipalName) claims.upn = options.userPrincipalName;
    }
    return { token: mintUnsignedJwt(claims), expiresAtMs: claims.exp * 1000 };
  };
  const cached = (aud: string, tid: string, idtyp: 'app' | 'user') =>
    cachedTokenSource(() => Promise.resolve(mint(aud, tid, idtyp)), { now, refreshMarginMs: options.refreshMarginMs });

  const graphByTenant = new Map<string, () => Promise<string>>();
  return {
    partnerCenter: cached(PARTNER_CENTER_AUDIENCE, options.partnerTenantId, 'app'),
    partnerCenterUser: cached(PARTNER_CENTER_AUDIENCE, options.partnerTenantId, 'user'),
    graph: (tenantId: string) => {
      if (!tenantId) return Promise.reject(new TypeError('graph token: customer tenantId is required'));
      let source = graphByTenant.get(tenantId);
      if (!source) {
        source = cached(GRAPH_AUDIENCE, tenantId, 'app');
        graphByTenant.set(tenantId, source);
      }
      return source();
    },
  };
}
