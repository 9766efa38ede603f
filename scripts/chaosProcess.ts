/**
 * How the crash harness starts its child processes from either form of the project: compiled (`npm run build`,
 * then `node dist/scripts/chaos.js`: children run from dist/) or straight from the sources (`node -r
 * ./scripts/chaosRegister.cjs scripts/chaos.ts`, and inside jest: children transpile on the fly).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const compiled = __filename.endsWith('.js');
/** The project root in source form, or dist/ in compiled form. */
const base = join(__dirname, '..');
export const PROJECT_ROOT = compiled ? join(base, '..') : base;

/** Starts `entry` (e.g. `sandbox/main`) as a node child process with piped output. */
export function spawnEntry(entry: string, args: string[], env: NodeJS.ProcessEnv = process.env): ChildProcess {
  const script = join(base, `${entry}${compiled ? '.js' : '.ts'}`);
  if (!existsSync(script)) throw new Error(`Cannot start ${script}: ${compiled ? 'run `npm run build` first' : 'file missing'}`);
  const nodeArgs = compiled ? [script, ...args] : ['-r', join(PROJECT_ROOT, 'scripts', 'chaosRegister.cjs'), script, ...args];
  return spawn(process.execPath, nodeArgs, { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Resolves with the first stdout line matching `pattern` (its match), rejects if the process exits or time runs out. */
export function waitForLine(child: ChildProcess, pattern: RegExp, timeoutMs: number, onLine?: (line: string) => void): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    let stderr = '';
    const cleanup = () => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onError);
      child.off('exit', onExit);
    };
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        onLine?.(line);
        const match = line.match(pattern);
        if (match) {
          cleanup();
          resolve(match);
          return;
        }
      }
    };
    const onError = (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-4000);
    };
    const onExit = (code: number | null, signal: string | null) => {
      cleanup();
      reject(new Error(`process exited (${code ?? signal}) before printing ${pattern}: ${stderr.trim()}`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`no ${pattern} within ${timeoutMs} ms: ${stderr.trim()}`));
    }, timeoutMs);
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onError);
    child.once('exit', onExit);
  });
}

/** Sends `signal` and waits for the process to be gone. */
export async function stopProcess(child: ChildProcess, signal: NodeJS.Signals, timeoutMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), timeoutMs).unref());
  if ((await Promise.race([exited, timer])) === 'timeout') {
    child.kill('SIGKILL');
    await exited;
  }
}
