/**
 * Runs the crash harness as a user would, in a child process straight from the TypeScript sources (through
 * scripts/chaosRegister.cjs: transpile-only, cached, no build), and collects what it printed.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { ChaosReport } from '../../scripts/chaosHarness';

export const PROJECT_ROOT = join(__dirname, '..', '..');

export interface ChaosOutcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `command` is `node` (the script itself) or `npm` (`npm run -s chaos --`, as the README tells people to). */
export function runChaosCli(args: string[], options: { env?: NodeJS.ProcessEnv; via?: 'node' | 'npm' } = {}): Promise<ChaosOutcome> {
  const [command, prefix] =
    options.via === 'npm'
      ? ['npm', ['run', '-s', 'chaos', '--']]
      : [process.execPath, ['-r', join(PROJECT_ROOT, 'scripts', 'chaosRegister.cjs'), join(PROJECT_ROOT, 'scripts', 'chaos.ts')]];
  const child = spawn(command, [...prefix, ...args], { cwd: PROJECT_ROOT, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The one JSON object a `--json` run prints; fails the test if stdout holds anything else. */
export function reportOf(outcome: ChaosOutcome): ChaosReport {
  const lines = outcome.stdout.split('\n').filter((line) => line !== '');
  if (lines.length !== 1) throw new Error(`expected exactly one line of JSON on stdout, got ${lines.length}:\n${outcome.stdout}\n--- stderr:\n${outcome.stderr}`);
  return JSON.parse(lines[0]) as ChaosReport;
}
