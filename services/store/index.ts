import { openAzureTableStore } from './azureTableStore';
import { openSqliteStore } from './sqliteStore';
import type { Store } from './store';

export type StoreConfig =
  | { kind: 'sqlite'; dataDir: string }
  | { kind: 'azure'; connectionString: string; tablePrefix?: string };

/** Opens the configured backend; both fail fast with a message naming the data directory or endpoint. */
export async function openStore(config: StoreConfig): Promise<Store> {
  switch (config.kind) {
    case 'sqlite':
      return openSqliteStore(config.dataDir);
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
export { IN_MEMORY, SqliteStore, openSqliteStore } from './sqliteStore';
