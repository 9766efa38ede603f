import { randomUUID } from 'node:crypto';
import type { Store } from './store';

export interface StoreHealthOptions {
  /** How long a write probe's verdict is reused: probes then cost the store one tiny write per window. */
  probeEveryMs?: number;
  /** How long an integrity verdict is reused: the check reads the whole database. */
  integrityEveryMs?: number;
  now?: () => number;
}

export const STORE_PROBE_EVERY_MS = 30_000;
export const STORE_INTEGRITY_EVERY_MS = 5 * 60_000;
/** The one row the probe writes (last writer wins, so several instances share it). */
const PROBE_KEY = 'readinessProbe';

interface Verdict {
  atMs: number;
  problem?: string;
}

/**
 * What /readyz asks of the store: can it still be written and read back (a full disk, a read-only or vanished
 * file, a storage account refusing writes all fail here, where a read-only ping would pass), and is the data
 * intact. Both verdicts are cached, so any number of probes costs one small write per `probeEveryMs` and one
 * integrity check per `integrityEveryMs` (the first check runs both). A backend that tracks its writes also
 * reports its latest real write failing, which is seen at once.
 */
export class StoreHealth {
  private readonly probeEveryMs: number;
  private readonly integrityEveryMs: number;
  private readonly now: () => number;
  private probe: Verdict | undefined;
  private integrity: Verdict | undefined;

  constructor(
    private readonly store: Store,
    options: StoreHealthOptions = {},
  ) {
    this.probeEveryMs = options.probeEveryMs ?? STORE_PROBE_EVERY_MS;
    this.integrityEveryMs = options.integrityEveryMs ?? STORE_INTEGRITY_EVERY_MS;
    this.now = options.now ?? Date.now;
  }

  /** Throws with the named reason (not writable, corrupt) while the store is unhealthy. */
  async check(): Promise<void> {
    if (this.isStale(this.probe, this.probeEveryMs)) this.probe = await this.verdictOf('not writable', () => this.writeAndReadBack());
    const checkIntegrity = this.store.checkIntegrity?.bind(this.store);
    if (checkIntegrity && this.isStale(this.integrity, this.integrityEveryMs)) this.integrity = await this.verdictOf('corrupt', checkIntegrity);
    // The latest real write counts as much as the probe: a full disk may still take the probe's tiny row.
    const failedWrite = this.store.lastWriteFailure?.();
    const writes = failedWrite === undefined ? this.probe : await this.verdictOf('not writable', () => Promise.reject(failedWrite));
    const problem = this.integrity?.problem ?? writes?.problem;
    if (problem !== undefined) throw new Error(problem);
  }

  private isStale(verdict: Verdict | undefined, everyMs: number): boolean {
    return verdict === undefined || this.now() - verdict.atMs >= everyMs;
  }

  private async verdictOf(what: string, check: () => Promise<void>): Promise<Verdict> {
    const atMs = this.now();
    try {
      await check();
      return { atMs };
    } catch (error) {
      // Duck-typed, not `instanceof Error`: a native driver may throw errors made in another realm.
      const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
      const raw = typeof error === 'object' && error !== null ? (error as { message?: unknown }).message : undefined;
      const message = typeof raw === 'string' ? raw : String(error);
      const where = this.store.location === undefined || message.includes(this.store.location) ? '' : ` (${this.store.location})`;
      return { atMs, problem: `storage ${what}${where}: ${typeof code === 'string' && !message.includes(code) ? `${code} ` : ''}${message}` };
    }
  }

  private async writeAndReadBack(): Promise<void> {
    const nonce = randomUUID();
    await this.store.upsert('meta', PROBE_KEY, { nonce, at: new Date(this.now()).toISOString() });
    const read = await this.store.get<{ nonce?: unknown }>('meta', PROBE_KEY);
    // Another instance may have written the row since; any value read back proves reads work, ours or theirs.
    if (read === undefined || typeof read.value.nonce !== 'string') throw new Error('the probe row written a moment ago cannot be read back');
  }
}
