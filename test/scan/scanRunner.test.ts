import { createLogger, silentLogger } from '../../services/logging';
import { ScanAlreadyRunningError, ScanRunner, emptyUrgencyCounts, type ScanSummary } from '../../services/scan';
import { IN_MEMORY, LeaseManager, openSqliteStore } from '../../services/store';

function summary(scanId: string): ScanSummary {
  return {
    scanId,
    startedAt: '2026-11-23T10:00:00.000Z',
    finishedAt: '2026-11-23T10:00:05.000Z',
    durationMs: 5000,
    resumed: false,
    timeZone: 'UTC',
    customersTotal: 3,
    customersScanned: 3,
    customersReused: 0,
    customersFailed: 0,
    subscriptionsFound: 2,
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

/** A scanner whose scans finish when the test says so. */
class ControlledScanner {
  readonly pending: Array<{ resolve: (summary: ScanSummary) => void; reject: (error: Error) => void }> = [];
  scans = 0;

  findExpiringSubscriptions(): Promise<ScanSummary> {
    this.scans++;
    return new Promise((resolve, reject) => this.pending.push({ resolve, reject }));
  }

  finish(scanId: string): void {
    this.pending.shift()?.resolve(summary(scanId));
  }

  fail(message: string): void {
    this.pending.shift()?.reject(new Error(message));
  }
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('running one scan at a time', () => {
  it('refuses a second scan while one runs, naming who started it, and accepts one again afterwards', async () => {
    const scanner = new ControlledScanner();
    const runner = new ScanRunner({ scanner, logger: silentLogger });
    const completed: string[] = [];
    expect(await runner.start({ reason: 'command', by: 'Alex Wilber' }, { completed: async (s) => void completed.push(s.scanId) })).toEqual({ started: true });
    await tick();
    const second = await runner.start({ reason: 'command', by: 'Megan Bowen' });
    expect(second).toEqual({ started: false, running: expect.objectContaining({ trigger: { reason: 'command', by: 'Alex Wilber' } }) });
    await expect(runner.run({ reason: 'schedule' })).rejects.toBeInstanceOf(ScanAlreadyRunningError);
    expect(scanner.scans).toBe(1);

    scanner.finish('scan-1');
    await runner.whenIdle();
    expect(completed).toEqual(['scan-1']);
    expect(runner.current).toBeUndefined();
    expect(await runner.start({ reason: 'command' })).toEqual({ started: true });
    scanner.finish('scan-2');
    await runner.whenIdle();
  });

  it('refuses two scans asked for in the same instant', async () => {
    const scanner = new ControlledScanner();
    const store = openSqliteStore(IN_MEMORY);
    const runner = new ScanRunner({ scanner, logger: silentLogger, leases: new LeaseManager(store) });
    const results = await Promise.all([runner.start({ reason: 'command' }), runner.start({ reason: 'command' })]);
    expect(results.filter((result) => result.started)).toHaveLength(1);
    await tick();
    scanner.finish('only');
    await runner.whenIdle();
    await store.close();
  });

  it('calls the onScanCompleted hook after every successful scan, however it was started', async () => {
    const scanner = new ControlledScanner();
    const hooked: string[] = [];
    const runner = new ScanRunner({ scanner, logger: silentLogger, onScanCompleted: async (s) => void hooked.push(s.scanId) });
    await runner.start({ reason: 'command' });
    await tick();
    scanner.finish('from-chat');
    await runner.whenIdle();
    const run = runner.run({ reason: 'schedule' });
    await tick();
    scanner.finish('from-schedule');
    expect((await run).scanId).toBe('from-schedule');
    expect(hooked).toEqual(['from-chat', 'from-schedule']);
  });

  it('logs a failing hook without losing the scan result', async () => {
    const lines: string[] = [];
    const scanner = new ControlledScanner();
    const runner = new ScanRunner({
      scanner,
      logger: createLogger('info', (line) => lines.push(line)),
      onScanCompleted: async () => {
        throw new Error('alerts down');
      },
    });
    const run = runner.run({ reason: 'schedule' });
    await tick();
    scanner.finish('s');
    expect((await run).scanId).toBe('s');
    expect(lines.some((line) => line.includes('onScanCompleted callback failed') && line.includes('alerts down'))).toBe(true);
  });

  it('tells the observer when a scan fails, and frees the slot', async () => {
    const scanner = new ControlledScanner();
    const runner = new ScanRunner({ scanner, logger: silentLogger });
    const failures: string[] = [];
    await runner.start({ reason: 'command' }, { failed: async (error) => void failures.push((error as Error).message) });
    await tick();
    scanner.fail('store broke');
    await runner.whenIdle();
    expect(failures).toEqual(['store broke']);
    expect(runner.current).toBeUndefined();
  });

  it('does not scan when the "started" message cannot be sent, and frees the slot', async () => {
    const scanner = new ControlledScanner();
    const runner = new ScanRunner({ scanner, logger: silentLogger });
    const started = async () => {
      throw new Error('Teams said no');
    };
    await expect(runner.start({ reason: 'command' }, { started })).rejects.toThrow('Teams said no');
    expect(scanner.scans).toBe(0);
    expect(runner.current).toBeUndefined();
  });

  it('keeps the scan single across bot instances sharing a store (the scan lease)', async () => {
    const store = openSqliteStore(IN_MEMORY);
    const first = new ControlledScanner();
    const second = new ControlledScanner();
    const instanceA = new ScanRunner({ scanner: first, logger: silentLogger, leases: new LeaseManager(store), owner: 'instance-a' });
    const instanceB = new ScanRunner({ scanner: second, logger: silentLogger, leases: new LeaseManager(store), owner: 'instance-b' });
    expect(await instanceA.start({ reason: 'schedule' })).toEqual({ started: true });
    expect(await instanceB.start({ reason: 'command', by: 'Alex' })).toEqual({ started: false });
    await tick();
    first.finish('a');
    await instanceA.whenIdle();
    expect(await instanceB.start({ reason: 'command', by: 'Alex' })).toEqual({ started: true });
    await tick();
    second.finish('b');
    await instanceB.whenIdle();
    expect(second.scans).toBe(1);
    await store.close();
  });
});
