import { Cron } from 'croner';
import type { Logger } from '../logging';
import type { AlertRunSummary } from './expiryAlerter';

export interface AlertRunner {
  sendDueAlerts(): Promise<AlertRunSummary>;
  /** When claims left by a run that died will have expired; undefined when there are none. */
  claimsLeftBehindFreeAt?(): Promise<Date | undefined>;
}

export interface AlertSchedulerDeps {
  alerter: AlertRunner;
  /** Cron pattern, e.g. `0 8 * * *`. */
  schedule: string;
  /** IANA zone the pattern is read in (PARTNER_TIMEZONE). */
  timeZone: string;
  logger: Logger;
  /** Wait after claims left behind expire before running (clock skew between instances); default 5 s. */
  resumeMarginMs?: number;
}

/** The next `count` times the alert schedule fires after `from`, read in the partner's time zone. */
export function nextAlertRuns(schedule: string, timeZone: string, from: Date, count: number): Date[] {
  const job = new Cron(schedule, { paused: true, timezone: timeZone });
  try {
    return job.nextRuns(count, from);
  } finally {
    job.stop();
  }
}

/** A run right after the claims expire could find one still live by a clock a little behind; this is enough. */
const RESUME_MARGIN_MS = 5_000;

/**
 * Starts alert runs on the schedule and after every scan. Runs never overlap within the process: a trigger during
 * a run asks for one more run right after it (the scan may have changed what is due), and callers awaiting a
 * trigger resolve when that follow-up is done. Across instances the alert ledger's claims keep alerts single.
 */
export class AlertScheduler {
  private job?: Cron;
  private running?: Promise<void>;
  private again = false;
  private resumeTimer?: NodeJS.Timeout;

  constructor(private readonly deps: AlertSchedulerDeps) {}

  start(): void {
    if (this.job) return;
    this.job = new Cron(this.deps.schedule, { timezone: this.deps.timeZone, unref: true }, () => this.runNow('schedule'));
    this.deps.logger.info('Alert schedule started', { schedule: this.deps.schedule, timeZone: this.deps.timeZone, next: this.job.nextRun()?.toISOString() });
  }

  stop(): void {
    this.job?.stop();
    this.job = undefined;
    clearTimeout(this.resumeTimer);
    this.resumeTimer = undefined;
  }

  /**
   * Call once at start: when a run died with alerts claimed but not sent, runs again as soon as those claims have
   * expired, so they go out now rather than at the next schedule. Never rejects: failures are logged.
   */
  async resumeAfterRestart(now: () => number = Date.now): Promise<void> {
    try {
      const freeAt = await this.deps.alerter.claimsLeftBehindFreeAt?.();
      if (!freeAt) return;
      const delayMs = Math.max(0, freeAt.getTime() - now()) + (this.deps.resumeMarginMs ?? RESUME_MARGIN_MS);
      this.deps.logger.info('Alerts claimed by a run that ended early go out once their claims expire', { at: new Date(now() + delayMs).toISOString() });
      clearTimeout(this.resumeTimer);
      this.resumeTimer = setTimeout(() => {
        this.resumeTimer = undefined;
        void this.runNow('manual');
      }, delayMs);
      this.resumeTimer.unref();
    } catch (error) {
      this.deps.logger.error('Could not look for alerts left behind', { error: error instanceof Error ? error.message : String(error) });
    }
  }

  /** Pass this to the scan as its `onScanCompleted` hook. */
  readonly onScanCompleted = (): Promise<void> => this.runNow('scan');

  /** Runs the alerts now (or once more after the current run); never rejects: failures are logged. */
  runNow(trigger: 'schedule' | 'scan' | 'manual'): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.runUntilSettled(trigger).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Resolves when no run is in progress (for shutdown and tests). */
  async idle(): Promise<void> {
    await this.running;
  }

  private async runUntilSettled(trigger: string): Promise<void> {
    do {
      this.again = false;
      try {
        await this.deps.alerter.sendDueAlerts();
      } catch (error) {
        this.deps.logger.error('Alert run failed', { trigger, error: error instanceof Error ? error.message : String(error) });
      }
    } while (this.again);
  }
}
