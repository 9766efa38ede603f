import { randomUUID } from 'node:crypto';
import { accessSync, constants as fsConstants, existsSync, linkSync, mkdirSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { resolve } from 'node:path';
import Database from 'better-sqlite3';
import { byKey, toJson } from './json';
import { StoreConflictError, type ListOptions, type Store, type StoredItem, type TableName } from './store';

/** Passing this as the data directory keeps everything in memory (tests). */
export const IN_MEMORY = ':memory:';

/** The store's file name inside the data directory. */
export const STORE_FILE_NAME = 'bot.sqlite';

/**
 * Stamped into the SQLite header (`PRAGMA application_id`, "KMA1") when we create a store, in the same step as its
 * schema: an existing file without it and without our schema was not written by this bot, or not completely.
 */
const APPLICATION_ID = 0x4b4d4131;

interface Row {
  key: string;
  value: string;
  version: string;
}

/** Creates the schema when missing and prepares every statement once. */
function prepareStatements(db: Database.Database) {
  db.exec(`CREATE TABLE IF NOT EXISTS items (
    tbl TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    version TEXT NOT NULL,
    PRIMARY KEY (tbl, key)
  ) WITHOUT ROWID`);
  return {
    get: db.prepare<[TableName, string], Row>('SELECT key, value, version FROM items WHERE tbl = ? AND key = ?'),
    listAll: db.prepare<[TableName], Row>('SELECT key, value, version FROM items WHERE tbl = ? ORDER BY key'),
    // X'FF' never occurs in UTF-8 text, so prefix || X'FF' sorts after every key that starts with the prefix
    // and before every larger key that does not: an exact, index-friendly prefix match with no LIKE wildcards.
    listPrefix: db.prepare<{ tbl: TableName; prefix: string }, Row>(
      `SELECT key, value, version FROM items
       WHERE tbl = @tbl AND key >= @prefix AND key < @prefix || CAST(X'FF' AS TEXT) ORDER BY key`,
    ),
    insert: db.prepare<[TableName, string, string, string]>(
      'INSERT INTO items (tbl, key, value, version) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
    ),
    replace: db.prepare<[string, string, TableName, string, string]>(
      'UPDATE items SET value = ?, version = ? WHERE tbl = ? AND key = ? AND version = ?',
    ),
    upsert: db.prepare<[TableName, string, string, string]>(
      `INSERT INTO items (tbl, key, value, version) VALUES (?, ?, ?, ?)
       ON CONFLICT (tbl, key) DO UPDATE SET value = excluded.value, version = excluded.version`,
    ),
    deleteAny: db.prepare<[TableName, string]>('DELETE FROM items WHERE tbl = ? AND key = ?'),
    deleteAt: db.prepare<[TableName, string, string]>('DELETE FROM items WHERE tbl = ? AND key = ? AND version = ?'),
    exists: db.prepare<[TableName, string], { found: number }>(
      'SELECT 1 AS found FROM items WHERE tbl = ? AND key = ?',
    ),
    ping: db.prepare<[], { ok: number }>('SELECT 1 AS ok'),
  };
}

/**
 * All logical tables share one SQLite table keyed by (tbl, key). Each write is a single statement whose WHERE
 * clause is the compare-and-set, so it is atomic across connections and processes. Versions are random UUIDs
 * rather than counters so that a key deleted and inserted again never reuses an old version.
 */
export class SqliteStore implements Store {
  private readonly statements: ReturnType<typeof prepareStatements>;
  /** The error of the latest write, while no write has succeeded since (a full disk, a read-only file). */
  private writeFailure: Error | undefined;

  constructor(private readonly db: Database.Database) {
    this.statements = prepareStatements(db);
  }

  /** The database file (absolute), or ':memory:'; messages about this store name it. */
  get location(): string {
    return this.db.name;
  }

  async get<T>(table: TableName, key: string): Promise<StoredItem<T> | undefined> {
    const row = this.read(() => this.statements.get.get(table, key));
    return row && toItem<T>(row);
  }

  async list<T>(table: TableName, options: ListOptions = {}): Promise<StoredItem<T>[]> {
    const prefix = options.prefix;
    const rows =
      prefix === undefined || prefix === ''
        ? this.read(() => this.statements.listAll.all(table))
        : this.read(() => this.statements.listPrefix.all({ tbl: table, prefix }));
    // SQLite orders by UTF-8 bytes; re-sorting (nearly free on sorted input) gives the JavaScript order promised
    // by every backend.
    return rows.map((row) => toItem<T>(row)).sort(byKey);
  }

  async insert<T>(table: TableName, key: string, value: T): Promise<StoredItem<T>> {
    const version = randomUUID();
    const json = toJson(table, key, value);
    const { changes } = this.write(() => this.statements.insert.run(table, key, json, version));
    if (changes === 0) throw new StoreConflictError(table, key);
    return { key, value, version };
  }

  async replace<T>(table: TableName, key: string, value: T, expectedVersion: string): Promise<StoredItem<T>> {
    const version = randomUUID();
    const json = toJson(table, key, value);
    const { changes } = this.write(() => this.statements.replace.run(json, version, table, key, expectedVersion));
    if (changes === 0) throw new StoreConflictError(table, key);
    return { key, value, version };
  }

  async upsert<T>(table: TableName, key: string, value: T): Promise<StoredItem<T>> {
    const version = randomUUID();
    const json = toJson(table, key, value);
    this.write(() => this.statements.upsert.run(table, key, json, version));
    return { key, value, version };
  }

  async delete(table: TableName, key: string, expectedVersion?: string): Promise<void> {
    if (expectedVersion === undefined) {
      this.write(() => this.statements.deleteAny.run(table, key));
      return;
    }
    const { changes } = this.write(() => this.statements.deleteAt.run(table, key, expectedVersion));
    if (changes === 0 && this.read(() => this.statements.exists.get(table, key)) !== undefined) {
      throw new StoreConflictError(table, key);
    }
  }

  async ping(): Promise<void> {
    this.read(() => this.statements.ping.get());
  }

  lastWriteFailure(): Error | undefined {
    return this.writeFailure;
  }

  /**
   * SQLite's `quick_check` (the integrity check without index cross-checks), cheap enough to run every few minutes.
   * A file is checked through a connection of its own, so it sees what is on disk rather than this connection's cache.
   */
  async checkIntegrity(): Promise<void> {
    let problems: string | undefined;
    try {
      if (this.db.memory) {
        problems = quickCheck(this.db);
      } else {
        const reader = new Database(this.location, { readonly: true, fileMustExist: true });
        try {
          problems = quickCheck(reader);
        } finally {
          reader.close();
        }
      }
    } catch (error) {
      // SQLite's own text ("file is not a database") names no file.
      throw new Error(`${this.location} cannot be checked: ${messageOf(error)}`, { cause: error });
    }
    if (problems !== undefined) throw new Error(`${this.location} failed its integrity check: ${problems}`);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  private write<R>(statement: () => R): R {
    try {
      const result = this.read(statement);
      this.writeFailure = undefined;
      return result;
    } catch (error) {
      this.writeFailure = isErrorLike(error) ? error : new Error(String(error));
      throw error;
    }
  }

  /** Runs a statement; SQLite's own errors ("file is not a database", "database or disk is full") get the file's name. */
  private read<R>(statement: () => R): R {
    try {
      return statement();
    } catch (error) {
      throw namingFile(error, this.location);
    }
  }
}

/** The same error (same code, for callers that test it) with the store's file in its message. */
function namingFile(error: unknown, file: string): unknown {
  const code = (error as { code?: unknown }).code;
  if (!isErrorLike(error) || typeof code !== 'string' || !code.startsWith('SQLITE_') || error.message.includes(file)) return error;
  return Object.assign(new Error(`${error.message} (${file})`, { cause: error }), { code });
}

function toItem<T>(row: Row): StoredItem<T> {
  return { key: row.key, value: JSON.parse(row.value) as T, version: row.version };
}

export interface SqliteStoreOptions {
  /**
   * STORE_RESET: a store file that cannot be used (empty, not a database, corrupt, not this bot's) is moved aside
   * to `bot.sqlite.corrupt-<time>` and a new empty store is created. It never deletes, and a healthy store is kept.
   */
  reset?: boolean;
  /** Told what a reset did (the composition root logs it). */
  onReset?: (event: { file: string; movedTo: string; problem: string }) => void;
  now?: () => Date;
}

/** The store file cannot be used; the message names the file and both ways out. */
export class StoreFileError extends Error {
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(
      `The SQLite store ${file} ${problem}. The bot did not start and changed nothing. To recover, either stop the bot, ` +
        `restore ${STORE_FILE_NAME} from your latest backup into ${dirnameOf(file)} and start again; or start once with ` +
        `STORE_RESET=true to begin with an empty store (assignments, alert history, preferences, requests and runs ` +
        `are then forgotten): the file is moved aside to ${STORE_FILE_NAME}.corrupt-<time> in the same folder, never deleted.`,
    );
    this.name = 'StoreFileError';
  }
}

/**
 * Opens `<dataDir>/bot.sqlite` in WAL mode, or an in-memory store for `':memory:'`. A missing file is a first start:
 * the store is built under a temporary name and linked into place in one step, so `bot.sqlite` never exists empty or
 * half-made. An existing file must be a healthy store of this bot; anything else (zero length, not a database,
 * corrupt, someone else's database) stops startup with a StoreFileError, unless `reset` moves it aside first.
 */
export function openSqliteStore(dataDir: string, options: SqliteStoreOptions = {}): SqliteStore {
  if (dataDir === IN_MEMORY) return new SqliteStore(new Database(IN_MEMORY));
  const file = resolve(dataDir, STORE_FILE_NAME);
  try {
    mkdirSync(dataDir, { recursive: true });
    accessSync(dataDir, fsConstants.W_OK);
  } catch (error) {
    throw new Error(`Cannot open the SQLite store in data directory "${dataDir}": ${messageOf(error)}`, { cause: error });
  }
  if (!existsSync(file)) {
    createStoreFile(file);
  } else {
    const problem = inspectStoreFile(file);
    if (problem !== undefined) {
      if (!options.reset) throw new StoreFileError(file, problem);
      const movedTo = moveAside(file, options.now?.() ?? new Date());
      createStoreFile(file);
      options.onReset?.({ file, movedTo, problem });
    }
  }
  let db: Database.Database;
  try {
    db = new Database(file, { fileMustExist: true });
    // WAL lets readers (e.g. /readyz, the scan report) proceed while a writer holds the lock.
    db.pragma('journal_mode = WAL');
  } catch (error) {
    throw new Error(`Cannot open the SQLite store ${file}: ${messageOf(error)}`, { cause: error });
  }
  return new SqliteStore(db);
}

/** Builds a new store next to `file` and links it into place, unless another process created one meanwhile. */
function createStoreFile(file: string): void {
  const temporary = `${file}.new-${process.pid}-${randomUUID().slice(0, 8)}`;
  try {
    const db = new Database(temporary);
    try {
      db.pragma('journal_mode = WAL');
      db.transaction(() => {
        prepareStatements(db);
        db.pragma(`application_id = ${APPLICATION_ID}`);
      })();
    } finally {
      db.close();
    }
    try {
      // link, unlike rename, never replaces: a store another process created in the meantime wins and is used.
      linkSync(temporary, file);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return;
      // Some network file systems (SMB shares) have no hard links: rename, unless a store appeared meanwhile.
      if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV'].includes(code ?? '')) throw error;
      if (!existsSync(file)) renameSync(temporary, file);
    }
  } catch (error) {
    throw new Error(`Cannot create the SQLite store ${file}: ${messageOf(error)}`, { cause: error });
  } finally {
    for (const leftover of [temporary, `${temporary}-wal`, `${temporary}-shm`]) {
      if (existsSync(leftover)) unlinkSync(leftover);
    }
  }
}

/** Why an existing store file cannot be used, or undefined when it is a healthy store of this bot. */
function inspectStoreFile(file: string): string | undefined {
  if (statSync(file).size === 0) {
    return 'is empty (0 bytes): a store this bot created is never empty, so the file was truncated or replaced';
  }
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { fileMustExist: true });
    const problems = quickCheck(db);
    if (problems !== undefined) return `is corrupt (integrity check: ${problems})`;
    const applicationId = db.pragma('application_id', { simple: true }) as number;
    const hasItems = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'items'").get() !== undefined;
    if (applicationId === APPLICATION_ID && hasItems) return undefined;
    if (applicationId === 0 && hasItems) {
      // A store from before the marker existed: ours by its schema, so it is stamped rather than refused.
      db.pragma(`application_id = ${APPLICATION_ID}`);
      return undefined;
    }
    return 'is a SQLite database but not a store of this bot (it has no items table or another application id)';
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'SQLITE_NOTADB') return `is not a database (SQLite: ${messageOf(error)})`;
    if (code === 'SQLITE_CORRUPT') return `is corrupt (SQLite: ${messageOf(error)})`;
    return `cannot be read (${typeof code === 'string' ? `${code}: ` : ''}${messageOf(error)})`;
  } finally {
    db?.close();
  }
}

/** The problems `quick_check` reports (the first few), or undefined when it says ok. */
function quickCheck(db: Database.Database): string | undefined {
  const rows = db.pragma('quick_check(5)') as { quick_check: string }[];
  const problems = rows.map((row) => row.quick_check);
  return problems.length === 1 && problems[0] === 'ok' ? undefined : problems.join('; ');
}

/** Renames the file and its WAL companions to `<file>.corrupt-<time>`; answers the new name of the file. */
function moveAside(file: string, now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const movedTo = `${file}.corrupt-${stamp}`;
  for (const suffix of ['-wal', '-shm', '']) {
    if (existsSync(file + suffix)) renameSync(file + suffix, movedTo + suffix);
  }
  return movedTo;
}

function dirnameOf(file: string): string {
  return resolve(file, '..');
}

function messageOf(error: unknown): string {
  return isErrorLike(error) ? error.message : String(error);
}

/**
 * An error by its shape, not `instanceof Error`: better-sqlite3's native addon throws its SqliteError class from the
 * realm that loaded it first, which is not this module's when several contexts load it (jest runs test files so).
 */
function isErrorLike(error: unknown): error is Error & { code?: unknown } {
  return typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string';
}
