import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type RunningSandbox } from '../../sandbox/server';
import { runConnectCommand } from '../../scripts/connect';
import { approveSandboxDeviceCode } from '../../services/auth';

describe('npm run connect against the sandbox', () => {
  let sandbox: RunningSandbox;
  let dataDir: string;

  beforeEach(async () => {
    sandbox = await startSandbox({ port: 0, seed: 'empty' });
    dataDir = mkdtempSync(join(tmpdir(), 'kma-connect-'));
  });
  afterEach(async () => {
    await sandbox.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const env = () => ({ DATA_DIR: dataDir, PARTNER_CENTER_BASE_URL: sandbox.partnerCenterBaseUrl, GRAPH_BASE_URL: sandbox.graphBaseUrl });

  it('prints the device code, and once it is approved through the admin API stores the connection (with MFA)', async () => {
    const lines: string[] = [];
    const running = runConnectCommand([], env(), (line) => lines.push(line));
    // The operator's part: read the code from the output and approve it at the sandbox.
    let code: string | undefined;
    for (let tries = 0; tries < 200 && !code; tries++) {
      code = /enter the code (\w+)/.exec(lines.join('\n'))?.[1];
      if (!code) await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(code).toBeDefined();
    expect(lines.join('\n')).toContain(`/_sandbox/identity/devicecodes/${code}/approve`);
    await approveSandboxDeviceCode(sandbox.url, code as string, 'admin@sandboxpartner.onmicrosoft.com', true);
    expect(await running).toBe(0);
    expect(lines.at(-1)).toMatch(/^Partner Center connection: connected as admin@sandboxpartner\.onmicrosoft\.com \(MFA, refresh token from /);

    const status: string[] = [];
    expect(await runConnectCommand(['--status'], env(), (line) => status.push(line))).toBe(0);
    expect(status).toEqual([expect.stringMatching(/connected as admin@sandboxpartner\.onmicrosoft\.com \(MFA/)]);
  });

  it('--status without a connection says so and exits 1; no running sandbox is a clear message', async () => {
    const lines: string[] = [];
    expect(await runConnectCommand(['--status'], env(), (line) => lines.push(line))).toBe(1);
    expect(lines).toEqual(['Not connected.']);
    await sandbox.close();
    const down: string[] = [];
    expect(await runConnectCommand([], env(), (line) => down.push(line))).toBe(1);
    expect(down[0]).toMatch(/No sandbox answers at http:\/\/127\.0\.0\.1:\d+: start the bot/);
  });
});
