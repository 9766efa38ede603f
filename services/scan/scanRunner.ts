/**
 * One scan at a time: a second request while a scan runs (here, or on another bot instance holding the `scan` lease)
 * is refused, not queued. After each scan the composition root's `onScanCompleted` hook runs (the alerts).
 *
 * The lease is short (SCAN_LEASE_TTL_MS) and renewed by a heartbeat every third of it while the scan runs, so a live
 * scan keeps it however long one customer takes, and a crashed one frees it within the TTL for other instances. Its
 * owner is the instance's stable id (`stableInstanceId`), so the same instance restarted takes it back at once.
 */
import { createHash, randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import type { Logger } from '../logging';
import { telemetry, traced } from '../observability/telemetry';
import { LeaseLostError, type Lease, type LeaseManager } from '../store/lease';
import type { ExpiryScanner } from './expiryScanner';
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
  /** This instance's lease owner id, the same across its restarts (`stableInstanceId`). */
  owner?: string;
  /** Renewed every third of it while the scan runs; default SCAN_LEASE_TTL_MS. */
  leaseTtlMs?: number;
  /** Runs after every successful scan, whoever started it (the alerts helper's entry point). */
  onScanCompleted?: (summary: ScanSummary) => Promise<void>;
  now?: () => number;
}

const LEASE_NAME = 'scan';

/** How long a crashed scan keeps other instances from scanning; a live scan renews it every third of this. */
export const SCAN_LEASE_TTL_MS = 45_000;

/**
 * An id for this bot instance that survives its restarts: the host, the data directory and the port it listens on
 * (two live instances cannot share all three). With port 0 (tests) there is no stable identity, so it is unique
 * per process and a restart waits out the lease like any other instance.
 */
export function stableInstanceId(hostname: string, dataDir: string, port: number): string {
  const place = port === 0 ? `${process.pid}-${randomUUID()}` : `${resolve(dataDir)}:${port}`;
  return `${hostname}-${createHash('sha256').update(place).digest('hex').slice(0, 12)}`;
}

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
    const scan = traced('scan', { 'kma.scan_trigger': trigger.reason }, () => this.execute(claim.value));
    this.finished = scan.then(
      () => undefined,
      () => undefined,
    );
    const summary = await scan;
    telemetry.scanFinished(summary.durationMs, summary.customersScanned, summary.customersFailed);
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
    const heartbeat = this.heartbeat(claim);
    try {
      return await this.deps.scanner.findExpiringSubscriptions();
    } catch (error) {
      this.deps.logger.error('Expiry scan failed; the next scan continues from its cursor', {
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      });
      throw error;
    } finally {
      await this.release({ ...claim, lease: await heartbeat.stop() });
    }
  }

  /** Renews the lease every third of its TTL until stopped; answers the lease still held (undefined once lost). */
  private heartbeat(claim: Claim): { stop(): Promise<Lease | undefined> } {
    let lease = claim.lease;
    let renewing: Promise<void> = Promise.resolve();
    const renew = async (): Promise<void> => {
      if (!lease || !this.deps.leases) return;
      try {
        lease = await this.deps.leases.renew(lease);
      } catch (error) {
        if (!(error instanceof LeaseLostError)) {
          // A store hiccup: the next beat tries again while the lease still has two thirds of its time left.
          this.deps.logger.warn('Could not renew the scan lease', { error: error instanceof Error ? error.message : String(error) });
          return;
        }
        // Another instance may now scan too; both write the same rows, so finishing is safer than stopping half-way.
        this.deps.logger.warn('Scan lease lost; finishing this scan anyway', { error: error.message });
        lease = undefined;
      }
    };
    // Beats are chained, never overlapping; `renew` logs instead of throwing, so the chain never rejects.
    const timer = lease
      ? setInterval(() => {
          renewing = renewing.then(renew);
        }, this.leaseTtlMs() / 3)
      : undefined;
    timer?.unref();
    return {
      stop: async () => {
        clearInterval(timer);
        await renewing;
        return lease;
      },
    };
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
    return this.deps.leaseTtlMs ?? SCAN_LEASE_TTL_MS;
  }
}
