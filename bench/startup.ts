/**
 * `npm start` to a healthy `/healthz` when nothing changed, against the bound of starting the built bot directly
 * (`node dist/bot/index.js`): the difference is what the start script's staleness check costs. Both run as child
 * processes with the same environment (local mode, embedded sandbox), alternately, median of the rounds.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { atMost, benchResult, type BenchResult } from './result';
import { median } from './stats';

export interface StartupOptions {
  /** Alternating rounds; the first start of a round warms the file cache for the second a little, so npm goes first. */
  rounds: number;
}

/** Issue 17's target: `npm start` within 2 × a bare start when `dist/` is current. */
const TARGET_RATIO = 2;
const HEALTHY_WITHIN_MS = 120_000;
/** The repository: this file runs as dist/bench/startup.js. */
const REPO_ROOT = path.resolve(__dirname, '..', '..');

export async function benchStartup(options: StartupOptions): Promise<BenchResult[]> {
  const npmStart: number[] = [];
  const bare: number[] = [];
  for (let round = 0; round < options.rounds; round++) {
    // "Nothing changed" at the moment npm starts: on a tree others are editing, bring dist/ up to date untimed first.
    await bringBuildUpToDate();
    npmStart.push(await timeToHealthy('npm', ['start']));
    bare.push(await timeToHealthy(process.execPath, ['dist/bot/index.js']));
  }
  const npmMs = median(npmStart);
  const bareMs = median(bare);
  return [
    benchResult({
      name: '`npm start` to /healthz, nothing changed',
      inputs: { rounds: options.rounds, mode: 'local (embedded sandbox)' },
      figures: { npmStartMs: Math.round(npmMs), bareNodeMs: Math.round(bareMs), npmStartRuns: npmStart.map(Math.round).join(','), bareRuns: bare.map(Math.round).join(',') },
      measured: npmMs,
      bound: { basis: '`node dist/bot/index.js`, same run', value: bareMs, unit: 'ms' },
      target: atMost(TARGET_RATIO),
    }),
  ];
}

function bringBuildUpToDate(): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['scripts/buildIfStale.mjs'], { cwd: REPO_ROOT }, (error) => (error ? reject(error) : resolve()));
  });
}

/** Milliseconds from spawning the command to the first 200 from its /healthz; the process group is then ended. */
async function timeToHealthy(command: string, args: readonly string[]): Promise<number> {
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kma-bench-start-'));
  const started = performance.now();
  // Its own process group, so `npm`'s shell and the node it starts are ended together.
  const child = spawn(command, args, {
    cwd: REPO_ROOT,
    detached: true,
    stdio: 'ignore',
    env: { ...process.env, PORT: String(port), SANDBOX_PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'error' },
  });
  try {
    await waitForHealthy(`http://127.0.0.1:${port}/healthz`, child);
    return performance.now() - started;
  } finally {
    await endGroup(child);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function waitForHealthy(url: string, child: ChildProcess): Promise<void> {
  const deadline = performance.now() + HEALTHY_WITHIN_MS;
  while (performance.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url}: the process exited with ${child.exitCode} before it was healthy`);
    try {
      const response = await fetch(url);
      await response.arrayBuffer();
      if (response.status === 200) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`${url} was not healthy within ${HEALTHY_WITHIN_MS} ms`);
}

async function endGroup(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }, 10_000);
  await exited;
  clearTimeout(timer);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
