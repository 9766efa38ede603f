import { StoreConflictError, type Store, type StoredItem } from './store';

const TABLE = 'leases';

/** What the `leases` table holds per lease name. The record is never deleted, so fencing tokens only grow. */
export interface LeaseRecord {
  /** Undefined once released. */
  owner?: string;
  expiresAtMs: number;
  fencingToken: number;
}

/** One tenure of one owner. A later tenure of the same lease always has a higher `fencingToken`. */
export interface Lease {
  readonly name: string;
  readonly owner: string;
  readonly fencingToken: number;
  readonly expiresAtMs: number;
  readonly ttlMs: number;
}

/** The holder no longer holds the lease: it expired, was released, or someone else took it. */
export class LeaseLostError extends Error {
  constructor(
    readonly lease: Lease,
    reason: string,
  ) {
    super(`Lease ${lease.name} (token ${lease.fencingToken}, owner ${lease.owner}) is lost: ${reason}`);
    this.name = 'LeaseLostError';
  }
}

/**
 * Time-limited exclusive ownership (e.g. of a migration run) built only on the Store's compare-and-set, so it
 * works on every backend and across bot instances. Holders renew well before `expiresAtMs`; anyone may take an
 * expired lease. Before an external side effect a holder can `assertHeld`, and records it writes can carry the
 * fencing token so that a stale holder's late write is recognisable.
 */
export class LeaseManager {
  constructor(
    private readonly store: Store,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Takes the lease if it is free, expired or already held by `owner` (e.g. the same instance after a restart);
   * undefined when another owner holds it or wins the race for it. Every acquisition starts a new tenure.
   */
  async acquire(name: string, owner: string, ttlMs: number): Promise<Lease | undefined> {
    if (!(ttlMs > 0 && Number.isFinite(ttlMs))) throw new RangeError(`Lease ttlMs must be positive, got ${ttlMs}`);
    const current = await this.store.get<LeaseRecord>(TABLE, name);
    const now = this.now();
    if (current && isHeld(current.value, now) && current.value.owner !== owner) return undefined;
    const record: LeaseRecord = {
      owner,
      expiresAtMs: now + ttlMs,
      fencingToken: (current?.value.fencingToken ?? 0) + 1,
    };
    try {
      if (current) await this.store.replace(TABLE, name, record, current.version);
      else await this.store.insert(TABLE, name, record);
    } catch (error) {
      if (error instanceof StoreConflictError) return undefined;
      throw error;
    }
    return { name, owner, fencingToken: record.fencingToken, expiresAtMs: record.expiresAtMs, ttlMs };
  }

  /** Extends the tenure by its ttl from now; LeaseLostError if it expired or changed hands meanwhile. */
  async renew(lease: Lease): Promise<Lease> {
    const current = await this.currentTenure(lease);
    const expiresAtMs = this.now() + lease.ttlMs;
    try {
      await this.store.replace<LeaseRecord>(TABLE, lease.name, { ...current.value, expiresAtMs }, current.version);
    } catch (error) {
      if (error instanceof StoreConflictError) throw new LeaseLostError(lease, 'taken while renewing');
      throw error;
    }
    return { ...lease, expiresAtMs };
  }

  /** Frees the lease for others at once; does nothing if this tenure already ended. */
  async release(lease: Lease): Promise<void> {
    const current = await this.store.get<LeaseRecord>(TABLE, lease.name);
    if (!current || !isSameTenure(current.value, lease)) return;
    const released: LeaseRecord = { expiresAtMs: 0, fencingToken: current.value.fencingToken };
    try {
      await this.store.replace(TABLE, lease.name, released, current.version);
    } catch (error) {
      // Someone took the lease in between: it is no longer ours to release.
      if (!(error instanceof StoreConflictError)) throw error;
    }
  }

  /** Throws LeaseLostError unless this tenure is still current and unexpired. */
  async assertHeld(lease: Lease): Promise<void> {
    await this.currentTenure(lease);
  }

  private async currentTenure(lease: Lease): Promise<StoredItem<LeaseRecord>> {
    const current = await this.store.get<LeaseRecord>(TABLE, lease.name);
    if (!current) throw new LeaseLostError(lease, 'no such lease');
    if (!isSameTenure(current.value, lease)) {
      const holder = current.value.owner === undefined ? 'nobody' : current.value.owner;
      throw new LeaseLostError(lease, `now token ${current.value.fencingToken} held by ${holder}`);
    }
    if (!isHeld(current.value, this.now())) throw new LeaseLostError(lease, 'expired');
    return current;
  }
}

function isHeld(record: LeaseRecord, now: number): boolean {
  return record.owner !== undefined && record.expiresAtMs > now;
}

function isSameTenure(record: LeaseRecord, lease: Lease): boolean {
  return record.fencingToken === lease.fencingToken && record.owner === lease.owner;
}
