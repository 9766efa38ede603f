import { Cron } from 'croner';
import type { Logger } from '../services/logging';
import { newCorrelationId, withCorrelation } from '../services/observability/correlation';
import { SCAN_LEASE_TTL_MS, ScanAlreadyRunningError, type ScanRunner, type ScanSummary } from '../services/scan';

export interface ScanScheduleDeps {
  /** ALERT_SCHEDULE: the daily scan, whose completion sends the due alerts. */
  schedule: string;
  timeZone: string;
  scans: Pick<ScanRunner, 'run'>;
  /** Alerts still go out from the last scan's data when a scheduled scan fails. */
  alerts: { runNow(trigger: 'schedule'): Promise<void> };
  /** Other daily checks (the partner sign-in's age), run after the scan whatever its outcome; failures are logged. */
  dailyChecks?: readonly { name: string; run(): Promise<unknown> }[];
  /** Tells the people who get all alerts when the scheduled scan failed, wholly or for some customers. */
  problems?: { scanned(summary: ScanSummary): Promise<void>; failed(error: unknown): Promise<void> };
  /**
   * The scan cursor's state, to tell whether a scan another instance was running finished after this schedule fired
   * (then it alerted) or died (then this instance takes over once its lease runs out), and whether a scan was
   * interrupted before this instance started.
   */
  lastScan?: () => Promise<{ status: 'running' | 'completed'; finishedAt?: string; updatedAt: string } | undefined>;
  /** How long to wait before asking again while another instance scans; default SCAN_LEASE_TTL_MS. */
  retryAfterMs?: number;
  /** How long to keep waiting for another instance's scan; default 6 h. */
  giveUpAfterMs?: number;
  logger: Logger;
  now?: () => number;
}

/** An interrupted scan younger than this is continued when the bot starts (ScanCursor resumes within 24 h). */
const RESUME_WITHIN_MS = 24 * 3_600_000;

/**
 * On ALERT_SCHEDULE: scan every customer, then (through the scan's completion hook) alert. A scan already running here
 * will alert when it completes; one running on another instance is waited for, and taken over if that instance dies
 * (its lease runs out). A failed scan still alerts from stored data, and failures reach the people who get all
 * alerts. On start, a scan that a crash interrupted is continued at once (the restarted instance owns its lease).
 */
export function startScanSchedule(deps: ScanScheduleDeps): { stop(): void; idle(): Promise<void> } {
  const now = deps.now ?? Date.now;
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  /** Ends the wait for another instance's scan early, when the schedule is stopped. */
  let wake: (() => void) | undefined;
  const report = async (what: string, send: () => Promise<void> | undefined): Promise<void> => {
    try {
      await send();
    } catch (error) {
      deps.logger.error(`Could not report the scheduled scan (${what})`, { error: error instanceof Error ? error.message : String(error) });
    }
  };
  /** True when another instance finished a scan after `since`: it ran the alerts. */
  const finishedElsewhereSince = async (since: number): Promise<boolean> => {
    try {
      const last = await deps.lastScan?.();
      return last?.status === 'completed' && last.finishedAt !== undefined && Date.parse(last.finishedAt) >= since;
    } catch (error) {
      // Unknown: keep waiting; the next attempt either gets the scan or asks again.
      deps.logger.warn('Could not read how the other instance’s scan went', { error: error instanceof Error ? error.message : String(error) });
      return false;
    }
  };
  const scanThenAlert = async (): Promise<void> => {
    const firedAt = now();
    const retryAfterMs = deps.retryAfterMs ?? SCAN_LEASE_TTL_MS;
    for (;;) {
      try {
        const summary = await deps.scans.run({ reason: 'schedule' });
        await report('partial failure', () => deps.problems?.scanned(summary));
        return;
      } catch (error) {
        if (error instanceof ScanAlreadyRunningError) {
          // Running in this process: its completion alerts. Elsewhere: wait, unless nobody can tell us how it ended.
          if (error.running || !deps.lastScan) return;
          if (now() - firedAt > (deps.giveUpAfterMs ?? 6 * 3_600_000)) {
            deps.logger.warn('Gave up waiting for the scan running on another instance');
            return;
          }
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, retryAfterMs);
            wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          wake = undefined;
          if (stopped || (await finishedElsewhereSince(firedAt))) return;
          continue;
        }
        deps.logger.error('Scheduled scan failed; alerting from the last stored scan', { error: error instanceof Error ? error.message : String(error) });
        await report('failure', () => deps.problems?.failed(error));
        await deps.alerts.runNow('schedule');
        return;
      }
    }
  };
  const scheduledScan = async (): Promise<void> => {
    await scanThenAlert();
    for (const check of deps.dailyChecks ?? []) {
      try {
        await check.run();
      } catch (error) {
        deps.logger.error(`Daily check failed: ${check.name}`, { error: error instanceof Error ? error.message : String(error) });
      }
    }
  };
  // Each scheduled or resumed scan is one unit of work: its log lines and calls share one correlation id.
  const track = (work: () => Promise<void>): Promise<void> => {
    running = withCorrelation(newCorrelationId(), work);
    return running;
  };
  const job = new Cron(deps.schedule, { timezone: deps.timeZone, unref: true, protect: true }, () => track(scheduledScan));
  deps.logger.info('Scan and alert schedule started', { schedule: deps.schedule, timeZone: deps.timeZone, next: job.nextRun()?.toISOString() });
  const resumeInterrupted = async (): Promise<void> => {
    const last = await deps.lastScan?.();
    if (last?.status !== 'running' || now() - Date.parse(last.updatedAt) > RESUME_WITHIN_MS) return;
    deps.logger.info('Continuing the scan a restart interrupted');
    await scanThenAlert();
  };
  void track(() =>
    resumeInterrupted().catch((error: unknown) => {
      deps.logger.error('Could not continue the interrupted scan', { error: error instanceof Error ? error.message : String(error) });
    }),
  );
  return {
    stop: () => {
      stopped = true;
      job.stop();
      wake?.();
    },
    idle: () => running,
  };
}
