/**
 * The partner admin's refresh token at rest: one document in the store's `meta` table, the token sealed with
 * AES-256-GCM (the key comes from configuration — Key Vault in production — and never sits beside the data), written
 * only by compare-and-set so two instances never overwrite a newer token with an older one. The token text is
 * never logged and never leaves this module except to msal-node.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { StoreConflictError, type Store, type StoredItem } from '../store/store';

const TABLE = 'meta';
const KEY = 'partnerConnection';
/** Binds a sealed value to its purpose: a ciphertext copied into another field does not open. */
const ASSOCIATED_DATA = Buffer.from('kma:partnerRefreshToken:v1');
export const ENCRYPTION_KEY_FILE = 'token-encryption.key';

/** What is stored; `sealedRefreshToken` is the only secret and is encrypted. */
export interface StoredConnection {
  sealedRefreshToken: string;
  userPrincipalName: string;
  mfa: boolean;
  /** Epoch ms the stored refresh token was received (sign-in or redemption). */
  tokenIssuedAt: number;
  connectedAt: number;
  lastRedeemedAt?: number;
  lastFailure?: { at: number; reason: string; expired: boolean };
}

export interface ConnectionRecord {
  connection: StoredConnection;
  version: string;
}

/**
 * The 32-byte key from TOKEN_ENCRYPTION_KEY: 32 bytes as hex (64 characters) or base64 (44), or any secret of at least
 * 32 characters (a Key Vault secret of random text), hashed to 32 bytes with SHA-256.
 */
export function parseEncryptionKey(text: string): Buffer {
  const trimmed = text.trim();
  if (/^[0-9a-f]{64}$/i.test(trimmed)) return Buffer.from(trimmed, 'hex');
  if (/^[A-Za-z0-9+/]{43}=$/.test(trimmed)) return Buffer.from(trimmed, 'base64');
  if (trimmed.length >= 32) return createHash('sha256').update(trimmed, 'utf8').digest();
  throw new Error('TOKEN_ENCRYPTION_KEY must be 32 bytes as hex or base64, or a secret of at least 32 characters');
}

/**
 * Development and sandbox only (production requires TOKEN_ENCRYPTION_KEY): a key generated once and kept in DATA_DIR,
 * readable by the owner alone.
 */
export function localEncryptionKey(dataDir: string): Buffer {
  const file = path.join(dataDir, ENCRYPTION_KEY_FILE);
  if (existsSync(file)) return parseEncryptionKey(readFileSync(file, 'utf8'));
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32);
  writeFileSync(file, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  return key;
}

export class RefreshTokenStore {
  constructor(
    private readonly store: Store,
    private readonly key: Buffer,
  ) {
    if (key.length !== 32) throw new Error('refresh token encryption key must be 32 bytes');
  }

  async read(): Promise<ConnectionRecord | undefined> {
    const item = await this.store.get<StoredConnection>(TABLE, KEY);
    return item ? { connection: item.value, version: item.version } : undefined;
  }

  refreshTokenOf(record: ConnectionRecord): string {
    const [format, iv, tag, sealed] = record.connection.sealedRefreshToken.split('.');
    if (format !== 'v1' || !iv || !tag || sealed === undefined) throw new Error('stored refresh token has an unknown format');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64'));
    decipher.setAAD(ASSOCIATED_DATA);
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    try {
      return Buffer.concat([decipher.update(Buffer.from(sealed, 'base64')), decipher.final()]).toString('utf8');
    } catch {
      // A different TOKEN_ENCRYPTION_KEY than the one that sealed it: the connection must be made again.
      throw new Error('the stored refresh token cannot be decrypted with the configured TOKEN_ENCRYPTION_KEY');
    }
  }

  seal(refreshToken: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(ASSOCIATED_DATA);
    const sealed = Buffer.concat([cipher.update(refreshToken, 'utf8'), cipher.final()]);
    return ['v1', iv.toString('base64'), cipher.getAuthTag().toString('base64'), sealed.toString('base64')].join('.');
  }

  /** A new sign-in replaces whatever was stored (last writer wins: the newest sign-in is the one an admin just made). */
  async connect(connection: Omit<StoredConnection, 'sealedRefreshToken'>, refreshToken: string): Promise<ConnectionRecord> {
    const item = await this.store.upsert<StoredConnection>(TABLE, KEY, { ...connection, sealedRefreshToken: this.seal(refreshToken) });
    return toRecord(item);
  }

  /**
   * Stores the token a redemption of `basedOn`'s token returned — only if nobody replaced `basedOn` meanwhile.
   * Undefined = lost the race: the store holds a token at least as new (the winner's), which callers use from then on.
   */
  async rotate(basedOn: ConnectionRecord, refreshToken: string, now: number): Promise<ConnectionRecord | undefined> {
    const next: StoredConnection = {
      ...basedOn.connection,
      sealedRefreshToken: this.seal(refreshToken),
      tokenIssuedAt: now,
      lastRedeemedAt: now,
    };
    delete next.lastFailure;
    return this.replaceOrLose(basedOn, next);
  }

  /** Notes a failed redemption on the record it used (lost races are fine: a newer record tells the newer truth). */
  async recordFailure(basedOn: ConnectionRecord, failure: { at: number; reason: string; expired: boolean }): Promise<ConnectionRecord | undefined> {
    return this.replaceOrLose(basedOn, { ...basedOn.connection, lastFailure: failure });
  }

  private async replaceOrLose(basedOn: ConnectionRecord, next: StoredConnection): Promise<ConnectionRecord | undefined> {
    try {
      return toRecord(await this.store.replace<StoredConnection>(TABLE, KEY, next, basedOn.version));
    } catch (error) {
      if (error instanceof StoreConflictError) return undefined;
      throw error;
    }
  }
}

function toRecord(item: StoredItem<StoredConnection>): ConnectionRecord {
  return { connection: item.value, version: item.version };
}
