import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { benchCardRender } from '../bench/cardRender';
import { atLeast, atMost, meets, type BenchResult } from '../bench/result';
import { BENCHMARKS, DEFAULT_RESULTS_FILE, QUICK_RESULTS_FILE, parseBenchArgs, writeReport } from '../bench/run';
import { runBenchmarks, type Benchmark } from '../bench/runner';
import type { RecordedCall } from '../bench/scanSetup';
import { effectiveRate } from '../bench/scanUnderLimit';
import { busiestWindow, percentile } from '../bench/stats';
import { formatTable } from '../bench/table';

/**
 * The benchmarks' machinery, so it cannot rot between runs of `npm run bench`. No timings are asserted here:
 * the targets live in the benchmarks themselves.
 */
function expectWellFormed(result: BenchResult): void {
  expect(result.name).toMatch(/\S/);
  expect(result.unit).toMatch(/\S/);
  expect(Number.isFinite(result.value)).toBe(true);
  expect(['atLeast', 'atMost']).toContain(result.target.direction);
  expect(Number.isFinite(result.target.value)).toBe(true);
  expect(result.pass).toBe(meets(result.value, result.target));
  for (const value of Object.values(result.details)) expect(['string', 'number', 'boolean']).toContain(typeof value);
  expect(JSON.parse(JSON.stringify(result))).toEqual(result);
}

describe('the benchmark runner', () => {
  it('card rendering with 10 iterations produces a well-formed result covering every card in both languages', async () => {
    const [result, ...rest] = await benchCardRender({ iterations: 10 });
    expect(rest).toEqual([]);
    expectWellFormed(result);
    expect(result.unit).toBe('renders/s');
    expect(result.value).toBeGreaterThan(0);
    expect(result.details).toMatchObject({ iterations: 10, locales: 'en,de' });
    expect(result.details.renders).toBe(10 * 2 * Number(result.details.cards));
    expect(Number(result.details.cards)).toBeGreaterThanOrEqual(10);
  });

  it('runs benchmarks in order into one report, and reports one that throws as missed without losing the rest', async () => {
    const tiny: Benchmark = { id: 'cards', run: () => benchCardRender({ iterations: 1 }) };
    const broken: Benchmark = {
      id: 'broken',
      run: async () => {
        throw new Error('sandbox did not start');
      },
    };
    const seen: string[] = [];
    const report = await runBenchmarks([broken, tiny], 'quick', (results) => seen.push(...results.map((r) => r.name)));

    expect(report.mode).toBe('quick');
    expect(report.results.map((r) => r.name)).toEqual(['broken: did not complete', 'cards: renderCard, every card × en/de']);
    expect(seen).toEqual(report.results.map((r) => r.name));
    expect(report.results[0]).toMatchObject({ pass: false, details: { error: 'sandbox did not start' } });
    report.results.forEach(expectWellFormed);
    expect(report.machine.cpus).toBeGreaterThan(0);

    const table = formatTable(report.results);
    expect(table.split('\n')[0]).toMatch(/^Benchmark\s+Value\s+Unit\s+Target\s+Pass$/);
    expect(table).toContain('broken: did not complete');
    expect(table).toMatch(/renders\/s\s+≥ 200\s+(yes|NO)/);
    expect(table).toContain('error=sandbox did not start');

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kma-bench-test-'));
    try {
      const file = path.join(dir, 'nested', 'results.json');
      writeReport(report, file);
      expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual(report);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('has a quick and a full size for each of the five benchmarks, and reads its options', () => {
    expect(BENCHMARKS.map((b) => b.id)).toEqual(['scanThroughput', 'scanUnderLimit', 'alertPlanning', 'invokeLatency', 'cardRender']);
    expect(parseBenchArgs([])).toEqual({ mode: 'full', out: DEFAULT_RESULTS_FILE });
    expect(parseBenchArgs(['--quick'])).toEqual({ mode: 'quick', out: QUICK_RESULTS_FILE });
    expect(parseBenchArgs(['--quick', '--out', 'x.json'])).toEqual({ mode: 'quick', out: 'x.json' });
    expect(parseBenchArgs(['--out=y.json'])).toEqual({ mode: 'full', out: 'y.json' });
    expect(parseBenchArgs(['--out'])).toEqual({ problem: 'unknown or incomplete option: --out' });
    expect(parseBenchArgs(['--fast'])).toEqual({ problem: 'unknown or incomplete option: --fast' });
  });
});

describe('the measures behind the targets', () => {
  it('checks targets in their direction', () => {
    expect(meets(20, atLeast(20))).toBe(true);
    expect(meets(19.9, atLeast(20))).toBe(false);
    expect(meets(1000, atMost(1000))).toBe(true);
    expect(meets(1000.1, atMost(1000))).toBe(false);
    expect(meets(Number.NaN, atMost(1000))).toBe(false);
  });

  it('takes nearest-rank percentiles and the busiest sliding window', () => {
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(samples, 50)).toBe(50);
    expect(percentile(samples, 95)).toBe(95);
    expect(percentile(samples, 100)).toBe(100);
    expect(busiestWindow([0, 10, 20, 59_999, 60_000, 120_000], 60_000)).toBe(4);
    expect(busiestWindow([], 60_000)).toBe(0);
  });

  it('counts the rate from the first 429 on, and the busiest minute when the limit was never met', () => {
    const call = (sentAtMs: number, status = 200): RecordedCall => ({ service: 'partnerCenter', status, outcome: status === 200 ? 'ok' : 'retry', sentAtMs });
    // 500 calls at once (the full bucket), a 429 at 1 s, the bucket's last fraction of a token at once, then 100
    // calls over the next 12 s: 500 per minute.
    const burst = Array.from({ length: 500 }, (_, i) => call(i));
    const steady = [call(1_001), ...Array.from({ length: 100 }, (_, i) => call(1_000 + (i + 1) * 120))];
    const throttled = effectiveRate([...burst, call(1_000, 429), ...steady]);
    expect(throttled.perMinute).toBeCloseTo(500, 6);
    expect(throttled.measuredOver).toMatch(/^first 429 to the end \(12 s\)$/);

    const unthrottled = effectiveRate([call(0), call(30_000), call(70_000), call(80_000), call(85_000)]);
    expect(unthrottled).toEqual({ perMinute: 4, measuredOver: 'busiest 60 s window (never throttled)' });
  });
});
