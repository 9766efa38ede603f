import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Browser, chromium, Page } from 'playwright-core';

/** Debian's Chromium; the project never downloads a browser. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface RunningPlayground {
  url: string;
  stop(): Promise<void>;
}

/** The mock users `scripts/playground.mjs --as` knows (the Playground's own default user is alex). */
export type PlaygroundUser = 'alex' | 'megan' | 'adele' | 'isaiah' | 'patti' | 'lynne';

/**
 * The Agents Playground CLI against a bot endpoint. Without `as`, it runs as its default user (Alex Wilber) in its
 * own working folder (it writes devTools/ there). With `as`, it is started through `scripts/playground.mjs --as`,
 * so the test exercises the same configuration file a developer gets from `npm run playground -- --as megan`.
 */
export async function startPlayground(botEndpoint: string, options: { as?: PlaygroundUser } = {}): Promise<RunningPlayground> {
  const port = await freePort();
  const common = ['--port', String(port)];
  let child: ChildProcess;
  let cwd: string | undefined;
  if (options.as === undefined) {
    cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'kma-playground-'));
    const cli = require.resolve('@microsoft/m365agentsplayground/cli.js');
    child = spawn(process.execPath, [cli, '--app-endpoint', botEndpoint, '--channel-id', 'msteams', '--disable-telemetry', ...common], {
      cwd,
      env: { ...process.env, TEAMSAPPTESTER_BROWSER: 'none' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
  } else {
    const launcher = path.resolve(__dirname, '../../scripts/playground.mjs');
    child = spawn(process.execPath, [launcher, '--as', options.as, ...common], {
      cwd: path.resolve(__dirname, '../..'),
      env: { ...process.env, BOT_ENDPOINT: botEndpoint },
      stdio: ['ignore', 'pipe', 'pipe'],
      // The launcher spawns the CLI as its own child: a process group lets stop() end both.
      detached: true,
    });
  }
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the Playground did not start within 30 s:\n${output}`)), 30_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(`Listening on ${port}`)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the Playground exited with ${code}:\n${output}`));
    });
  });
  // The launcher names the temporary folder it wrote the configuration to; it is removed with the Playground.
  cwd ??= /configuration in (\S+?)\)/.exec(output)?.[1];
  return {
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      if (child.exitCode === null && child.pid !== undefined) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        process.kill(-child.pid, 'SIGTERM');
        await exited;
      }
      if (cwd !== undefined) fs.rmSync(cwd, { recursive: true, force: true });
    },
  };
}

export async function openBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Types into the Playground's chat box and sends. */
export async function say(page: Page, text: string): Promise<void> {
  const box = page.locator('[data-lexical-editor="true"]');
  await box.click();
  await page.keyboard.type(text);
  await page.keyboard.press('Enter');
}
