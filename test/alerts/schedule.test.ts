import { AlertScheduler, nextAlertRuns } from '../../services/alerts/scheduler';
import type { AlertRunSummary } from '../../services/alerts/expiryAlerter';
import { silentLogger, type Logger } from '../../services/logging';

const EMPTY_RUN: AlertRunSummary = { due: 0, sent: 0, failed: 0, unreachable: 0, claimedElsewhere: 0, reclaimed: 0, digests: 0 };

describe('the alert schedule', () => {
  it('fires at 08:00 in the partner time zone, across the change to summer time', () => {
    const runs = nextAlertRuns('0 8 * * *', 'Europe/Berlin', new Date('2026-03-27T12:00:00Z'), 3);
    expect(runs.map((d) => d.toISOString())).toEqual(['2026-03-28T07:00:00.000Z', '2026-03-29T06:00:00.000Z', '2026-03-30T06:00:00.000Z']);
  });

  it('reads the pattern in the partner time zone, not the server\'s', () => {
    expect(nextAlertRuns('0 8 * * *', 'UTC', new Date('2026-05-01T00:00:00Z'), 1)[0].toISOString()).toBe('2026-05-01T08:00:00.000Z');
    expect(nextAlertRuns('0 8 * * *', 'America/New_York', new Date('2026-05-01T00:00:00Z'), 1)[0].toISOString()).toBe('2026-05-01T12:00:00.000Z');
    expect(nextAlertRuns('30 7 * * 1-5', 'Asia/Tokyo', new Date('2026-05-01T00:00:00Z'), 2).map((d) => d.toISOString())).toEqual([
      '2026-05-03T22:30:00.000Z',
      '2026-05-04T22:30:00.000Z',
    ]);
  });
});

describe('the alert scheduler', () => {
  function controllableRunner() {
    const releases: (() => void)[] = [];
    const runner = {
      runs: 0,
      sendDueAlerts: () =>
        new Promise<AlertRunSummary>((resolve) => {
          runner.runs++;
          releases.push(() => resolve(EMPTY_RUN));
        }),
    };
    const releaseNext = async () => {
      while (releases.length === 0) await new Promise((resolve) => setImmediate(resolve));
      releases.shift()!();
    };
    return { runner, releaseNext };
  }

  it('runs after every scan through the hook it hands to the scan', async () => {
    const { runner, releaseNext } = controllableRunner();
    const scheduler = new AlertScheduler({ alerter: runner, schedule: '0 8 * * *', timeZone: 'UTC', logger: silentLogger });
    const hook: () => Promise<void> = scheduler.onScanCompleted;
    const done = hook();
    await releaseNext();
    await done;
    expect(runner.runs).toBe(1);
  });

  it('never overlaps runs: triggers during a run become one more run right after it', async () => {
    const { runner, releaseNext } = controllableRunner();
    const scheduler = new AlertScheduler({ alerter: runner, schedule: '0 8 * * *', timeZone: 'UTC', logger: silentLogger });
    const first = scheduler.runNow('schedule');
    const second = scheduler.onScanCompleted();
    const third = scheduler.onScanCompleted();
    await releaseNext();
    await releaseNext();
    await Promise.all([first, second, third]);
    expect(runner.runs).toBe(2);
  });

  it('logs a failed run and keeps going', async () => {
    const errors: string[] = [];
    const logger: Logger = { ...silentLogger, error: (message) => errors.push(message) };
    const scheduler = new AlertScheduler({
      alerter: { sendDueAlerts: () => Promise.reject(new Error('store down')) },
      schedule: '0 8 * * *',
      timeZone: 'UTC',
      logger,
    });
    await expect(scheduler.onScanCompleted()).resolves.toBeUndefined();
    expect(errors).toEqual(['Alert run failed']);
  });

  it('starts a timer on the schedule and stops it', async () => {
    const runner = { runs: 0, sendDueAlerts: async () => (runner.runs++, EMPTY_RUN) };
    const scheduler = new AlertScheduler({ alerter: runner, schedule: '* * * * * *', timeZone: 'Europe/Berlin', logger: silentLogger });
    scheduler.start();
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    scheduler.stop();
    await scheduler.idle();
    const runsWhenStopped = runner.runs;
    expect(runsWhenStopped).toBeGreaterThanOrEqual(1);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect(runner.runs).toBe(runsWhenStopped);
  });

  it('after a restart, runs as soon as the claims a dead run left behind have expired', async () => {
    const runs: number[] = [];
    const startedAt = Date.now();
    const scheduler = new AlertScheduler({
      alerter: {
        sendDueAlerts: async () => (runs.push(Date.now() - startedAt), EMPTY_RUN),
        claimsLeftBehindFreeAt: async () => new Date(startedAt + 300),
      },
      schedule: '0 8 1 1 *',
      timeZone: 'UTC',
      logger: silentLogger,
      resumeMarginMs: 50,
    });
    await scheduler.resumeAfterRestart();
    expect(runs).toEqual([]);
    while (runs.length === 0 && Date.now() - startedAt < 5_000) await new Promise((resolve) => setTimeout(resolve, 20));
    await scheduler.idle();
    expect(runs).toHaveLength(1);
    expect(runs[0]).toBeGreaterThanOrEqual(350);
  });

  it('after a restart with nothing left behind, or once stopped, does not run', async () => {
    let runs = 0;
    const nothingLeft = new AlertScheduler({
      alerter: { sendDueAlerts: async () => (runs++, EMPTY_RUN), claimsLeftBehindFreeAt: async () => undefined },
      schedule: '0 8 1 1 *',
      timeZone: 'UTC',
      logger: silentLogger,
      resumeMarginMs: 0,
    });
    await nothingLeft.resumeAfterRestart();
    const stopped = new AlertScheduler({
      alerter: { sendDueAlerts: async () => (runs++, EMPTY_RUN), claimsLeftBehindFreeAt: async () => new Date(Date.now() + 50) },
      schedule: '0 8 1 1 *',
      timeZone: 'UTC',
      logger: silentLogger,
      resumeMarginMs: 0,
    });
    await stopped.resumeAfterRestart();
    stopped.stop();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(runs).toBe(0);
  });
});
