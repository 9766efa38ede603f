/**
 * Mutation self-test of the crash harness: the worker with one promise broken (CHAOS_MUTANT, read only by
 * scripts/chaosWorker.ts; see scripts/chaosMutants.ts) while it tells the runner all went well must make the
 * harness fail and name the broken invariant; the real worker, on the same seed and customer, passes. Small on
 * purpose (one run of at most 40 users, one SIGKILL, all four harnesses at once) so it stays well under two minutes.
 */
import type { ChaosReport } from '../../scripts/chaosHarness';
import { reportOf, runChaosCli, type ChaosOutcome } from './support';

const ARGS = ['--kills', '1', '--runs', '1', '--max-users', '40', '--seed', '5', '--timeout', '45', '--json'];

function harnessWith(mutant: string | undefined): Promise<ChaosOutcome> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.CHAOS_MUTANT;
  if (mutant !== undefined) env.CHAOS_MUTANT = mutant;
  return runChaosCli(ARGS, { env });
}

/** The names of the broken invariants, as the violations start. */
const broken = (report: ChaosReport) => [...new Set(report.violations.map((violation) => violation.split(':')[0]))].sort();

describe('the crash harness fails every mutant of the worker', () => {
  let outcomes: Record<'real' | 'skipMove' | 'skipSuspend' | 'buyTwice', ChaosOutcome>;

  beforeAll(async () => {
    const [real, skipMove, skipSuspend, buyTwice] = await Promise.all([harnessWith(undefined), harnessWith('skipMove'), harnessWith('skipSuspend'), harnessWith('buyTwice')]);
    outcomes = { real, skipMove, skipSuspend, buyTwice };
  }, 150_000);

  test('the real worker passes', () => {
    const { real } = outcomes;
    expect({ code: real.code, stderr: real.code === 0 ? '' : real.stderr }).toEqual({ code: 0, stderr: '' });
    expect(reportOf(real)).toMatchObject({ ok: true, violations: [], kills: { done: 1 }, runs: [{ status: 'completed', outcome: 'suspended' }] });
  });

  test('a worker that skips the license move but reads it back as done fails: users not moved, a finished run contradicted', () => {
    const report = reportOf(outcomes.skipMove);
    expect(outcomes.skipMove.code).toBe(1);
    // The worker's store believes it: the run completed and says Kaizala was suspended.
    expect(report.runs).toMatchObject([{ status: 'completed', outcome: 'suspended' }]);
    expect(report.invariants.usersNotMoved).toBe(report.runs[0].users);
    expect(broken(report)).toEqual(expect.arrayContaining(['usersNotMoved', 'finishedRunsContradicted', 'suspensionsBeforeAllMoved']));
  });

  test('a worker that skips the suspension but reports it done fails: Kaizala not as promised, a finished run contradicted', () => {
    const report = reportOf(outcomes.skipSuspend);
    expect(outcomes.skipSuspend.code).toBe(1);
    expect(report.runs).toMatchObject([{ status: 'completed', outcome: 'suspended' }]);
    // Nothing in the ledger is wrong (no call was made): only the sandbox's end state shows it.
    expect(broken(report)).toEqual(['finishedRunsContradicted', 'kaizalaNotAsPromised']);
  });

  test('a worker that buys twice fails: two orders in the ledger and in the end state', () => {
    const report = reportOf(outcomes.buyTwice);
    expect(outcomes.buyTwice.code).toBe(1);
    expect(Object.values(report.invariants.ordersPerRequest)).toEqual([2]);
    expect(Object.values(report.invariants.newOrdersPerRequest)).toEqual([2]);
    // Whether the run then completes or parks on the ambiguous purchase depends on where the kill fell.
    expect(broken(report)).toEqual(expect.arrayContaining(['newOrdersPerRequest', 'ordersPerRequest']));
  });

  test('an unknown mutant is refused, not run as the real worker', async () => {
    const outcome = await harnessWith('skipEverything');
    expect(outcome.code).toBe(2);
    expect(outcome.stdout).toBe('');
    expect(outcome.stderr).toContain('CHAOS_MUTANT must be one of skipMove, skipSuspend, buyTwice; got "skipEverything"');
  }, 60_000);
});
