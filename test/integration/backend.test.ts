import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectBackend, type Backend } from '../../bot/backend';
import { loadConfig } from '../../bot/config';
import { silentLogger } from '../../services/logging';
import { IN_MEMORY, openSqliteStore } from '../../services/store';
import { startSandbox, type RunningSandbox } from '../../sandbox/server';
import { SandboxAdmin } from './support';

/** The bot's own wiring (bot/backend.ts) from a config read the way the bot reads it. */
describe('connectBackend in sandbox mode', () => {
  let dataDir: string;
  let backend: Backend | undefined;
  let external: RunningSandbox | undefined;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'kma-integration-'));
  });

  afterEach(async () => {
    await backend?.close();
    await external?.close();
    backend = undefined;
    external = undefined;
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts the embedded demo sandbox (state in DATA_DIR) and passes its readiness check', async () => {
    const config = loadConfig({ SANDBOX_PORT: '0', DATA_DIR: dataDir });
    backend = await connectBackend(config.partnerCenter, config.dataDir, silentLogger, openSqliteStore(IN_MEMORY));

    expect(backend.embeddedSandbox).toBeDefined();
    expect(backend.partnerCenterBaseUrl).toBe(backend.embeddedSandbox?.partnerCenterBaseUrl);
    expect(backend.graphBaseUrl).toBe(backend.embeddedSandbox?.graphBaseUrl);
    expect(new URL(backend.partnerCenterBaseUrl).hostname).toBe('127.0.0.1');
    expect(new URL(backend.partnerCenterBaseUrl).port).not.toBe('3979');
    await expect(backend.readiness.check()).resolves.toBeUndefined();
    expect(existsSync(join(dataDir, 'sandbox.sqlite'))).toBe(true);

    const customers = await backend.partnerCenter.listAllCustomers();
    expect(customers).toHaveLength(44);
    const tenant = customers[0].id;
    expect((await backend.graph.listSubscribedSkus(tenant)).length).toBeGreaterThan(0);
    expect((await backend.partnerCenter.listSubscribedSkus(tenant)).length).toBeGreaterThan(0);
  });

  it('uses an already running sandbox named by PARTNER_CENTER_BASE_URL and GRAPH_BASE_URL, starting none', async () => {
    external = await startSandbox({ port: 0, seed: 'empty' });
    const admin = new SandboxAdmin(external);
    const only = await admin.addCustomer({ companyName: 'Only Customer Ltd', users: 3 });

    const config = loadConfig({
      DATA_DIR: dataDir,
      PARTNER_CENTER_BASE_URL: external.partnerCenterBaseUrl,
      GRAPH_BASE_URL: external.graphBaseUrl,
    });
    backend = await connectBackend(config.partnerCenter, config.dataDir, silentLogger, openSqliteStore(IN_MEMORY));

    expect(backend.embeddedSandbox).toBeUndefined();
    expect(backend.partnerCenterBaseUrl).toBe(external.partnerCenterBaseUrl);
    await expect(backend.readiness.check()).resolves.toBeUndefined();
    expect(existsSync(join(dataDir, 'sandbox.sqlite'))).toBe(false);

    const customers = await backend.partnerCenter.listAllCustomers();
    expect(customers.map((customer) => customer.id)).toEqual([only.id]);
    const users = await backend.graph.listUsers(only.id);
    expect(users.map((user) => user.id).sort()).toEqual(only.users.map((user) => user.id).sort());
    expect(await admin.requestsSince(0)).not.toEqual([]);
  });
});
