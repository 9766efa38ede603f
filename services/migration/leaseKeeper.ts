import type { Logger } from '../logging';
import { LeaseLostError, type Lease, type LeaseManager } from '../store/lease';

/** The run's work was stopped on purpose (the runner is shutting down). */
export class RunStoppedError extends Error {
  constructor(runId: string) {
    super(`Run ${runId} stopped`);
    this.name = 'RunStoppedError';
  }
}

/**
 * Holds one lease while a run executes: renews it at a third of its ttl, and turns a failed renewal into an abort,
 * so the worker stops before its next side effect. `assertHeld` is the check made right before each side effect.
 */
export class LeaseKeeper {
  private current: Lease;
  private lost: LeaseLostError | undefined;
  private readonly timer: NodeJS.Timeout;
  private renewing: Promise<void> = Promise.resolve();

  constructor(
    private readonly leases: LeaseManager,
    lease: Lease,
    private readonly logger: Logger,
    private readonly stopSignal: AbortSignal,
  ) {
    this.current = lease;
    this.timer = setInterval(() => {
      this.renewing = this.renew();
    }, Math.max(50, Math.floor(lease.ttlMs / 3)));
    this.timer.unref();
  }

  get lease(): Lease {
    return this.current;
  }

  get fencingToken(): number {
    return this.current.fencingToken;
  }

  /** Throws when the lease is gone (or the runner stops); reads the lease record, so a stalled renewal shows too. */
  async assertHeld(runId: string): Promise<void> {
    this.throwIfLost(runId);
    try {
      await this.leases.assertHeld(this.current);
    } catch (error) {
      if (error instanceof LeaseLostError) this.lost = error;
      throw error;
    }
  }

  /** Cheap check without a store read, for loops between side effects. */
  throwIfLost(runId: string): void {
    if (this.lost) throw this.lost;
    if (this.stopSignal.aborted) throw new RunStoppedError(runId);
  }

  /** Stops renewing and frees the lease for the next worker. */
  async release(): Promise<void> {
    clearInterval(this.timer);
    await this.renewing;
    if (this.lost) return;
    await this.leases.release(this.current);
  }

  private async renew(): Promise<void> {
    if (this.lost) return;
    try {
      this.current = await this.leases.renew(this.current);
    } catch (error) {
      if (error instanceof LeaseLostError) {
        this.lost = error;
        this.logger.warn('Migration lease lost; the run stops before its next side effect', { lease: this.current.name });
        return;
      }
      this.logger.warn('Migration lease renewal failed; retrying at the next interval', { lease: this.current.name, error });
    }
  }
}
