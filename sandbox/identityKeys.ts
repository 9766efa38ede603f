/**
 * The sandbox identity endpoint's signing key: an RSA key pair generated when the sandbox starts (never persisted,
 * so a restarted sandbox invalidates every access token, as a key rollover would), published as a JWKS, and the
 * one place that signs (RS256) and verifies the sandbox's access tokens.
 */
import { createPublicKey, generateKeyPairSync, randomUUID, sign, verify, type KeyObject } from 'node:crypto';

export interface Jwk {
  kty: string;
  use: 'sig';
  kid: string;
  alg: 'RS256';
  n: string;
  e: string;
}

export type VerifiedJwt = { ok: true; payload: Record<string, unknown> } | { ok: false; problem: 'malformed' | 'signature' };

function base64urlJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

function decodeJson(segment: string): unknown {
  return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8')) as unknown;
}

export class SigningKeys {
  readonly kid = randomUUID();
  private readonly privateKey: KeyObject;
  private readonly publicKey: KeyObject;

  constructor() {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.privateKey = pair.privateKey;
    this.publicKey = createPublicKey(pair.privateKey);
  }

  jwks(): { keys: Jwk[] } {
    const jwk = this.publicKey.export({ format: 'jwk' });
    return { keys: [{ kty: 'RSA', use: 'sig', kid: this.kid, alg: 'RS256', n: String(jwk.n), e: String(jwk.e) }] };
  }

  sign(payload: Record<string, unknown>): string {
    const signingInput = `${base64urlJson({ typ: 'JWT', alg: 'RS256', kid: this.kid })}.${base64urlJson(payload)}`;
    const signature = sign('sha256', Buffer.from(signingInput), this.privateKey).toString('base64url');
    return `${signingInput}.${signature}`;
  }

  /** Only RS256 with this sandbox's key id and a valid signature passes: `alg: none`, HS256 and other keys do not. */
  verify(token: string): VerifiedJwt {
    const parts = token.split('.');
    if (parts.length !== 3 || !parts[0] || !parts[1]) return { ok: false, problem: 'malformed' };
    let header: unknown;
    let payload: unknown;
    try {
      header = decodeJson(parts[0]);
      payload = decodeJson(parts[1]);
    } catch {
      return { ok: false, problem: 'malformed' };
    }
    if (typeof header !== 'object' || header === null || typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
      return { ok: false, problem: 'malformed' };
    }
    const { alg, kid } = header as Record<string, unknown>;
    if (alg !== 'RS256' || kid !== this.kid || !parts[2]) return { ok: false, problem: 'signature' };
    const valid = verify('sha256', Buffer.from(`${parts[0]}.${parts[1]}`), this.publicKey, Buffer.from(parts[2], 'base64url'));
    return valid ? { ok: true, payload: payload as Record<string, unknown> } : { ok: false, problem: 'signature' };
  }
}
