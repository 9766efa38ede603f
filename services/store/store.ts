/**
 * The one state interface of the bot. Every table holds JSON documents under a string key; every write is
 * compare-and-set on an opaque version, so two bot instances (or two clicks) can never both win.
 * SQLite is the default backend; Azure Tables serves several instances.
 */

/** Logical tables; each backend maps them to its own storage (SQLite table rows, Azure Tables entities). */
export const TABLES = [
  'subscriptionsSeen',
  'scanCursor',
  'conversationRefs',
  'assignments',
  'alertPrefs',
  'alertsSent',
  'requests',
  'approvals',
  'runs',
  'audit',
  'leases',
  'dialogState',
  'meta',
  /** Per delivered activity: claimed, then its answers, so a retried delivery is answered the same (bot/activityReplay). */
  'deliveries',
] as const;
export type TableName = (typeof TABLES)[number];

export interface StoredItem<T> {
  key: string;
  value: T;
  /** Opaque; pass it back to `replace`/`delete` for compare-and-set. */
  version: string;
}

export interface ListOptions {
  /** Only keys that start with this prefix. */
  prefix?: string;
}

/** Raised when a compare-and-set loses: the key exists (insert) or its version moved on (replace/delete). */
export class StoreConflictError extends Error {
  constructor(
    readonly table: TableName,
    readonly key: string,
  ) {
    super(`Concurrent change to ${table}/${key}`);
    this.name = 'StoreConflictError';
  }
}

export interface Store {
  /** Where the data lives, for messages: the SQLite file or the storage endpoint (never a secret). */
  readonly location?: string;
  get<T>(table: TableName, key: string): Promise<StoredItem<T> | undefined>;
  /** All items, ordered by key. */
  list<T>(table: TableName, options?: ListOptions): Promise<StoredItem<T>[]>;
  /** Creates the item; StoreConflictError if the key exists. */
  insert<T>(table: TableName, key: string, value: T): Promise<StoredItem<T>>;
  /** Replaces the item only if its version is still `expectedVersion`; else StoreConflictError. */
  replace<T>(table: TableName, key: string, value: T, expectedVersion: string): Promise<StoredItem<T>>;
  /** Last writer wins; for data nobody races on (caches, preferences). */
  upsert<T>(table: TableName, key: string, value: T): Promise<StoredItem<T>>;
  /** Deletes the item (only at `expectedVersion` when given); deleting a missing key is not an error. */
  delete(table: TableName, key: string, expectedVersion?: string): Promise<void>;
  /** Throws when the backend does not answer; used by /readyz. */
  ping(): Promise<void>;
  /**
   * Throws when the stored data is damaged (SQLite's quick_check). Optional: a backend whose service keeps its own
   * data intact (Azure Tables) has nothing to check. Costs a read of the whole database, so callers space it out.
   */
  checkIntegrity?(): Promise<void>;
  /**
   * The error of the latest write while no write has succeeded since (SQLite: a full disk, a read-only file).
   * Optional: a backend where every write is a request (Azure Tables) is judged by a probe write instead.
   */
  lastWriteFailure?(): Error | undefined;
  close(): Promise<void>;
}
