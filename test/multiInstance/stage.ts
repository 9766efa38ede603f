/**
 * Two bot processes on one Azure Table store (Azurite, started here) against one sandbox process, as two App
 * Service instances would run; replies go to a fake Bot Connector in this process. Each bot is `bot/index.ts`
 * exactly as `npm start` runs it, configured through its environment.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnEntry, stopProcess, waitForLine } from '../../scripts/chaosProcess';
import { openAzureTableStore, type Store } from '../../services/store';
import { startAzurite, type RunningAzurite } from '../store/azurite';
import { postActivity, type TeamsUser } from '../support/activities';
import { FakeConnector } from '../support/fakeConnector';

export const KAIZALA_SKU = '00000000-0000-4000-8000-00000000c0de';
export const MEGAN: TeamsUser = { id: '29:megan', aadObjectId: '00000000-0000-0000-0000-0000000000021', name: 'Megan Bowen' };
export const ADELE: TeamsUser = { id: '29:adele', aadObjectId: '00000000-0000-0000-0000-0000000000022', name: 'Adele Vance' };

const TABLE_PREFIX = 'kmami';
const SHARED_TOKEN_KEY = randomBytes(32).toString('hex');
const LOG_TAIL = 200;

export interface StageOptions {
  /** The sandbox's Partner Center limit per partner (and per customer), and the one the bots are told. */
  partnerRequestsPerMinute: number;
  leaseTtlSeconds: number;
  provisioningDelayMs: number;
  licensePath: 'graph' | 'partnerCenter';
}

/** One bot process. */
export class BotInstance {
  url = '';
  child?: ChildProcess;
  readonly logTail: string[] = [];
  readonly dataDir = mkdtempSync(join(tmpdir(), 'kma-multi-bot-'));

  constructor(readonly name: string) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get alive(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  async start(env: NodeJS.ProcessEnv): Promise<void> {
    const child = spawnEntry('bot/index', [], { ...env, DATA_DIR: this.dataDir });
    this.child = child;
    const keep = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() === '') continue;
        this.logTail.push(line);
        if (this.logTail.length > LOG_TAIL) this.logTail.shift();
      }
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const [, url] = await waitForLine(child, /Bot listening on (http:\/\/[^\s]+)\/api\/messages/, 120_000);
    this.url = url;
  }

  async post(activity: object): Promise<{ status: number; body: unknown }> {
    const reply = await postActivity(this.url, activity);
    if (reply.status >= 300) throw new Error(`${this.name} answered ${reply.status} ${JSON.stringify(reply.body)}\n${this.logTail.slice(-20).join('\n')}`);
    return reply;
  }

  async kill(): Promise<void> {
    if (this.child && this.alive) await stopProcess(this.child, 'SIGKILL');
  }

  async stop(): Promise<void> {
    if (this.child && this.alive) await stopProcess(this.child, 'SIGTERM');
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

export class TwoInstanceStage {
  readonly connector = new FakeConnector();
  readonly bots = [new BotInstance('bot A'), new BotInstance('bot B')];
  sandboxUrl = '';
  /** The store both bots share, opened here to read what they wrote. */
  store!: Store;
  private azurite?: RunningAzurite;
  private sandbox?: ChildProcess;

  constructor(readonly options: StageOptions) {}

  async start(): Promise<void> {
    await this.connector.start();
    this.azurite = await startAzurite();
    this.store = await openAzureTableStore(this.azurite.connectionString, { tablePrefix: TABLE_PREFIX });
    this.sandbox = spawnEntry('sandbox/main', ['--port', '0', '--in-memory', '--seed', 'demo'], { ...baseEnvironment(), SANDBOX_PORT: '0' });
    const [, url] = await waitForLine(this.sandbox, /sandbox listening on (http:\/\/[^\s]+)/, 120_000);
    this.sandboxUrl = url;
    const limit = this.options.partnerRequestsPerMinute;
    await this.admin('PUT', '/knobs', {
      partnerRequestsPerMinute: limit,
      customerRequestsPerMinute: limit,
      provisioningDelayMs: this.options.provisioningDelayMs,
      orderListLagMs: 0,
    });
    // One after the other: two transpiling starts at once would only compete for the same cores.
    for (const bot of this.bots) await bot.start(this.botEnvironment());
  }

  botEnvironment(): NodeJS.ProcessEnv {
    return {
      ...baseEnvironment(),
      NODE_ENV: 'development',
      PORT: '0',
      LOG_LEVEL: 'info',
      STORE: 'azure',
      AZURE_STORAGE_CONNECTION_STRING: this.azurite?.connectionString ?? '',
      AZURE_TABLE_PREFIX: TABLE_PREFIX,
      // One key for both, as several instances are deployed: the partner admin's sealed sign-in is shared.
      TOKEN_ENCRYPTION_KEY: SHARED_TOKEN_KEY,
      PARTNER_CENTER_MODE: 'sandbox',
      PARTNER_CENTER_BASE_URL: `${this.sandboxUrl}/v1`,
      GRAPH_BASE_URL: `${this.sandboxUrl}/graph/v1.0`,
      PARTNER_CENTER_REQUESTS_PER_MINUTE: String(this.options.partnerRequestsPerMinute),
      MIGRATION_LEASE_TTL_SECONDS: String(this.options.leaseTtlSeconds),
      LICENSE_PATH: this.options.licensePath,
      // Scans happen when the test asks for them.
      ALERT_SCHEDULE: '0 0 1 1 *',
      // Nothing may leave the machine: an activity without a usable serviceUrl fails at once.
      HTTP_PROXY: 'http://127.0.0.1:9',
      HTTPS_PROXY: 'http://127.0.0.1:9',
      NO_PROXY: '127.0.0.1,localhost,::1',
    };
  }

  async admin<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.sandboxUrl}/_sandbox${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`sandbox ${method} ${path}: ${response.status} ${text}`);
    return JSON.parse(text) as T;
  }

  /** Which bot holds lease `name` now, from the owner id (it names the process id). */
  async leaseHolder(name: string): Promise<BotInstance | undefined> {
    const lease = (await this.store.get<{ owner?: string; expiresAtMs: number }>('leases', name))?.value;
    if (!lease?.owner || lease.expiresAtMs < Date.now()) return undefined;
    return this.bots.find((bot) => bot.pid !== undefined && lease.owner?.includes(`-${bot.pid}-`));
  }

  /** A line on stderr as the test goes (jest shows console output only at the end). */
  progress(line: string): void {
    process.stderr.write(`[multi-instance ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
  }

  logs(): string {
    return this.bots.map((bot) => `--- ${bot.name} ---\n${bot.logTail.slice(-40).join('\n')}`).join('\n');
  }

  async stop(): Promise<void> {
    for (const bot of this.bots) await bot.stop().catch(() => undefined);
    if (this.sandbox) await stopProcess(this.sandbox, 'SIGTERM').catch(() => undefined);
    await this.store?.close().catch(() => undefined);
    await this.azurite?.stop();
    await this.connector.stop();
  }
}

/** The child's environment: the system's, without any of the bot's settings from the caller's shell. */
function baseEnvironment(): NodeJS.ProcessEnv {
  const keep = ['PATH', 'HOME', 'TMPDIR', 'TMP', 'TEMP', 'LANG', 'SystemRoot'];
  return Object.fromEntries(keep.filter((key) => process.env[key] !== undefined).map((key) => [key, process.env[key]]));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function waitUntil<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined | false>, explain: () => string = () => ''): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${explain()}`);
    await sleep(250);
  }
}

/** The data of the card's Action.Submit titled `title`. */
export function findSubmit(card: unknown, title: string): Record<string, unknown> | undefined {
  let found: Record<string, unknown> | undefined;
  const walk = (node: unknown): void => {
    if (found) return;
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const record = node as Record<string, unknown>;
      if (record.type === 'Action.Submit' && record.title === title) found = (record.data as Record<string, unknown>) ?? {};
      else Object.values(record).forEach(walk);
    }
  };
  walk(card);
  return found;
}

/** A card's untouched inputs as Teams submits them: initial values, as strings. */
export function inputDefaults(card: unknown): Record<string, string> {
  const values: Record<string, string> = {};
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const record = node as Record<string, unknown>;
      if (typeof record.type === 'string' && record.type.startsWith('Input.') && typeof record.id === 'string' && record.value !== undefined) values[record.id] = String(record.value);
      Object.values(record).forEach(walk);
    }
  };
  walk(card);
  return values;
}

/** Every `migrate` action's subscription id on a card (one on an alert, one per row on a digest). */
export function alertedSubscriptions(card: unknown): string[] {
  const ids: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const record = node as Record<string, unknown>;
      const data = record.data as Record<string, unknown> | undefined;
      if (typeof record.type === 'string' && record.type.startsWith('Action.') && data?.command === 'migrate' && typeof data.subscriptionId === 'string') ids.push(data.subscriptionId);
      else Object.values(record).forEach(walk);
    }
  };
  walk(card);
  return ids;
}
