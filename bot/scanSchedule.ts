import { Cron } from 'croner';
import type { Logger } from '../services/logging';
import { ScanAlreadyRunningError, type ScanRunner } from '../services/scan';

export interface ScanScheduleDeps {
  /** ALERT_SCHEDULE: the daily scan, whose completion sends the due alerts. */
  schedule: string;
  timeZone: string;
  scans: Pick<ScanRunner, 'run'>;
  /** Alerts still go out from the last scan's data when a scheduled scan fails. */
  alerts: { runNow(trigger: 'schedule'): Promise<void> };
  /** Other daily checks (the partner sign-in's age), run after the scan whatever its outcome; failures are logged. */
  dailyChecks?: readonly { name: string; run(): Promise<unknown> }[];
  logger: Logger;
}

/**
 * On ALERT_SCHEDULE: scan every customer, then (through the scan's completion hook) alert. A scan already running
 * (here or on another instance) will alert when it completes; a failed scan still alerts from stored data.
 */
export function startScanSchedule(deps: ScanScheduleDeps): { stop(): void } {
  const scanThenAlert = async (): Promise<void> => {
    try {
      await deps.scans.run({ reason: 'schedule' });
    } catch (error) {
      if (error instanceof ScanAlreadyRunningError) return;
      deps.logger.error('Scheduled scan failed; alerting from the last stored scan', { error: error instanceof Error ? error.message : String(error) });
      await deps.alerts.runNow('schedule');
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
  const job = new Cron(deps.schedule, { timezone: deps.timeZone, unref: true, protect: true }, scheduledScan);
  deps.logger.info('Scan and alert schedule started', { schedule: deps.schedule, timeZone: deps.timeZone, next: job.nextRun()?.toISOString() });
  return { stop: () => job.stop() };
}
