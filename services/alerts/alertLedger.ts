import type { Person } from '../domain/people';
import { StoreConflictError, type Store, type StoredItem } from '../store/store';
import { levelKey, type AlertLevel } from './levels';
import type { DeliveredMessage } from './notifier';

const TABLE = 'alertsSent';

/** A failed alert is tried again by later runs, this many times in all. */
export const MAX_DELIVERY_ATTEMPTS = 3;

/**
 * How long a claim holds an alert for its sender. The sender renews it every third of this while the send is under
 * way, so only a sender that died (crash, SIGKILL, lost host) lets it run out; then any run, here or on another
 * instance, takes the alert over and sends it.
 */
export const CLAIM_LEASE_MS = 2 * 60_000;

/**
 * One alert of one level to one person about one subscription (table `alertsSent`,
 * key `<customerId>/<subscriptionId>/<aadObjectId>/<level>`). It is claimed (by insert, or by compare-and-set over a
 * failed attempt or an expired claim) right before it is sent, and marked `sent` only once the send succeeded.
 *
 * Delivery is exactly once while processes live: a live claim is never taken over. A sender that dies loses its
 * claim when the lease runs out, and the alert is sent again: nothing is lost. The one window for a duplicate is a
 * crash after Teams accepted the message and before `sent` was written (a few milliseconds per send), or a sender
 * stalled for longer than the lease so that its renewals failed; it duplicates at most the alerts in flight then
 * (one per person being alerted, or one digest's rows).
 */
export interface AlertRecord {
  customerId: string;
  subscriptionId: string;
  recipient: Person;
  level: AlertLevel;
  status: 'claimed' | 'sent' | 'failed';
  /** Claims so far, including ones a crash cut short. */
  attempts: number;
  daysLeft: number;
  /** Sent as a row of a digest card rather than a card of its own. */
  digest: boolean;
  claimedAt: string;
  /**
   * While `claimed`: the claim is the sender's until then (renewed while it sends). Absent in records written before
   * claims expired; those count from `claimedAt`.
   */
  leaseUntil?: string;
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

/**
 * Whether this record means the level is done for the person at `now`: sent, being sent under a live claim, or given
 * up on after MAX_DELIVERY_ATTEMPTS failures. An expired claim never settles: its sender died, so it is sent again.
 */
export function settlesLevel(record: AlertRecord, now: Date): boolean {
  if (record.status === 'sent') return true;
  if (record.status === 'claimed') return !claimExpired(record, now);
  return record.attempts >= MAX_DELIVERY_ATTEMPTS;
}

/** A claim whose sender stopped renewing it: anyone may take it over. */
export function claimExpired(record: AlertRecord, now: Date): boolean {
  return record.status === 'claimed' && !(claimLeaseEnd(record) > now.getTime());
}

/** When a claim's lease ends (ms); records from before claims expired count from `claimedAt`. */
export function claimLeaseEnd(record: AlertRecord): number {
  return record.leaseUntil !== undefined ? Date.parse(record.leaseUntil) : Date.parse(record.claimedAt) + CLAIM_LEASE_MS;
}

export type ClaimRequest = Omit<AlertRecord, 'status' | 'attempts' | 'claimedAt' | 'digest' | 'leaseUntil'>;

export class AlertLedger {
  constructor(private readonly store: Store) {}

  async all(): Promise<StoredItem<AlertRecord>[]> {
    return this.store.list<AlertRecord>(TABLE);
  }

  async ofCustomer(customerId: string): Promise<StoredItem<AlertRecord>[]> {
    return this.store.list<AlertRecord>(TABLE, { prefix: `${customerId}/` });
  }

  /**
   * Takes the right to send until `now + leaseMs`: inserts the record, or takes over a failed attempt or an expired
   * claim at its version. Undefined when someone else holds it (a live claim, or a racer that won).
   */
  async claim(
    request: ClaimRequest,
    previous: StoredItem<AlertRecord> | undefined,
    now: Date,
    leaseMs: number = CLAIM_LEASE_MS,
  ): Promise<StoredItem<AlertRecord> | undefined> {
    const key = alertKey(request.customerId, request.subscriptionId, request.recipient.aadObjectId, request.level);
    const record: AlertRecord = {
      ...request,
      status: 'claimed',
      attempts: (previous?.value.attempts ?? 0) + 1,
      claimedAt: now.toISOString(),
      leaseUntil: new Date(now.getTime() + leaseMs).toISOString(),
      digest: false,
    };
    try {
      return previous ? await this.store.replace(TABLE, key, record, previous.version) : await this.store.insert(TABLE, key, record);
    } catch (error) {
      if (error instanceof StoreConflictError) return undefined;
      throw error;
    }
  }

  /** Extends a claim still held; undefined when it was taken over meanwhile (it had expired). */
  async renew(claimed: StoredItem<AlertRecord>, now: Date, leaseMs: number = CLAIM_LEASE_MS): Promise<StoredItem<AlertRecord> | undefined> {
    try {
      return await this.store.replace(TABLE, claimed.key, { ...claimed.value, leaseUntil: new Date(now.getTime() + leaseMs).toISOString() }, claimed.version);
    } catch (error) {
      if (error instanceof StoreConflictError) return undefined;
      throw error;
    }
  }

  /** Written only after the send succeeded; StoreConflictError when the claim was taken over meanwhile. */
  async markSent(claimed: StoredItem<AlertRecord>, message: DeliveredMessage, digest: boolean, now: Date): Promise<StoredItem<AlertRecord>> {
    return this.store.replace(TABLE, claimed.key, { ...released(claimed.value), status: 'sent', message, digest, sentAt: now.toISOString() }, claimed.version);
  }

  async markFailed(claimed: StoredItem<AlertRecord>, failure: string, digest: boolean, now: Date): Promise<StoredItem<AlertRecord>> {
    return this.store.replace(TABLE, claimed.key, { ...released(claimed.value), status: 'failed', failure, digest, failedAt: now.toISOString() }, claimed.version);
  }
}

/** The record without its claim's lease: a settled record holds nothing. */
function released(record: AlertRecord): AlertRecord {
  const copy = { ...record };
  delete copy.leaseUntil;
  return copy;
}
