/**
 * Bearer tokens as the sandbox sees them. In sandbox mode the bot mints unsigned JWTs (alg "none"), so only the
 * payload matters: aud picks the API, tid the tenant, idtyp app vs user, exp the lifetime (checked against the
 * real clock, because the bot mints with the real clock even when the sandbox clock is shifted).
 */

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
}

export type TokenProblem = 'missing' | 'malformed' | 'expired' | 'audience';

export type TokenCheck = { ok: true; claims: TokenClaims } | { ok: false; problem: TokenProblem };

function decodeSegment(segment: string): unknown {
  return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8')) as unknown;
}

function normalizeAudience(aud: string): string {
  return aud.replace(/\/+$/, '').replace(/\/\.default$/, '').toLowerCase();
}

/** Validates the Authorization header for one API (audiences = that API's accepted `aud` values). */
export function checkBearer(header: string | undefined, audiences: readonly string[], nowMs: number): TokenCheck {
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header.trim()) : null;
  if (!match) return { ok: false, problem: 'missing' };
  const parts = match[1].split('.');
  if (parts.length < 2) return { ok: false, problem: 'malformed' };
  let payload: Record<string, unknown>;
  try {
    const decoded = decodeSegment(parts[1]);
    if (typeof decoded !== 'object' || decoded === null) return { ok: false, problem: 'malformed' };
    payload = decoded as Record<string, unknown>;
  } catch {
    return { ok: false, problem: 'malformed' };
  }
  const aud = typeof payload.aud === 'string' ? payload.aud : '';
  if (!audiences.some((accepted) => normalizeAudience(accepted) === normalizeAudience(aud))) {
    return { ok: false, problem: 'audience' };
  }
  const exp = typeof payload.exp === 'number' ? payload.exp : undefined;
  if (exp !== undefined && exp * 1000 <= nowMs) return { ok: false, problem: 'expired' };
  const tid = typeof payload.tid === 'string' ? payload.tid.toLowerCase() : '';
  if (!tid) return { ok: false, problem: 'malformed' };
  const idtyp = payload.idtyp === 'app' || payload.idtyp === 'user' ? payload.idtyp : payload.scp ? 'user' : 'app';
  const amr = Array.isArray(payload.amr) ? payload.amr.filter((item): item is string => typeof item === 'string') : [];
  const appId = [payload.appid, payload.azp].find((value): value is string => typeof value === 'string') ?? 'sandbox-app';
  return { ok: true, claims: { aud, tid, idtyp, exp, amr, appId } };
}

export function describeTokenProblem(problem: TokenProblem): string {
  switch (problem) {
    case 'missing':
      return 'Authorization header with a Bearer token is required.';
    case 'malformed':
      return 'The access token could not be parsed or has no tenant (tid) claim.';
    case 'expired':
      return 'The access token has expired.';
    case 'audience':
      return 'The access token was issued for a different audience.';
  }
}
