import { randomUUID } from 'node:crypto';
import { accessSync, constants as fsConstants, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { byKey, toJson } from './json';
import { StoreConflictError, type ListOptions, type Store, type StoredItem, type TableName } from './store';

/** Passing this as the data directory keeps everything in memory (tests). */
export const IN_MEMORY = ':memory:';

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

  constructor(private readonly db: Database.Database) {
    this.statements = prepareStatements(db);
  }

  async get<T>(table: TableName, key: string): Promise<StoredItem<T> | undefined> {
    const row = this.statements.get.get(table, key);
    return row && toItem<T>(row);
  }

  async list<T>(table: TableName, options: ListOptions = {}): Promise<StoredItem<T>[]> {
    const rows =
      options.prefix === undefined || options.prefix === ''
        ? this.statements.listAll.all(table)
        : this.statements.listPrefix.all({ tbl: table, prefix: options.prefix });
    // SQLite orders by UTF-8 bytes; re-sorting (nearly free on sorted input) gives the JavaScript order promised
    // by every backend.
    return rows.map((row) => toItem<T>(row)).sort(byKey);
  }

  async insert<T>(table: TableName, key: string, value: T): Promise<StoredItem<T>> {
    const version = randomUUID();
    const { changes } = this.statements.insert.run(table, key, toJson(table, key, value), version);
    if (changes === 0) throw new StoreConflictError(table, key);
    return { key, value, version };
  }

  async replace<T>(table: TableName, key: string, value: T, expectedVersion: string): Promise<StoredItem<T>> {
    const version = randomUUID();
    const { changes } = this.statements.replace.run(toJson(table, key, value), version, table, key, expectedVersion);
    if (changes === 0) throw new StoreConflictError(table, key);
    return { key, value, version };
  }

  async upsert<T>(table: TableName, key: string, value: T): Promise<StoredItem<T>> {
    const version = randomUUID();
    this.statements.upsert.run(table, key, toJson(table, key, value), version);
    return { key, value, version };
  }

  async delete(table: TableName, key: string, expectedVersion?: string): Promise<void> {
    if (expectedVersion === undefined) {
      this.statements.deleteAny.run(table, key);
      return;
    }
    const { changes } = this.statements.deleteAt.run(table, key, expectedVersion);
    if (changes === 0 && this.statements.exists.get(table, key) !== undefined) {
      throw new StoreConflictError(table, key);
    }
  }

  async ping(): Promise<void> {
    this.statements.ping.get();
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

function toItem<T>(row: Row): StoredItem<T> {
  return { key: row.key, value: JSON.parse(row.value) as T, version: row.version };
}

/** Opens (creating if needed) `<dataDir>/bot.sqlite` in WAL mode, or an in-memory store for `':memory:'`. */
export function openSqliteStore(dataDir: string): SqliteStore {
  if (dataDir === IN_MEMORY) return new SqliteStore(new Database(IN_MEMORY));
  const file = join(dataDir, 'bot.sqlite');
  let db: Database.Database;
  try {
    mkdirSync(dataDir, { recursive: true });
    accessSync(dataDir, fsConstants.W_OK);
    db = new Database(file);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`Cannot open the SQLite store in data directory "${dataDir}": ${reason}`, {
      cause: error,
    });
  }
  // WAL lets readers (e.g. /readyz, the scan report) proceed while a writer holds the lock.
  db.pragma('journal_mode = WAL');
  return new SqliteStore(db);
}
