/**
 * The scheduled scan when another instance holds the scan, when a restart interrupted one, and when it fails: it is
 * waited for or taken over, continued at start, and failures are handed to the reporter for the people who get all
 * alerts.
 */
import { startScanSchedule, type ScanScheduleDeps } from '../../bot/scanSchedule';
import { silentLogger } from '../../services/logging';
import { ScanAlreadyRunningError, emptyUrgencyCounts, type ScanSummary } from '../../services/scan';

/** Never fires during a test: only the start-up continuation runs the scan. */
const NEVER_DURING_TESTS = '0 8 1 1 *';

function summary(failed: number): ScanSummary {
  return {
    scanId: 's',
    startedAt: new Date().toISOString(),
    finishedAt: new Date().toISOString(),
    durationMs: 0,
    resumed: true,
    timeZone: 'UTC',
    customersTotal: 3,
    customersScanned: 3 - failed,
    customersReused: 0,
    customersFailed: failed,
    subscriptionsFound: 0,
    subscriptionsKept: 0,
    needsReview: 0,
    partial: 0,
    discoveryTestFailed: 0,
    byUrgency: emptyUrgencyCounts(),
    urgent: 0,
    failures: [],
    warnings: [],
  };
}

function schedule(overrides: Partial<ScanScheduleDeps> & Pick<ScanScheduleDeps, 'scans'>) {
  const events: string[] = [];
  const deps: ScanScheduleDeps = {
    schedule: NEVER_DURING_TESTS,
    timeZone: 'UTC',
    alerts: { runNow: async () => void events.push('alerts') },
    problems: {
      scanned: async (s) => void events.push(`scanned: ${s.customersFailed} failed`),
      failed: async (error) => void events.push(`failed: ${(error as Error).message}`),
    },
    retryAfterMs: 20,
    logger: silentLogger,
    ...overrides,
  };
  const running = startScanSchedule(deps);
  return { events, running };
}

const interrupted = { status: 'running' as const, updatedAt: new Date().toISOString() };

describe('the scheduled scan', () => {
  it('on start, continues a scan a crash interrupted and reports its failed customers', async () => {
    let runs = 0;
    const { events, running } = schedule({
      scans: { run: async () => (runs++, summary(1)) },
      lastScan: async () => interrupted,
    });
    await running.idle();
    running.stop();
    expect(runs).toBe(1);
    expect(events).toEqual(['scanned: 1 failed']);
  });

  it('does not start a scan when the last one finished', async () => {
    let runs = 0;
    const { running } = schedule({
      scans: { run: async () => (runs++, summary(0)) },
      lastScan: async () => ({ status: 'completed', finishedAt: new Date().toISOString(), updatedAt: new Date().toISOString() }),
    });
    await running.idle();
    running.stop();
    expect(runs).toBe(0);
  });

  it('while another instance holds the scan it waits, and takes over once that instance’s lease runs out', async () => {
    let attempts = 0;
    const { events, running } = schedule({
      scans: {
        run: async () => {
          attempts++;
          if (attempts < 3) throw new ScanAlreadyRunningError(undefined);
          return summary(0);
        },
      },
      lastScan: async () => interrupted,
    });
    await running.idle();
    running.stop();
    expect(attempts).toBe(3);
    expect(events).toEqual(['scanned: 0 failed']);
  });

  it('stops waiting when the other instance’s scan finished after the schedule fired (that scan alerted)', async () => {
    let attempts = 0;
    let cursor: Awaited<ReturnType<NonNullable<ScanScheduleDeps['lastScan']>>> = interrupted;
    const { events, running } = schedule({
      scans: {
        run: async () => {
          attempts++;
          cursor = { status: 'completed', finishedAt: new Date(Date.now() + 1000).toISOString(), updatedAt: new Date().toISOString() };
          throw new ScanAlreadyRunningError(undefined);
        },
      },
      lastScan: async () => cursor,
    });
    await running.idle();
    running.stop();
    expect(attempts).toBe(1);
    expect(events).toEqual([]);
  });

  it('a scan that fails wholly is reported, then the alerts go out from the stored report', async () => {
    const { events, running } = schedule({
      scans: {
        run: async () => {
          throw new Error('Partner Center unreachable');
        },
      },
      lastScan: async () => interrupted,
    });
    await running.idle();
    running.stop();
    expect(events).toEqual(['failed: Partner Center unreachable', 'alerts']);
  });

  it('stopping the schedule ends the wait for another instance at once', async () => {
    const { running } = schedule({
      scans: {
        run: async () => {
          throw new ScanAlreadyRunningError(undefined);
        },
      },
      lastScan: async () => interrupted,
      retryAfterMs: 60_000,
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const stoppedAt = Date.now();
    running.stop();
    await running.idle();
    expect(Date.now() - stoppedAt).toBeLessThan(1000);
  });
});
