/**
 * Bearer tokens as the sandbox's APIs see them: issued by the sandbox's own identity endpoint (sandbox/identity.ts),
 * so a token must carry an RS256 signature by the sandbox's signing key — unsigned (`alg: none`), HS256 and tokens
 * signed by any other key are refused, as Partner Center and Graph refuse them. `aud` picks the API, `tid` the tenant,
 * `idtyp` app vs user, `exp` the lifetime, checked against the sandbox clock (the clock that issued it).
 */
import type { SigningKeys } from './identityKeys';

export const PARTNER_CENTER_AUDIENCES = [
  'https://api.partnercenter.microsoft.com',
  'fa3d9a0c-3fb0-42cc-9193-47c7ecd2edbd',
];
export const GRAPH_AUDIENCES = ['https://graph.microsoft.com', '00000003-0000-0000-c000-000000000000'];

export interface TokenClaims {
  aud: string;
  tid: string;
  idtyp: 'app' | 'user';
  exp?: number;
  amr: string[];
  /** app id (appid / azp), for throttle-scope headers. */
  appId: string;
  /** App+User tokens: the signed-in partner user. */
  upn?: string;
}

export type TokenProblem = 'missing' | 'malformed' | 'signature' | 'expired' | 'audience';

export type TokenCheck = { ok: true; claims: TokenClaims } | { ok: false; problem: TokenProblem };

function normalizeAudience(aud: string): string {
  return aud.replace(/\/+$/, '').replace(/\/\.default$/, '').toLowerCase();
}

/** Validates the Authorization header for one API (audiences = that API's accepted `aud` values). */
export function checkBearer(header: string | undefined, audiences: readonly string[], nowMs: number, keys: SigningKeys): TokenCheck {
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header.trim()) : null;
  if (!match) return { ok: false, problem: 'missing' };
  const verified = keys.verify(match[1]);
  if (!verified.ok) return { ok: false, problem: verified.problem };
  const payload = verified.payload;
  const aud = typeof payload.aud === 'string' ? payload.aud : '';
  if (!audiences.some((accepted) => normalizeAudience(accepted) === normalizeAudience(aud))) {
    return { ok: false, problem: 'audience' };
  }
  const exp = typeof payload.exp === 'number' ? payload.exp : undefined;
  if (exp === undefined) return { ok: false, problem: 'malformed' };
  if (exp * 1000 <= nowMs) return { ok: false, problem: 'expired' };
  const tid = typeof payload.tid === 'string' ? payload.tid.toLowerCase() : '';
  if (!tid) return { ok: false, problem: 'malformed' };
  const idtyp = payload.idtyp === 'app' || payload.idtyp === 'user' ? payload.idtyp : payload.scp ? 'user' : 'app';
  const amr = Array.isArray(payload.amr) ? payload.amr.filter((item): item is string => typeof item === 'string') : [];
  const appId = [payload.appid, payload.azp].find((value): value is string => typeof value === 'string') ?? 'sandbox-app';
  const upn = typeof payload.upn === 'string' ? payload.upn : undefined;
  return { ok: true, claims: { aud, tid, idtyp, exp, amr, appId, ...(upn ? { upn } : {}) } };
}

export function describeTokenProblem(problem: TokenProblem): string {
  switch (problem) {
    case 'missing':
      return 'Authorization header with a Bearer token is required.';
    case 'malformed':
      return 'The access token could not be parsed or has no tenant (tid) or expiry (exp) claim.';
    case 'signature':
      return 'The access token signature is invalid: it must be signed (RS256) by the sandbox identity endpoint.';
    case 'expired':
      return 'The access token has expired.';
    case 'audience':
      return 'The access token was issued for a different audience.';
  }
}
