/** Runs benchmarks one after another (they would distort each other's timings in parallel) into one report. */
import * as os from 'node:os';
import { atMost, benchResult, type BenchResult } from './result';

/** `quick` scales every benchmark down to finish in under three minutes; `full` is the run the README quotes. */
export type BenchMode = 'quick' | 'full';

export interface Benchmark {
  id: string;
  run(mode: BenchMode): Promise<BenchResult[]>;
}

export interface BenchReport {
  mode: BenchMode;
  startedAt: string;
  durationMs: number;
  machine: { node: string; platform: string; cpus: number; cpuModel: string };
  results: BenchResult[];
}

export async function runBenchmarks(
  benchmarks: readonly Benchmark[],
  mode: BenchMode,
  onResults: (results: readonly BenchResult[]) => void = () => undefined,
): Promise<BenchReport> {
  const startedAt = new Date();
  const started = performance.now();
  const results: BenchResult[] = [];
  for (const benchmark of benchmarks) {
    const produced = await runOne(benchmark, mode);
    results.push(...produced);
    onResults(produced);
  }
  const cpus = os.cpus();
  return {
    mode,
    startedAt: startedAt.toISOString(),
    durationMs: Math.round(performance.now() - started),
    machine: { node: process.version, platform: `${os.platform()} ${os.arch()}`, cpus: cpus.length, cpuModel: cpus[0]?.model ?? 'unknown' },
    results,
  };
}

/** A benchmark that throws is reported as failed, so one broken benchmark cannot hide the others' numbers. */
async function runOne(benchmark: Benchmark, mode: BenchMode): Promise<BenchResult[]> {
  try {
    return await benchmark.run(mode);
  } catch (error) {
    // No measurement: the ratio is NaN, which meets no target.
    return [
      benchResult({
        name: `${benchmark.id}: did not complete`,
        inputs: {},
        figures: { error: error instanceof Error ? error.message : String(error) },
        measured: Number.NaN,
        bound: { basis: 'none', value: Number.NaN, unit: '' },
        target: atMost(1),
      }),
    ];
  }
}
