/**
 * One scan at a time: a second request while a scan runs (here, or on another bot instance holding the `scan` lease)
 * is refused, not queued. After each scan the composition root's `onScanCompleted` hook runs (the alerts).
 */
import type { Logger } from '../logging';
import { LeaseLostError, type Lease, type LeaseManager } from '../store/lease';
import type { ExpiryScanner, ScanOptions } from './expiryScanner';
import type { ScanSummary } from './types';

export interface ScanTrigger {
  reason: 'command' | 'schedule' | 'cli';
  /** Display name of the person who asked, for "already running" answers. */
  by?: string;
}

export interface RunningScan {
  trigger: ScanTrigger;
  startedAt: string;
}

/** How a caller of `start` hears about the scan; every callback is awaited and its errors are logged. */
export interface ScanObserver {
  /** Runs once the scan is claimed and before it starts (e.g. "scan started" in the chat); a throw cancels it. */
  started?(): Promise<void>;
  completed?(summary: ScanSummary): Promise<void>;
  failed?(error: unknown): Promise<void>;
}

export type ScanStart = { started: true } | { started: false; running?: RunningScan };

/** Another scan holds the slot; `running` is known when it runs in this process. */
export class ScanAlreadyRunningError extends Error {
  constructor(readonly running: RunningScan | undefined) {
    super(running ? `A scan is already running since ${running.startedAt}` : 'A scan is already running on another instance');
    this.name = 'ScanAlreadyRunningError';
  }
}

export interface ScanRunnerDeps {
  scanner: Pick<ExpiryScanner, 'findExpiringSubscriptions'>;
  logger: Logger;
  /** With several bot instances: the `scan` lease keeps the scan single across them. */
  leases?: LeaseManager;
  /** This instance's lease owner id. */
  owner?: string;
  /** Renewed while customers finish; default 10 min. */
  leaseTtlMs?: number;
  /** Runs after every successful scan, whoever started it (the alerts helper's entry point). */
  onScanCompleted?: (summary: ScanSummary) => Promise<void>;
  now?: () => number;
}

const LEASE_NAME = 'scan';

interface Claim {
  running: RunningScan;
  lease?: Lease;
}

export class ScanRunner {
  private active: RunningScan | undefined;
  private finished: Promise<void> = Promise.resolve();
  private readonly now: () => number;

  constructor(private readonly deps: ScanRunnerDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** The scan running in this process, if any. */
  get current(): RunningScan | undefined {
    return this.active;
  }

  /** Claims the scan and runs it in the background; the observer hears how it went. */
  async start(trigger: ScanTrigger, observer: ScanObserver = {}): Promise<ScanStart> {
    const claim = await this.claim(trigger);
    if (!claim.ok) return { started: false, running: claim.running };
    try {
      await observer.started?.();
    } catch (error) {
      await this.release(claim.value);
      throw error;
    }
    this.finished = this.execute(claim.value).then(
      async (summary) => {
        await this.notify('completed', () => observer.completed?.(summary));
        await this.afterScan(summary);
      },
      (error: unknown) => this.notify('failed', () => observer.failed?.(error)),
    );
    return { started: true };
  }

  /** Claims and runs a scan to the end (scheduler, CLI); ScanAlreadyRunningError when one is running. */
  async run(trigger: ScanTrigger): Promise<ScanSummary> {
    const claim = await this.claim(trigger);
    if (!claim.ok) throw new ScanAlreadyRunningError(claim.running);
    const scan = this.execute(claim.value);
    this.finished = scan.then(
      () => undefined,
      () => undefined,
    );
    const summary = await scan;
    await this.afterScan(summary);
    return summary;
  }

  /** Resolves when the background scan (and its callbacks) is over; for shutdown and tests. */
  whenIdle(): Promise<void> {
    return this.finished;
  }

  private async claim(trigger: ScanTrigger): Promise<{ ok: true; value: Claim } | { ok: false; running?: RunningScan }> {
    if (this.active) return { ok: false, running: this.active };
    // Taken before the first await, so two turns arriving together cannot both pass the check above.
    const running: RunningScan = { trigger, startedAt: new Date(this.now()).toISOString() };
    this.active = running;
    if (!this.deps.leases) return { ok: true, value: { running } };
    try {
      const lease = await this.deps.leases.acquire(LEASE_NAME, this.deps.owner ?? 'bot', this.leaseTtlMs());
      if (lease) return { ok: true, value: { running, lease } };
    } catch (error) {
      this.active = undefined;
      throw error;
    }
    this.active = undefined;
    return { ok: false };
  }

  private async execute(claim: Claim): Promise<ScanSummary> {
    let lease = claim.lease;
    let renewedAt = this.now();
    const options: ScanOptions = {
      onProgress: async () => {
        if (!lease || this.now() - renewedAt < this.leaseTtlMs() / 3) return;
        renewedAt = this.now();
        try {
          lease = await this.deps.leases?.renew(lease);
        } catch (error) {
          if (!(error instanceof LeaseLostError)) throw error;
          // Another instance may now scan too; both write the same rows, so finishing is safer than stopping half-way.
          this.deps.logger.warn('Scan lease lost; finishing this scan anyway', { error: error.message });
          lease = undefined;
        }
      },
    };
    try {
      return await this.deps.scanner.findExpiringSubscriptions(options);
    } catch (error) {
      this.deps.logger.error('Expiry scan failed; the next scan continues from its cursor', {
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      });
      throw error;
    } finally {
      await this.release({ ...claim, lease });
    }
  }

  private async release(claim: Claim): Promise<void> {
    this.active = undefined;
    if (claim.lease) await this.deps.leases?.release(claim.lease);
  }

  private async afterScan(summary: ScanSummary): Promise<void> {
    await this.notify('onScanCompleted', () => this.deps.onScanCompleted?.(summary));
  }

  private async notify(what: string, callback: () => Promise<void> | undefined): Promise<void> {
    try {
      await callback();
    } catch (error) {
      this.deps.logger.error(`Scan ${what} callback failed`, { error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    }
  }

  private leaseTtlMs(): number {
    return this.deps.leaseTtlMs ?? 600_000;
  }
}
