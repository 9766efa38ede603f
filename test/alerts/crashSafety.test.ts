/**
 * Alerts survive crashes: a real node process runs the alerter against a SQLite file and is SIGKILLed in the middle
 * of a send, three times; afterwards every due alert has arrived (none lost), duplicates stay within what was in
 * flight at the kills (the documented crash-between-send-and-mark window), and the ledger holds every alert as sent.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { Assignments } from '../../services/alerts/assignments';
import { AlertLedger } from '../../services/alerts/alertLedger';
import { DIGEST_AFTER } from '../../services/alerts/expiryAlerter';
import type { AlertRunSummary } from '../../services/alerts/expiryAlerter';
import type { Person } from '../../services/domain/people';
import { openSqliteStore } from '../../services/store/sqliteStore';
import { CHILD_CONCURRENCY, type LoggedSend } from './crashAlerterChild';
import { row, saveRows, tempDir } from './support';

const ROOT = join(__dirname, '..', '..');
const LEASE_MS = 800;
const SEND_MS = 60;
const KILLS = 3;
/** Sends a child starts before it is killed (the kill lands while the last of them waits for "Teams"). */
const SENDS_BEFORE_KILL = 3;
const SINGLE_PEOPLE = 8;
const DIGEST_ROWS = DIGEST_AFTER + 2;

function person(i: number): Person {
  return { aadObjectId: `00000000-0000-0000-0000-${String(900 + i).padStart(12, '0')}`, name: `Person ${i}` };
}

function readLog(file: string): LoggedSend[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as LoggedSend);
}

function startChild(dataDir: string, logFile: string, clockOrigin: number) {
  const child = spawn(
    process.execPath,
    ['-r', join(ROOT, 'scripts', 'chaosRegister.cjs'), join(__dirname, 'crashAlerterChild.ts'), dataDir, logFile, String(clockOrigin), String(LEASE_MS), String(SEND_MS)],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, exited };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('alerts survive a SIGKILL mid-run', () => {
  const temp = tempDir('kma-alert-crash-');
  afterAll(() => temp.remove());

  it('after three kills in the middle of sends, every due alert arrives, duplicates stay within what was in flight', async () => {
    const dataDir = join(temp.dir, 'data');
    const logFile = join(temp.dir, 'sends.log');
    const store = openSqliteStore(dataDir);
    const expected: string[] = [];
    const assignments = new Assignments(store);
    // Eight people with five alerts each (single cards) and one with a digest.
    for (let p = 0; p <= SINGLE_PEOPLE; p++) {
      const rows = Array.from({ length: p === SINGLE_PEOPLE ? DIGEST_ROWS : DIGEST_AFTER }, (_, i) => row({ daysLeft: 3 + i }));
      await saveRows(store, ...rows);
      for (const r of rows) {
        await assignments.set(r.customerId, r.customerName, person(p), 'command');
        expected.push(`${person(p).aadObjectId}→${r.subscriptionId}`);
      }
    }
    await store.close();
    const clockOrigin = Date.now();

    const killed: number[] = [];
    for (let kill = 0; kill < KILLS; kill++) {
      const { child, exited } = startChild(dataDir, logFile, clockOrigin);
      const startedSends = () => readLog(logFile).filter((e) => e.pid === child.pid && e.event === 'sending').length;
      const deadline = Date.now() + 20_000;
      while (startedSends() < SENDS_BEFORE_KILL && child.exitCode === null && Date.now() < deadline) await sleep(2);
      expect(child.exitCode).toBeNull();
      child.kill('SIGKILL');
      expect((await exited).signal).toBe('SIGKILL');
      killed.push(child.pid!);
      // Claims of the dead process run out; a restart before that would (rightly) leave them to their holder.
      await sleep(LEASE_MS + 100);
    }

    const last = startChild(dataDir, logFile, clockOrigin);
    const finished = await last.exited;
    expect({ code: finished.code, stderr: finished.stderr }).toEqual({ code: 0, stderr: '' });
    const summary = JSON.parse(finished.stdout) as AlertRunSummary;
    expect(summary.failed).toBe(0);

    const log = readLog(logFile);
    // Each kill cut a send short: started, never answered, so its claim was left behind.
    for (const pid of killed) {
      const mine = log.filter((e) => e.pid === pid);
      expect(mine.filter((e) => e.event === 'sending').length).toBeGreaterThan(mine.filter((e) => e.event === 'delivered').length);
    }
    expect(summary.reclaimed).toBeGreaterThan(0);

    const delivered = log.filter((e) => e.event === 'delivered').flatMap((e) => e.subscriptionIds.map((s) => `${e.to}→${s}`));
    // Nothing lost.
    expect([...new Set(delivered)].sort()).toEqual([...expected].sort());
    // At most what was in flight at each kill arrives twice: one card for each other person being alerted, plus a digest.
    const inFlightPerKill = CHILD_CONCURRENCY - 1 + DIGEST_ROWS;
    expect(delivered.length - expected.length).toBeLessThanOrEqual(KILLS * inFlightPerKill);

    const after = openSqliteStore(dataDir);
    const records = await new AlertLedger(after).all();
    await after.close();
    expect(records.map((r) => r.value.status)).toEqual(expected.map(() => 'sent'));

    // A further run finds nothing due.
    const again = await startChild(dataDir, logFile, clockOrigin).exited;
    expect(JSON.parse(again.stdout)).toMatchObject({ due: 0, sent: 0 });
  }, 120_000);
});
