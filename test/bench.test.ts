import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { atLeast, atMost, benchResult, meets, ratioTo, type BenchResult } from '../bench/result';
import { BENCHMARKS, DEFAULT_RESULTS_FILE, QUICK_RESULTS_FILE, parseBenchArgs, writeReport } from '../bench/run';
import { runBenchmarks, type Benchmark } from '../bench/runner';
import type { RecordedCall } from '../bench/scanSetup';
import { boundAtLimit, throttledShare } from '../bench/scanAtLimit';
import { busiestWindow, median, percentile } from '../bench/stats';
import { formatTable } from '../bench/table';

/**
 * The benchmarks' machinery, so it cannot rot between runs of `npm run bench`: the results' schema and the ratio
 * arithmetic. No timings are measured or asserted here, and no benchmark is run.
 */
function expectWellFormed(result: BenchResult): void {
  expect(Object.keys(result).sort()).toEqual(['bound', 'conditions', 'figures', 'inputs', 'measured', 'name', 'pass', 'ratio', 'target'].sort());
  expect(result.name).toMatch(/\S/);
  expect(result.bound.basis).toMatch(/\S/);
  expect(['atLeast', 'atMost']).toContain(result.target.direction);
  expect(Number.isFinite(result.target.value)).toBe(true);
  for (const value of [...Object.values(result.inputs), ...Object.values(result.figures)]) expect(['string', 'number', 'boolean']).toContain(typeof value);
  for (const condition of result.conditions) expect(typeof condition.met).toBe('boolean');
  expect(result.pass).toBe(meets(result.ratio, result.target) && result.conditions.every((condition) => condition.met));
}

/** A benchmark whose measurement is given, so the runner and the table can be checked without timing anything. */
function fixed(id: string, measured: number, boundValue: number, conditions: { label: string; met: boolean }[] = []): Benchmark {
  return {
    id,
    run: async () => [
      benchResult({
        name: `${id}: fixed`,
        inputs: { size: 3 },
        figures: { note: 'given' },
        measured,
        bound: { basis: 'given bound', value: boundValue, unit: 's' },
        target: atMost(1.1),
        conditions,
      }),
    ],
  };
}

describe('a benchmark result', () => {
  it('is the measured figure divided by its bound, passing only when the ratio meets the target and every condition holds', () => {
    const within = benchResult({ name: 'x', inputs: {}, figures: {}, measured: 52.5, bound: { basis: 'calls ÷ 500/min', value: 50, unit: 's' }, target: atMost(1.05) });
    expect(within.ratio).toBe(1.05);
    expect(within.pass).toBe(true);
    expectWellFormed(within);

    const over = benchResult({ name: 'x', inputs: {}, figures: {}, measured: 52.6, bound: { basis: 'b', value: 50, unit: 's' }, target: atMost(1.05) });
    expect(over.ratio).toBe(1.052);
    expect(over.pass).toBe(false);

    const failedCondition = benchResult({
      name: 'x',
      inputs: {},
      figures: {},
      measured: 50,
      bound: { basis: 'b', value: 50, unit: 's' },
      target: atMost(1.05),
      conditions: [{ label: '≤ 1 % of calls answered 429', met: false }],
    });
    expect(failedCondition.ratio).toBe(1);
    expect(failedCondition.pass).toBe(false);
    expectWellFormed(failedCondition);

    const throughput = benchResult({ name: 't', inputs: {}, figures: {}, measured: 161, bound: { basis: 'echo', value: 421, unit: 'turns/s' }, target: atLeast(0.7) });
    expect(throughput.ratio).toBe(0.382);
    expect(throughput.pass).toBe(false);
  });

  it('has no ratio, and so no pass, without a usable bound', () => {
    expect(ratioTo(10, 0)).toBeNaN();
    expect(ratioTo(10, Number.NaN)).toBeNaN();
    expect(ratioTo(Number.NaN, 5)).toBeNaN();
    const result = benchResult({ name: 'x', inputs: {}, figures: {}, measured: 1, bound: { basis: 'b', value: 0, unit: 's' }, target: atMost(100) });
    expect(result.pass).toBe(false);
  });

  it('checks targets in their direction', () => {
    expect(meets(0.7, atLeast(0.7))).toBe(true);
    expect(meets(0.699, atLeast(0.7))).toBe(false);
    expect(meets(1.1, atMost(1.1))).toBe(true);
    expect(meets(1.1001, atMost(1.1))).toBe(false);
    expect(meets(Number.NaN, atMost(1000))).toBe(false);
  });
});

describe('the benchmark runner', () => {
  it('runs benchmarks in order into one report, and reports one that throws as missed without losing the rest', async () => {
    const broken: Benchmark = {
      id: 'broken',
      run: async () => {
        throw new Error('sandbox did not start');
      },
    };
    const seen: string[] = [];
    const report = await runBenchmarks([broken, fixed('scan', 105, 100), fixed('moves', 100, 100, [{ label: 'nobody unlicensed', met: false }])], 'quick', (results) =>
      seen.push(...results.map((r) => r.name)),
    );

    expect(report.mode).toBe('quick');
    expect(report.results.map((r) => r.name)).toEqual(['broken: did not complete', 'scan: fixed', 'moves: fixed']);
    expect(seen).toEqual(report.results.map((r) => r.name));
    expect(report.results.map((r) => r.pass)).toEqual([false, true, false]);
    expect(report.results[0].figures).toEqual({ error: 'sandbox did not start' });
    report.results.forEach(expectWellFormed);
    expect(report.machine.cpus).toBeGreaterThan(0);

    const table = formatTable(report.results);
    expect(table.split('\n')[0]).toMatch(/^Scenario\s+Measured\s+Bound\s+Ratio\s+Target\s+Pass$/);
    expect(table).toMatch(/scan: fixed\s+105 s\s+100 \(given bound\)\s+1\.05\s+≤ 1\.1\s+yes/);
    expect(table).toContain('MISSED: nobody unlicensed');
    expect(table).toContain('error=sandbox did not start');

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kma-bench-test-'));
    try {
      const file = path.join(dir, 'nested', 'results.json');
      writeReport(report, file);
      // NaN (the broken benchmark's ratio) becomes null in JSON, which is what a reader of the file sees.
      const written = JSON.parse(fs.readFileSync(file, 'utf8')) as typeof report;
      expect(written.results[0].ratio).toBeNull();
      expect(written.results.slice(1)).toEqual(report.results.slice(1));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("has every scenario of issue 17, and reads its options", () => {
    expect(BENCHMARKS.map((b) => b.id)).toEqual(['scanAtLimit', 'alertFanOut', 'licenseMoves', 'turnLatency', 'scanMemory', 'runSaveCost', 'startup']);
    expect(parseBenchArgs([])).toEqual({ mode: 'full', out: DEFAULT_RESULTS_FILE });
    expect(parseBenchArgs(['--quick'])).toEqual({ mode: 'quick', out: QUICK_RESULTS_FILE });
    expect(parseBenchArgs(['--quick', '--out', 'x.json'])).toEqual({ mode: 'quick', out: 'x.json' });
    expect(parseBenchArgs(['--out=y.json'])).toEqual({ mode: 'full', out: 'y.json' });
    expect(parseBenchArgs(['--out'])).toEqual({ problem: 'unknown or incomplete option: --out' });
    expect(parseBenchArgs(['--fast'])).toEqual({ problem: 'unknown or incomplete option: --fast' });
  });
});

describe('the measures behind the ratios', () => {
  it('bounds a scan by its calls at the limit, and counts the share answered 429', () => {
    expect(boundAtLimit(1000, 500)).toEqual({ basis: 'calls ÷ 500/min', value: 120, unit: 's' });
    const call = (status: number): RecordedCall => ({ service: 'partnerCenter', status, outcome: status === 200 ? 'ok' : 'retry', sentAtMs: 0 });
    expect(throttledShare([...Array.from({ length: 99 }, () => call(200)), call(429)])).toBe(1);
    expect(throttledShare([])).toBe(0);
  });

  it('takes nearest-rank percentiles, medians and the busiest sliding window', () => {
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(samples, 50)).toBe(50);
    expect(percentile(samples, 99)).toBe(99);
    expect(percentile(samples, 100)).toBe(100);
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
    expect(busiestWindow([0, 10, 20, 59_999, 60_000, 120_000], 60_000)).toBe(4);
    expect(busiestWindow([], 60_000)).toBe(0);
  });
});
