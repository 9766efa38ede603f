/**
 * The crash harness: its verdict catches each broken promise in a ledger, and the real harness (sandbox and
 * worker as child processes, the worker SIGKILLed 3 times) finishes 2 migrations with every invariant intact.
 * Children run from the TypeScript sources through scripts/chaosRegister.cjs (transpile-only, cached): no build.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { evaluateChaos, type ChaosRequest, type LedgerRecord } from '../../scripts/chaosInvariants';
import { parseChaosArgs } from '../../scripts/chaos';

const KAIZALA = '00000000-0000-4000-8000-00000000c0de';
const PLAN = '3b555118-da6a-4418-894f-7df1e2096870';
const request: ChaosRequest = {
  requestId: 'MR-AAAAAAAAAA',
  customerId: 'c1',
  customerName: 'Contoso',
  kaizalaSubscriptionId: 'kaizala-sub',
  kaizalaSkuId: KAIZALA,
  targets: { u1: PLAN, u2: PLAN },
  initialLicenses: { u1: [KAIZALA], u2: [KAIZALA] },
};

let seq = 0;
const order = (): LedgerRecord => ({ seq: ++seq, actor: 'client', operation: 'checkout', customerId: 'c1', changes: [{ kind: 'order', orderId: `o${seq}`, before: null, after: 'pending' }] });
const licenses = (userId: string, before: string[], after: string[]): LedgerRecord => ({
  seq: ++seq,
  actor: 'client',
  operation: 'assignLicense',
  customerId: 'c1',
  changes: [{ kind: 'userLicenses', userId, userPrincipalName: `${userId}@contoso`, before, after }],
});
const suspension = (consumedUnits: number): LedgerRecord => ({
  seq: ++seq,
  actor: 'client',
  operation: 'patchSubscription',
  customerId: 'c1',
  changes: [{ kind: 'subscription', subscriptionId: 'kaizala-sub', skuId: KAIZALA, after: { status: 'suspended' }, consumedUnits }],
});
const completed = [{ id: request.requestId, status: 'completed', step: 'completed' }];

describe('the chaos verdict', () => {
  test('a clean migration passes', () => {
    const ledger = [order(), licenses('u1', [KAIZALA], [PLAN]), licenses('u2', [KAIZALA], [PLAN]), suspension(0)];
    expect(evaluateChaos([request], ledger, completed)).toEqual({
      ok: true,
      violations: [],
      invariants: { ordersPerRequest: { 'MR-AAAAAAAAAA': 1 }, usersWithoutLicense: 0, suspensionsBeforeAllMoved: 0, runsNotFinished: 0, duplicateLicenseCallsThatChangedState: 0 },
    });
  });

  test('each broken promise is counted and named', () => {
    const ledger = [
      order(),
      order(),
      licenses('u1', [KAIZALA], []),
      licenses('u1', [], [PLAN]),
      licenses('u1', [PLAN], [PLAN, KAIZALA]),
      suspension(1),
      licenses('u2', [KAIZALA], [PLAN]),
    ];
    const verdict = evaluateChaos([request], ledger, [{ id: request.requestId, status: 'parked', step: 'verify', parked: { code: 'otherKaizalaHolders', detail: 'x' } }]);
    expect(verdict.ok).toBe(false);
    expect(verdict.invariants).toEqual({
      ordersPerRequest: { 'MR-AAAAAAAAAA': 2 },
      // u1 held nothing for a moment; u2 still held only Kaizala when it was suspended.
      usersWithoutLicense: 2,
      suspensionsBeforeAllMoved: 1,
      runsNotFinished: 1,
      duplicateLicenseCallsThatChangedState: 1,
    });
    expect(verdict.violations).toHaveLength(5);
  });

  test('arguments are validated', () => {
    expect(parseChaosArgs(['--kills', '3', '--runs', '2', '--json', '--faults', '--seed', '9'])).toMatchObject({ kills: 3, runs: 2, json: true, faults: true, seed: 9 });
    expect(() => parseChaosArgs(['--runs', '2'])).toThrow('--kills is required');
    expect(() => parseChaosArgs(['--kills', 'x'])).toThrow('--kills must be a whole number');
    expect(() => parseChaosArgs(['--kills', '1', '--bogus'])).toThrow('unknown argument --bogus');
  });
});

describe('npm run chaos -- --kills 3 --runs 2 --json', () => {
  test('every invariant holds after three SIGKILLs', async () => {
    const root = join(__dirname, '..', '..');
    const child = spawn(
      process.execPath,
      ['-r', join(root, 'scripts', 'chaosRegister.cjs'), join(root, 'scripts', 'chaos.ts'), '--kills', '3', '--runs', '2', '--json', '--seed', '11', '--timeout', '50'],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const report = JSON.parse(lines[0]);
    expect(report).toMatchObject({
      ok: true,
      violations: [],
      kills: { done: 3, workerStarts: 4 },
      invariants: { usersWithoutLicense: 0, suspensionsBeforeAllMoved: 0, runsNotFinished: 0, duplicateLicenseCallsThatChangedState: 0 },
    });
    expect(Object.values(report.invariants.ordersPerRequest)).toEqual([1, 1]);
    expect(report.runs.map((run: { status: string; outcome: string }) => [run.status, run.outcome])).toEqual([
      ['completed', 'suspended'],
      ['completed', 'suspended'],
    ]);
  }, 60_000);
});
