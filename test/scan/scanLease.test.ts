/**
 * The scan lease after a crash: the same instance restarted takes it back at once, another instance within the
 * lease's TTL, and a live scan keeps it however long it runs (its heartbeat renews it).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { silentLogger } from '../../services/logging';
import { ScanRunner, emptyUrgencyCounts, stableInstanceId, type ScanSummary } from '../../services/scan';
import { LeaseManager, openSqliteStore } from '../../services/store';
import type { Store } from '../../services/store/store';
import { tempDir } from '../alerts/support';

const TTL_MS = 1000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function summary(scanId: string): ScanSummary {
  return {
    scanId,
    startedAt: new Date().toISOString(),
    finishedAt: new Date().toISOString(),
    durationMs: 0,
    resumed: false,
    timeZone: 'UTC',
    customersTotal: 0,
    customersScanned: 0,
    customersReused: 0,
    customersFailed: 0,
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

/** A scanner whose scans end when the test says so. */
class HeldScanner {
  scans = 0;
  private finishers: (() => void)[] = [];

  findExpiringSubscriptions(): Promise<ScanSummary> {
    this.scans++;
    return new Promise((resolve) => this.finishers.push(() => resolve(summary(`scan-${this.scans}`))));
  }

  finishAll(): void {
    for (const finish of this.finishers.splice(0)) finish();
  }
}

function runner(store: Store, owner: string, scanner = new HeldScanner()): { runner: ScanRunner; scanner: HeldScanner } {
  return { runner: new ScanRunner({ scanner, logger: silentLogger, leases: new LeaseManager(store), owner, leaseTtlMs: TTL_MS }), scanner };
}

/** What a SIGKILLed scan leaves in the store: the lease, held by its owner, renewed by nobody. */
async function crashedScanOf(store: Store, owner: string): Promise<void> {
  expect(await new LeaseManager(store).acquire('scan', owner, TTL_MS)).toBeDefined();
}

describe('the scan lease', () => {
  const temp = tempDir('kma-scan-lease-');
  afterAll(() => temp.remove());

  it('an instance keeps its owner id across restarts; two instances on one host differ; port 0 is never reused', () => {
    expect(stableInstanceId('bot-host', '/var/data', 3978)).toBe(stableInstanceId('bot-host', '/var/data', 3978));
    expect(stableInstanceId('bot-host', '/var/data', 3978)).not.toBe(stableInstanceId('bot-host', '/var/data', 3979));
    expect(stableInstanceId('bot-host', '/var/data', 3978)).not.toBe(stableInstanceId('bot-host', '/var/other', 3978));
    expect(stableInstanceId('bot-host', '/var/data', 3978)).not.toBe(stableInstanceId('other-host', '/var/data', 3978));
    expect(stableInstanceId('bot-host', '/var/data', 0)).not.toBe(stableInstanceId('bot-host', '/var/data', 0));
  });

  it('restarted after a crash mid-scan, the same instance scans again at once', async () => {
    const store = openSqliteStore(`${temp.dir}/restart`);
    const me = stableInstanceId('bot-host', `${temp.dir}/restart`, 3978);
    await crashedScanOf(store, me);
    const { runner: restarted, scanner } = runner(store, stableInstanceId('bot-host', `${temp.dir}/restart`, 3978));
    expect(await restarted.start({ reason: 'command' })).toEqual({ started: true });
    scanner.finishAll();
    await restarted.whenIdle();
    await store.close();
  });

  it('another instance is refused while the crashed scan’s lease runs, and scans within its TTL', async () => {
    const store = openSqliteStore(`${temp.dir}/other`);
    await crashedScanOf(store, 'instance-that-died');
    const crashedAt = Date.now();
    const { runner: other, scanner } = runner(store, 'instance-b');
    expect(await other.start({ reason: 'command' })).toEqual({ started: false });
    let started = false;
    while (!started && Date.now() - crashedAt < 3 * TTL_MS) {
      await sleep(TTL_MS / 10);
      started = (await other.start({ reason: 'command' })).started;
    }
    expect(started).toBe(true);
    expect(Date.now() - crashedAt).toBeLessThan(TTL_MS + TTL_MS / 2);
    scanner.finishAll();
    await other.whenIdle();
    await store.close();
  });

  it('a live scan keeps its lease for as long as it runs: the heartbeat renews it', async () => {
    const store = openSqliteStore(`${temp.dir}/live`);
    const { runner: a, scanner: scannerA } = runner(store, 'instance-a');
    const { runner: b, scanner: scannerB } = runner(store, 'instance-b');
    expect(await a.start({ reason: 'schedule' })).toEqual({ started: true });
    // Four TTLs with no progress from the scan (one very slow customer): B never gets in.
    const until = Date.now() + 4 * TTL_MS;
    while (Date.now() < until) {
      expect(await b.start({ reason: 'command' })).toEqual({ started: false });
      await sleep(TTL_MS / 6);
    }
    scannerA.finishAll();
    await a.whenIdle();
    // Released when it finished: B scans at once.
    expect(await b.start({ reason: 'command' })).toEqual({ started: true });
    expect(scannerB.scans).toBe(1);
    scannerB.finishAll();
    await b.whenIdle();
    await store.close();
  });

  it('after a real SIGKILL mid-scan the restarted instance scans at once while another is still refused; nobody got it while the scan lived', async () => {
    // Longer than the other tests' TTL: the child's heartbeat must beat on a busy machine too.
    const childTtlMs = 2000;
    const dataDir = `${temp.dir}/sigkill`;
    const owner = stableInstanceId('bot-host', dataDir, 3978);
    const root = join(__dirname, '..', '..');
    const store = openSqliteStore(dataDir);
    const child = spawn(process.execPath, ['-r', join(root, 'scripts', 'chaosRegister.cjs'), join(__dirname, 'scanLeaseChild.ts'), dataDir, owner, String(childTtlMs)], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('scanning') && resolve());
      child.on('exit', () => reject(new Error(`the scanning instance ended: ${stderr}`)));
    });

    // While it lives, its heartbeat keeps the scan for it, across several TTLs.
    const { runner: other, scanner: otherScanner } = runner(store, 'instance-b');
    const aliveUntil = Date.now() + 2 * childTtlMs;
    while (Date.now() < aliveUntil) {
      expect(await other.start({ reason: 'command' })).toEqual({ started: false });
      await sleep(TTL_MS / 4);
    }

    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    const killedAt = Date.now();
    // Another instance is still refused right after the kill; the restarted one (same host, data dir, port) is not.
    expect(await other.start({ reason: 'command' })).toEqual({ started: false });
    const { runner: restarted, scanner } = runner(store, stableInstanceId('bot-host', dataDir, 3978));
    expect(await restarted.start({ reason: 'command' })).toEqual({ started: true });
    expect(Date.now() - killedAt).toBeLessThan(childTtlMs / 2);
    scanner.finishAll();
    await restarted.whenIdle();
    expect(await other.start({ reason: 'command' })).toEqual({ started: true });
    otherScanner.finishAll();
    await other.whenIdle();
    await store.close();
  }, 60_000);
});
