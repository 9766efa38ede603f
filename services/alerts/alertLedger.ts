import type { Person } from '../domain/people';
import { StoreConflictError, type Store, type StoredItem } from '../store/store';
import { levelKey, type AlertLevel } from './levels';
import type { DeliveredMessage } from './notifier';

const TABLE = 'alertsSent';

/** A failed alert is tried again by later runs, this many times in all. */
export const MAX_DELIVERY_ATTEMPTS = 3;

/**
 * One alert of one level to one person about one subscription (table `alertsSent`,
 * key `<customerId>/<subscriptionId>/<aadObjectId>/<level>`). It is claimed by insert before anything is sent,
 * so no restart or second instance ever sends it again; a crash between claim and send loses that one alert
 * rather than risking a duplicate.
 */
export interface AlertRecord {
  customerId: string;
  subscriptionId: string;
  recipient: Person;
  level: AlertLevel;
  status: 'claimed' | 'sent' | 'failed';
  attempts: number;
  daysLeft: number;
  /** Sent as a row of a digest card rather than a card of its own. */
  digest: boolean;
  claimedAt: string;
  sentAt?: string;
  failedAt?: string;
  failure?: string;
  message?: DeliveredMessage;
}

export function alertKey(customerId: string, subscriptionId: string, aadObjectId: string, level: AlertLevel): string {
  return `${alertPairPrefix(customerId, subscriptionId, aadObjectId)}${levelKey(level)}`;
}

/** Prefix of every level's record for one subscription and person. */
export function alertPairPrefix(customerId: string, subscriptionId: string, aadObjectId: string): string {
  return `${customerId}/${subscriptionId}/${aadObjectId.toLowerCase()}/`;
}

/** Whether this record means the level is done for the person: sent, being sent, or given up on. */
export function settlesLevel(record: AlertRecord): boolean {
  return record.status !== 'failed' || record.attempts >= MAX_DELIVERY_ATTEMPTS;
}

export type ClaimRequest = Omit<AlertRecord, 'status' | 'attempts' | 'claimedAt' | 'digest'>;

export class AlertLedger {
  constructor(private readonly store: Store) {}

  async all(): Promise<StoredItem<AlertRecord>[]> {
    return this.store.list<AlertRecord>(TABLE);
  }

  async ofCustomer(customerId: string): Promise<StoredItem<AlertRecord>[]> {
    return this.store.list<AlertRecord>(TABLE, { prefix: `${customerId}/` });
  }

  /**
   * Takes the right to send: inserts the record, or takes over a failed one at its version for another attempt.
   * Undefined when someone else (another instance, a run that crashed) holds it.
   */
  async claim(request: ClaimRequest, previous: StoredItem<AlertRecord> | undefined, now: Date): Promise<StoredItem<AlertRecord> | undefined> {
    const key = alertKey(request.customerId, request.subscriptionId, request.recipient.aadObjectId, request.level);
    const record: AlertRecord = {
      ...request,
      status: 'claimed',
      attempts: (previous?.value.attempts ?? 0) + 1,
      claimedAt: now.toISOString(),
      digest: false,
    };
    try {
      return previous ? await this.store.replace(TABLE, key, record, previous.version) : await this.store.insert(TABLE, key, record);
    } catch (error) {
      if (error instanceof StoreConflictError) return undefined;
      throw error;
    }
  }

  async markSent(claimed: StoredItem<AlertRecord>, message: DeliveredMessage, digest: boolean, now: Date): Promise<StoredItem<AlertRecord>> {
    return this.store.replace(TABLE, claimed.key, { ...claimed.value, status: 'sent', message, digest, sentAt: now.toISOString() }, claimed.version);
  }

  async markFailed(claimed: StoredItem<AlertRecord>, failure: string, digest: boolean, now: Date): Promise<StoredItem<AlertRecord>> {
    return this.store.replace(TABLE, claimed.key, { ...claimed.value, status: 'failed', failure, digest, failedAt: now.toISOString() }, claimed.version);
  }
}
