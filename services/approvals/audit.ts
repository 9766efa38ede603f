import { randomUUID } from 'node:crypto';
import type { Person } from '../domain/people';
import { StoreConflictError, type Store } from '../store/store';

/** What happened to a migration request; the run adds its own actions (purchase, move, suspend) to the same table. */
export type AuditAction = 'requested' | 'approved' | 'rejected' | 'withdrawn' | 'expired' | string;

/**
 * One line of a customer's history (table `audit`). Key `<customerId>/<ISO time>/<suffix>`, so a customer's
 * entries list in time order with one prefix query.
 */
export interface AuditEntry {
  at: string;
  customerId: string;
  customerName: string;
  requestId: string;
  action: AuditAction;
  /** Who did it; absent when the bot did it on its own (expiry). */
  actor?: Person;
  /** Short facts worth keeping (plan, quantity, reason), never secrets. */
  details?: Readonly<Record<string, string | number>>;
}

/** `sequence` keeps one writer's entries of the same millisecond in order; the random part keeps writers apart. */
export function auditKey(customerId: string, at: string, sequence = 0): string {
  return `${customerId.toLowerCase()}/${at}/${sequence.toString().padStart(8, '0')}-${randomUUID().slice(0, 8)}`;
}

export class AuditLog {
  private written = 0;

  constructor(private readonly store: Store) {}

  async record(entry: AuditEntry): Promise<void> {
    await this.store.insert<AuditEntry>('audit', this.keyFor(entry), entry);
  }

  /** A fresh key for `entry`, to be kept (e.g. with a decision) and written later with `recordOnce`. */
  keyFor(entry: AuditEntry): string {
    return auditKey(entry.customerId, entry.at, ++this.written);
  }

  /** Writes the entry under a key chosen earlier; when that key is already written, it was this entry: no second row. */
  async recordOnce(key: string, entry: AuditEntry): Promise<void> {
    try {
      await this.store.insert<AuditEntry>('audit', key, entry);
    } catch (error) {
      if (!(error instanceof StoreConflictError)) throw error;
    }
  }

  /** The customer's newest `limit` entries, newest first, and how many there are in all. */
  async forCustomer(customerId: string, limit: number): Promise<{ entries: AuditEntry[]; total: number }> {
    const items = await this.store.list<AuditEntry>('audit', { prefix: `${customerId.toLowerCase()}/` });
    const entries = items
      .map((item) => item.value)
      .reverse()
      .slice(0, limit);
    return { entries, total: items.length };
  }
}
