/**
 * What the last scans could not read, kept beside the cursor (table `scanCursor`) so that `expiring` can say so
 * next to the rows it shows: per customer the last scan failed for (`unread/<customerId>`: since when it has not
 * been read, and why), and a scan that stopped altogether (`stopped`: when, and why). A customer read again, or gone
 * from the customer list, is cleared; a scan that completes clears `stopped`.
 */
import type { ExpiringSubscription } from '../domain/expiring';
import type { Store } from '../store/store';
import type { ScanFailure } from './types';

const TABLE = 'scanCursor';
const UNREAD_PREFIX = 'unread/';
const STOPPED_KEY = 'stopped';

/** A customer the last scan that reached it could not read. */
export interface UnreadCustomer {
  customerId: string;
  customerName: string;
  kind: ScanFailure['kind'];
  reason: string;
  /** When it was last read in full; undefined when no scan ever read it. */
  since?: string;
  failedAt: string;
}

/** A scan that stopped before it was done (the customer list failed, the store broke, a bug). */
export interface StoppedScan {
  at: string;
  reason: string;
}

export class ScanHealth {
  constructor(private readonly store: Store) {}

  /** Records that the scan could not read this customer; `since` carries over from an earlier failure or rows. */
  async customerUnread(failure: ScanFailure, previousRows: readonly ExpiringSubscription[], now: Date): Promise<void> {
    const key = unreadKey(failure.customerId);
    const earlier = await this.store.get<UnreadCustomer>(TABLE, key);
    const lastRead = previousRows.map((row) => row.scannedAt).sort().pop();
    const since = earlier ? earlier.value.since : lastRead;
    const record: UnreadCustomer = { ...failure, failedAt: now.toISOString(), ...(since !== undefined ? { since } : {}) };
    await this.store.upsert(TABLE, key, record);
  }

  async customerRead(customerId: string): Promise<void> {
    await this.store.delete(TABLE, unreadKey(customerId));
  }

  /** Clears customers no longer in the customer list. */
  async forgetAllBut(customerIds: readonly string[]): Promise<void> {
    const current = new Set(customerIds.map((id) => id.toLowerCase()));
    for (const item of await this.store.list<UnreadCustomer>(TABLE, { prefix: UNREAD_PREFIX })) {
      if (!current.has(item.value.customerId.toLowerCase())) await this.store.delete(TABLE, item.key, item.version);
    }
  }

  async unread(): Promise<UnreadCustomer[]> {
    const items = await this.store.list<UnreadCustomer>(TABLE, { prefix: UNREAD_PREFIX });
    return items.map((item) => item.value).sort((a, b) => a.customerName.localeCompare(b.customerName, 'en', { sensitivity: 'base' }));
  }

  async scanStopped(reason: string, now: Date): Promise<void> {
    await this.store.upsert<StoppedScan>(TABLE, STOPPED_KEY, { at: now.toISOString(), reason });
  }

  async scanCompleted(): Promise<void> {
    await this.store.delete(TABLE, STOPPED_KEY);
  }

  /** The last scan, when it stopped before it was done and no scan has completed since. */
  async stopped(): Promise<StoppedScan | undefined> {
    return (await this.store.get<StoppedScan>(TABLE, STOPPED_KEY))?.value;
  }
}

function unreadKey(customerId: string): string {
  return `${UNREAD_PREFIX}${customerId.toLowerCase()}`;
}
