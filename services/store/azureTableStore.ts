import { odata, RestError, TableClient, TableServiceClient, type TableEntity } from '@azure/data-tables';
import {
  decodeRowKey,
  encodeRowKey,
  fromValueProperties,
  rowKeyUpperBound,
  toValueProperties,
  type ValueProperties,
} from './azureEntity';
import { byKey, toJson } from './json';
import { StoreConflictError, type ListOptions, type Store, type StoredItem, type TableName } from './store';

/** Every key of a logical table lives in one partition, so listing is a single-partition range scan. */
const PARTITION = 'items';
const DEFAULT_TABLE_PREFIX = 'kma';

export interface AzureTableStoreOptions {
  /** Letters and digits, starting with a letter; lets several deployments share one storage account. */
  tablePrefix?: string;
}

/**
 * One Azure table per logical table (`<prefix><TableName>`), created on first use. The version of an item is
 * its entity ETag, so compare-and-set is Azure's own If-Match.
 */
export class AzureTableStore implements Store {
  private readonly service: TableServiceClient;
  private readonly tables = new Map<TableName, Promise<TableClient>>();
  private readonly tablePrefix: string;

  constructor(
    private readonly connectionString: string,
    options: AzureTableStoreOptions = {},
  ) {
    this.tablePrefix = options.tablePrefix ?? DEFAULT_TABLE_PREFIX;
    if (!/^[A-Za-z][A-Za-z0-9]{0,40}$/.test(this.tablePrefix)) {
      throw new Error(
        `Azure table prefix "${this.tablePrefix}" must be 1-41 letters or digits and start with a letter`,
      );
    }
    this.service = TableServiceClient.fromConnectionString(connectionString, clientOptions(connectionString));
  }

  /** The storage endpoint, for messages (never the connection string, which holds the account key). */
  get endpoint(): string {
    return this.service.url;
  }

  get location(): string {
    return this.endpoint;
  }

  async get<T>(table: TableName, key: string): Promise<StoredItem<T> | undefined> {
    const client = await this.table(table);
    try {
      const entity = await client.getEntity<ValueProperties>(PARTITION, encodeRowKey(key));
      return toItem<T>(table, key, entity);
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  async list<T>(table: TableName, options: ListOptions = {}): Promise<StoredItem<T>[]> {
    const client = await this.table(table);
    const prefix = options.prefix ?? '';
    const low = encodeRowKey(prefix);
    const filter =
      prefix === ''
        ? odata`PartitionKey eq ${PARTITION}`
        : odata`PartitionKey eq ${PARTITION} and RowKey ge ${low} and RowKey lt ${rowKeyUpperBound(low)}`;
    const items: StoredItem<T>[] = [];
    for await (const entity of client.listEntities<ValueProperties>({ queryOptions: { filter } })) {
      const key = decodeRowKey(requireDefined(entity.rowKey, `${table} row key`));
      items.push(toItem<T>(table, key, entity));
    }
    // Escaping changes the order of keys, so sort by the decoded key as every backend does.
    return items.sort(byKey);
  }

  async insert<T>(table: TableName, key: string, value: T): Promise<StoredItem<T>> {
    const client = await this.table(table);
    try {
      const response = await client.createEntity(toEntity(table, key, value));
      return { key, value, version: requireDefined(response.etag, `ETag of ${table}/${key}`) };
    } catch (error) {
      if (statusOf(error) === 409) throw new StoreConflictError(table, key);
      throw error;
    }
  }

  async replace<T>(table: TableName, key: string, value: T, expectedVersion: string): Promise<StoredItem<T>> {
    const client = await this.table(table);
    try {
      // 'Replace' (not 'Merge') so that chunk properties of a longer previous value disappear.
      const response = await client.updateEntity(toEntity(table, key, value), 'Replace', { etag: expectedVersion });
      return { key, value, version: requireDefined(response.etag, `ETag of ${table}/${key}`) };
    } catch (error) {
      // 404: the item was deleted since the caller read it, which is a lost race too.
      const status = statusOf(error);
      if (status === 412 || status === 404) throw new StoreConflictError(table, key);
      throw error;
    }
  }

  async upsert<T>(table: TableName, key: string, value: T): Promise<StoredItem<T>> {
    const client = await this.table(table);
    const response = await client.upsertEntity(toEntity(table, key, value), 'Replace');
    return { key, value, version: requireDefined(response.etag, `ETag of ${table}/${key}`) };
  }

  async delete(table: TableName, key: string, expectedVersion?: string): Promise<void> {
    const client = await this.table(table);
    try {
      await client.deleteEntity(PARTITION, encodeRowKey(key), { etag: expectedVersion ?? '*' });
    } catch (error) {
      const status = statusOf(error);
      if (status === 404) return;
      if (status === 412) throw new StoreConflictError(table, key);
      throw error;
    }
  }

  async ping(): Promise<void> {
    await this.service.getProperties();
  }

  async close(): Promise<void> {
    // The SDK holds no connection that needs closing; forgetting the clients is enough.
    this.tables.clear();
  }

  private async table(table: TableName): Promise<TableClient> {
    let ready = this.tables.get(table);
    if (ready === undefined) {
      const client = TableClient.fromConnectionString(
        this.connectionString,
        `${this.tablePrefix}${table}`,
        clientOptions(this.connectionString),
      );
      // createTable succeeds when the table already exists.
      ready = client.createTable().then(() => client);
      this.tables.set(table, ready);
    }
    try {
      return await ready;
    } catch (error) {
      this.tables.delete(table);
      throw error;
    }
  }
}

function toEntity(table: TableName, key: string, value: unknown): TableEntity<ValueProperties> {
  return {
    partitionKey: PARTITION,
    rowKey: encodeRowKey(key),
    ...toValueProperties(`${table}/${key}`, toJson(table, key, value)),
  };
}

function toItem<T>(table: TableName, key: string, entity: ValueProperties & { etag: string }): StoredItem<T> {
  const json = fromValueProperties(`${table}/${key}`, entity);
  return { key, value: JSON.parse(json) as T, version: entity.etag };
}

function statusOf(error: unknown): number | undefined {
  return error instanceof RestError ? error.statusCode : undefined;
}

function requireDefined<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`Azure Tables returned no ${what}`);
  return value;
}

/** The SDK refuses plain HTTP unless told; allow it only for a local emulator such as Azurite. */
function clientOptions(connectionString: string): { allowInsecureConnection: boolean } {
  const endpoint = /TableEndpoint=([^;]+)/i.exec(connectionString)?.[1] ?? '';
  return { allowInsecureConnection: /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(\/|$)/i.test(endpoint) };
}

/** Opens the store and checks that the account answers, so a bad connection string fails at start. */
export async function openAzureTableStore(
  connectionString: string,
  options: AzureTableStoreOptions = {},
): Promise<AzureTableStore> {
  const store = new AzureTableStore(connectionString, options);
  try {
    await store.ping();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`Cannot reach Azure Table storage at ${store.endpoint}: ${reason}`, { cause: error });
  }
  return store;
}
