import { openAzureTableStore } from './azureTableStore';
import { openSqliteStore, type SqliteStoreOptions } from './sqliteStore';
import type { Store } from './store';

export type StoreConfig =
  | { kind: 'sqlite'; dataDir: string; reset?: boolean }
  | { kind: 'azure'; connectionString: string; tablePrefix?: string };

/**
 * Opens the configured backend; both fail fast with a message naming the data directory, file or endpoint.
 * `onReset` hears when `reset` moved an unusable SQLite file aside.
 */
export async function openStore(config: StoreConfig, onReset?: SqliteStoreOptions['onReset']): Promise<Store> {
  switch (config.kind) {
    case 'sqlite':
      return openSqliteStore(config.dataDir, { reset: config.reset, onReset });
    case 'azure':
      return openAzureTableStore(config.connectionString, { tablePrefix: config.tablePrefix });
  }
}

export { TABLES, StoreConflictError } from './store';
export type { ListOptions, Store, StoredItem, TableName } from './store';
export { LeaseLostError, LeaseManager } from './lease';
export type { Lease, LeaseRecord } from './lease';
export { AzureTableStore, openAzureTableStore } from './azureTableStore';
export type { AzureTableStoreOptions } from './azureTableStore';
export { IN_MEMORY, SqliteStore, STORE_FILE_NAME, StoreFileError, openSqliteStore } from './sqliteStore';
export type { SqliteStoreOptions } from './sqliteStore';
export { StoreHealth } from './health';
export type { StoreHealthOptions } from './health';
