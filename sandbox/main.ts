import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { knobsFromEnv } from './knobs';
import { startSandbox } from './server';

/**
 * Standalone sandbox: `node dist/sandbox/main.js [--customers N] [--seed demo|empty] [--port P] [--data-dir DIR]
 * [--in-memory] [--reset] [--generate-only]`. Env: SANDBOX_PORT (3979), DATA_DIR (./data), SANDBOX_<KNOB> for
 * every knob (see README.md), SANDBOX_CLOCK_OFFSET_MS.
 */
interface CliOptions {
  port: number;
  dataDir: string | undefined;
  seed: 'demo' | 'empty';
  customers: number | undefined;
  reset: boolean;
  generateOnly: boolean;
}

function fail(message: string): never {
  process.stderr.write(`sandbox: ${message}\n`);
  process.exit(2);
}

function parseArgs(argv: string[], env: NodeJS.ProcessEnv): CliOptions {
  const options: CliOptions = {
    port: Number(env.SANDBOX_PORT ?? 3979),
    dataDir: env.DATA_DIR ?? './data',
    seed: 'demo',
    customers: undefined,
    reset: false,
    generateOnly: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      const next = argv[++i];
      if (next === undefined) fail(`${arg} needs a value`);
      return next;
    };
    switch (arg) {
      case '--port':
        options.port = Number(value());
        break;
      case '--customers':
        options.customers = Number(value());
        break;
      case '--seed': {
        const seed = value();
        if (seed !== 'demo' && seed !== 'empty') fail('--seed must be demo or empty');
        options.seed = seed;
        break;
      }
      case '--data-dir':
        options.dataDir = value();
        break;
      case '--in-memory':
        options.dataDir = undefined;
        break;
      case '--reset':
        options.reset = true;
        break;
      case '--generate-only':
        options.generateOnly = true;
        options.reset = true;
        break;
      default:
        fail(`unknown argument ${arg}`);
    }
  }
  if (!Number.isInteger(options.port) || options.port < 0) fail('port must be a whole number');
  if (options.customers !== undefined && (!Number.isInteger(options.customers) || options.customers < 0)) {
    fail('--customers must be a whole number');
  }
  return options;
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2), process.env);
  if (options.reset && options.dataDir) {
    for (const suffix of ['', '-wal', '-shm']) rmSync(join(options.dataDir, `sandbox.sqlite${suffix}`), { force: true });
  }
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const started = Date.now();
  const sandbox = await startSandbox({
    port: options.generateOnly ? 0 : options.port,
    dataDir: options.dataDir,
    seed: options.seed,
    customers: options.customers,
    knobs: knobsFromEnv(process.env),
    log,
  });
  const offset = process.env.SANDBOX_CLOCK_OFFSET_MS;
  if (offset) {
    const answer = await fetch(`${sandbox.url}/_sandbox/clock`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ offsetMs: Number(offset) }),
    });
    if (!answer.ok) fail(`SANDBOX_CLOCK_OFFSET_MS refused: ${await answer.text()}`);
  }
  if (options.generateOnly) {
    await sandbox.close();
    log(`sandbox: wrote ${options.dataDir ?? 'memory'} in ${Date.now() - started} ms`);
    return;
  }
  log(`sandbox listening on ${sandbox.url} (Partner Center ${sandbox.partnerCenterBaseUrl}, Graph ${sandbox.graphBaseUrl})`);
  const stop = () => {
    void sandbox.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`sandbox: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
