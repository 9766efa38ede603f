import { Storage, StoreItems } from 'botbuilder';
import { Store, StoreConflictError, TableName } from '../services/store/store';

/**
 * botbuilder's Storage over our Store, so dialog state (a half-finished wizard) lives in the same database as
 * everything else and survives a restart. Items written with an eTag are compare-and-set, as botbuilder expects.
 */
export class StoreBackedStorage implements Storage {
  constructor(
    private readonly store: Store,
    private readonly table: TableName = 'dialogState',
  ) {}

  async read(keys: string[]): Promise<StoreItems> {
    const items: StoreItems = {};
    for (const key of keys) {
      const found = await this.store.get<Record<string, unknown>>(this.table, key);
      if (found) items[key] = { ...found.value, eTag: found.version };
    }
    return items;
  }

  async write(changes: StoreItems): Promise<void> {
    for (const [key, change] of Object.entries(changes)) {
      const { eTag, ...value } = change as Record<string, unknown> & { eTag?: string };
      try {
        const saved =
          eTag === undefined || eTag === '*'
            ? await this.store.upsert(this.table, key, value)
            : await this.store.replace(this.table, key, value, eTag);
        // The caller keeps this object as its cached state; a second save in the same turn needs the new version.
        (change as { eTag?: string }).eTag = saved.version;
      } catch (error) {
        if (error instanceof StoreConflictError) {
          throw new Error(`Storage: conversation state ${key} was changed by another turn; this turn's changes were not saved`);
        }
        throw error;
      }
    }
  }

  async delete(keys: string[]): Promise<void> {
    for (const key of keys) await this.store.delete(this.table, key);
  }
}
