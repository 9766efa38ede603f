/**
 * The stranger fuzz: the real bot (`bot/index.ts`, local mode) as a child process against a sandbox child, a
 * scenario set up by its legitimate users, then thousands of hostile payloads from people it does not know.
 *
 * The bot runs as a child, not in the test process, so a payload that ends the process (an unhandled `error`
 * event, an unhandled rejection — Node 20 exits on both) is seen as what it is, a crash, without taking jest down;
 * the sandbox is its own process so the bot can be restarted after a crash without losing the ledger, and the
 * fuzz goes on to find the next failure. Replies go to a fake Bot Connector in this process (never the network).
 *
 * Used by test/fuzz/stranger.test.ts (2,000 payloads in `npm test`) and scripts/fuzz.ts (`npm run fuzz`).
 */
import * as http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { APPROVAL_VERBS } from '../../bot/approvalHandlers';
import { MAX_ACTIVITY_BYTES } from '../../bot/requestGuards';
import { ADAPTIVE_CARD_CONTENT_TYPE, fitsTeams, TEAMS_CARD_LIMITS, type AdaptiveCard } from '../../cards/render';
import { manageable } from '../../sandbox/gdap';
import type { CustomerAccess } from '../../sandbox/model';
import type { MigrationRequest } from '../../services/domain/request';
import type { MigrationRun } from '../../services/migration';
import { openSqliteStore, type Store, type TableName } from '../../services/store';
import { spawnEntry, stopProcess, waitForLine } from '../../scripts/chaosProcess';
import { botAddedActivity, executeActivity, messageActivity, type TeamsUser } from '../support/activities';
import { FakeConnector } from '../support/fakeConnector';
import { describePayload, generatePayload, type CardActionData, type FuzzContext, type FuzzTargets, type Payload } from './generator';

export interface FuzzOptions {
  seed: number;
  count: number;
  /** Payloads in flight at once; each lane sends its payloads one after the other. */
  lanes: number;
  /** Replay only these payload indices (of `count`'s numbering), e.g. to reproduce one failure. */
  only?: readonly number[];
  /** GET /healthz after every this many payloads (and at the end). */
  healthEvery: number;
  /** A payload without an answer after this long is a hang (Teams gives an invoke about 15 s). */
  requestTimeoutMs: number;
  /** Bodies near this size are tried just under and just over it. */
  bodyLimitBytes: number;
  log: (line: string) => void;
}

export const DEFAULT_FUZZ_OPTIONS: Omit<FuzzOptions, 'seed' | 'count' | 'log'> = {
  lanes: 4,
  healthEvery: 100,
  // Teams gives a bot 15 s to answer; later is no answer at all for the person.
  requestTimeoutMs: 15_000,
  // The bot's own limit: bodies are tried just under it (must be served) and just over it (413).
  bodyLimitBytes: MAX_ACTIVITY_BYTES,
};

/**
 * `turnError`: a turn threw into the adapter's last-resort handler, which also drops the person's dialog state.
 * `inert`: a reply (message, card, invoke answer) carries hostile text live: a bidi control, a line separator or `${`.
 * `oversize`: a reply is over what Teams accepts (TEAMS_CARD_LIMITS; the same 28 KB for a text message).
 */
export type FailureKind = '5xx' | 'crash' | 'hang' | 'health' | 'state' | 'turnError' | 'inert' | 'oversize';

/** One broken promise, minimized to what reproduces it. */
export interface FuzzFailure {
  kind: FailureKind;
  seed: number;
  index?: number;
  type?: string;
  name?: string;
  label?: string;
  status?: number;
  body?: string;
  detail?: string;
  /** The error reference in a 500 answer, to find its cause in the bot's log. */
  reference?: string;
}

/** Failures of one cause: how many, the first index, and the smallest payload that shows it. */
export interface DistinctFailure {
  signature: string;
  count: number;
  indices: number[];
  example: FuzzFailure;
  payload?: string;
}

export interface FuzzReport {
  seed: number;
  count: number;
  sent: number;
  durationMs: number;
  setupMs: number;
  /** HTTP status → payloads; `closed` = the server closed the connection without an answer (process still up). */
  byStatus: Record<string, number>;
  crashes: number;
  hangs: number;
  failures: FuzzFailure[];
  distinct: DistinctFailure[];
  /** ERROR lines the bot logged during the fuzz (e.g. a turn that threw), by message: reported, not failed on. */
  errorsLogged: Record<string, number>;
  targets: FuzzTargets;
  /** Replies checked for live hostile text and size, and how many of them show a hostile customer's name. */
  replies: { checked: number; withHostileCustomer: number };
  /** Rows of each protected table before the fuzz (what the state comparison covers). */
  protectedRows: Record<string, number>;
  /** Well-formed clicks on the set-up request and run by strangers (approve, reject, withdraw, retry, cancel): status → count. */
  aimed: Record<string, number>;
  /** The slowest answers (what makes a run long), slowest first. */
  slowest: Array<{ index: number; label: string; ms: number }>;
}

const ALEX: TeamsUser = { id: '29:alex', aadObjectId: '00000000-0000-0000-0000-0000000000020', name: 'Alex Wilber' };
/** The Agents Playground's Megan Bowen: one of local mode's default approvers. */
const MEGAN: TeamsUser = { id: '29:megan', aadObjectId: '00000000-0000-0000-0000-0000000000021', name: 'Megan Bowen' };
const KAIZALA_SKU = '00000000-0000-4000-8000-00000000c0de';
const ADAPTIVE_CARD = ADAPTIVE_CARD_CONTENT_TYPE;
/** Cap on the log lines kept for a crash's explanation. */
const LOG_TAIL = 400;

/**
 * Only what a stranger can never change is compared; the rest is theirs to change by design:
 * - `assignments`: any partner employee may `assign <customer> to me` (replacing someone) or `unassign` (README);
 * - `alertsSent`, `subscriptionsSeen`, `scanCursor`, `leases`, `meta`: any user may `scan now`, take a customer
 *   (which refreshes everyone's alert cards) or be welcomed.
 * Protected: every request, approval card record, run, alert preference, conversation reference and dialog state
 * that existed before the fuzz must be byte-for-byte the same afterwards; no run may appear; an audit entry may only
 * be added for a request that did not exist before; and the sandbox ledger (every state-changing Partner Center or
 * Graph call: orders, license moves, suspensions) must not grow at all.
 */
const PROTECTED_TABLES: readonly TableName[] = ['requests', 'approvals', 'runs', 'alertPrefs', 'conversationRefs', 'dialogState', 'audit'];

export type Snapshot = Map<TableName, Map<string, string>>;

interface SentReply {
  status: number;
  body: string;
}

/** Sends one request with full control of method, path, headers and body (fetch would add or refuse some). */
function send(baseUrl: string, method: string, path: string, headers: Record<string, string>, body: Buffer | undefined, timeoutMs: number, keepBytes = 65_536): Promise<SentReply> {
  return new Promise((resolve, reject) => {
    const url = new URL(baseUrl);
    const request = http.request(
      { host: url.hostname, port: url.port, method, path, headers: { ...headers, ...(body ? { 'content-length': String(body.length) } : {}) }, agent: false },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          if (size < keepBytes) chunks.push(chunk);
          size += chunk.length;
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', reject);
      },
    );
    const timer = setTimeout(() => request.destroy(new HangError(`no answer within ${timeoutMs} ms`)), timeoutMs);
    request.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    request.on('close', () => clearTimeout(timer));
    request.end(body);
  });
}

class HangError extends Error {}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Every Action.Submit / Action.Execute with data in a card, depth first. */
function actionsOf(card: unknown): CardActionData[] {
  const found: CardActionData[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const record = node as Record<string, unknown>;
      if ((record.type === 'Action.Submit' || record.type === 'Action.Execute') && record.data && typeof record.data === 'object') {
        found.push({ type: record.type, ...(typeof record.verb === 'string' ? { verb: record.verb } : {}), data: record.data as Record<string, unknown> });
      }
      Object.values(record).forEach(walk);
    }
  };
  walk(card);
  return found;
}

/** The two child processes, the connector, and how to (re)start the bot. */
class Stage {
  readonly connector = new FakeConnector();
  readonly dataDir = mkdtempSync(join(tmpdir(), 'kma-fuzz-'));
  sandboxUrl = '';
  botUrl = '';
  bot?: ChildProcess;
  private sandbox?: ChildProcess;
  readonly logTail: string[] = [];
  /** ERROR lines logged by the bot, counted by message and cause, once `countErrors` is on. */
  readonly errors: Record<string, number> = {};
  /** A logged error's reference (also in the 500 body or the user's message) → the error's first line. */
  readonly causes = new Map<string, string>();
  /** Called when a turn ends in the adapter's last-resort handler (`Unhandled error in a turn`), as it is logged. */
  onTurnError?: (reference: string) => void;
  countErrors = false;
  private exitWaiters: Array<() => void> = [];

  async start(): Promise<void> {
    await this.connector.start();
    this.sandbox = spawnEntry('sandbox/main', ['--port', '0', '--in-memory', '--seed', 'demo'], { ...baseEnvironment(), SANDBOX_PORT: '0' });
    const [, url] = await waitForLine(this.sandbox, /sandbox listening on (http:\/\/[^\s]+)/, 60_000);
    this.sandboxUrl = url;
    // Provisioning in 200 ms, orders listed at once: the set-up run takes seconds.
    await this.admin('PUT', '/knobs', { provisioningDelayMs: 200, orderListLagMs: 0 });
    await this.startBot();
  }

  async startBot(): Promise<void> {
    const bot = spawnEntry('bot/index', [], {
      ...baseEnvironment(),
      NODE_ENV: 'development',
      PORT: '0',
      DATA_DIR: this.dataDir,
      LOG_LEVEL: 'info',
      PARTNER_CENTER_MODE: 'sandbox',
      PARTNER_CENTER_BASE_URL: `${this.sandboxUrl}/v1`,
      GRAPH_BASE_URL: `${this.sandboxUrl}/graph/v1.0`,
      // Never during a fuzz run: the scans it sees are the ones strangers ask for.
      ALERT_SCHEDULE: '0 0 1 1 *',
      // A hostile activity without a usable serviceUrl makes botbuilder call Microsoft's default connector: through
      // a proxy nobody listens on, that fails at once instead of leaving the machine (or waiting for DNS).
      HTTP_PROXY: 'http://127.0.0.1:9',
      HTTPS_PROXY: 'http://127.0.0.1:9',
      NO_PROXY: '127.0.0.1,localhost,::1',
      // An unhandled rejection ends the process even if some library listens for them: it is counted as a crash.
      NODE_OPTIONS: '--unhandled-rejections=strict',
    });
    this.bot = bot;
    const keep = (line: string) => {
      this.logTail.push(line);
      if (this.logTail.length > LOG_TAIL) this.logTail.shift();
      const error = / ERROR (.*?)(?: (\{.*)|$)/.exec(line);
      if (!error) return;
      const fields = parseFields(error[2]);
      const cause = typeof fields.error === 'string' ? blur(fields.error.split('\n')[0]).slice(0, 160) : undefined;
      if (typeof fields.reference === 'string' && cause) this.causes.set(fields.reference, cause);
      if (this.countErrors && typeof fields.reference === 'string' && error[1] === 'Unhandled error in a turn') this.onTurnError?.(fields.reference);
      const key = cause ? `${error[1]}: ${cause}` : error[1];
      if (this.countErrors) this.errors[key] = (this.errors[key] ?? 0) + 1;
    };
    for (const stream of [bot.stdout, bot.stderr]) {
      let buffered = '';
      stream?.on('data', (chunk: Buffer) => {
        buffered += chunk.toString('utf8');
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        lines.forEach(keep);
      });
    }
    bot.once('exit', () => {
      const waiters = this.exitWaiters;
      this.exitWaiters = [];
      waiters.forEach((wake) => wake());
    });
    const [, url] = await waitForLine(bot, /Bot listening on (http:\/\/[^\s]+)\/api\/messages/, 60_000);
    this.botUrl = url;
  }

  botIsDown(): boolean {
    return !this.bot || this.bot.exitCode !== null || this.bot.signalCode !== null;
  }

  /** Resolves when the bot exits, or false after `ms`. */
  exitedWithin(ms: number): Promise<boolean> {
    if (this.botIsDown()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      this.exitWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  async healthy(): Promise<string | undefined> {
    try {
      const reply = await send(this.botUrl, 'GET', '/healthz', {}, undefined, 5_000);
      return reply.status === 200 && reply.body.includes('"ok"') ? undefined : `/healthz answered ${reply.status} ${reply.body.slice(0, 200)}`;
    } catch (error) {
      return `/healthz failed: ${error instanceof Error ? error.message : String(error)}`;
    }
  }

  async admin<T>(method: string, path: string, body?: unknown): Promise<T> {
    const reply = await send(this.sandboxUrl, method, `/_sandbox${path}`, body === undefined ? {} : { 'content-type': 'application/json' }, body === undefined ? undefined : Buffer.from(JSON.stringify(body)), 30_000, Infinity);
    if (reply.status >= 300) throw new Error(`sandbox ${method} ${path}: ${reply.status} ${reply.body.slice(0, 300)}`);
    return JSON.parse(reply.body) as T;
  }

  /** The ledger's last sequence number (`lastSeq` is the last of the page, so page to the end). */
  async ledgerLastSeq(): Promise<number> {
    for (let seq = 0; ; ) {
      const page = await this.admin<{ lastSeq: number }>('GET', `/ledger?afterSeq=${seq}&limit=5000`);
      if (page.lastSeq === seq) return seq;
      seq = page.lastSeq;
    }
  }

  async stop(): Promise<void> {
    if (this.bot) await stopProcess(this.bot, 'SIGTERM');
    if (this.sandbox) await stopProcess(this.sandbox, 'SIGTERM');
    await this.connector.stop();
  }

  cleanup(): void {
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

function parseFields(json: string | undefined): Record<string, unknown> {
  try {
    return json ? (JSON.parse(json) as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** Ids, references and numbers blurred, so the same cause with other data groups together. */
function blur(text: string): string {
  return text
    .replace(/"reference":"[^"]*"/g, '"reference":"…"')
    .replace(/with value "[^]*?" must be/g, 'with value … must be')
    .replace(/[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12,13}/gi, '<id>')
    .replace(/\d+/g, '#');
}

/** The child's environment: the system's, without any of the bot's own settings from the caller's shell. */
function baseEnvironment(): NodeJS.ProcessEnv {
  const keep = ['PATH', 'HOME', 'TMPDIR', 'TMP', 'TEMP', 'LANG', 'SystemRoot'];
  return Object.fromEntries(keep.filter((key) => process.env[key] !== undefined).map((key) => [key, process.env[key]]));
}

// --- the legitimate users' scenario ---------------------------------------------------------------------------

interface Scenario {
  targets: FuzzTargets;
  pendingRequestId: string;
  runId: string;
}

/**
 * Alex scans, takes a customer and requests two migrations through the wizard; Megan approves the second, whose run
 * completes against the sandbox. Strangers then aim at all of it: the pending request (approve, reject, withdraw),
 * the finished run (retry, cancel), the scanned customers (take, snooze, migrate, history).
 */
async function setUpScenario(stage: Stage, store: Store, log: (line: string) => void): Promise<Scenario> {
  const begun = Date.now();
  const phase = (what: string) => log(`  set-up: ${what} after ${Date.now() - begun} ms`);
  const post = async (activity: object) => {
    const reply = await send(stage.botUrl, 'POST', '/api/messages', { 'content-type': 'application/json' }, Buffer.from(JSON.stringify(activity)), 30_000);
    if (reply.status >= 300) throw new Error(`set-up: ${JSON.stringify(activity).slice(0, 200)} answered ${reply.status} ${reply.body.slice(0, 300)}`);
    return reply;
  };
  const options = (user: TeamsUser) => ({ serviceUrl: stage.connector.url, user });
  const cardsTo = (user: TeamsUser, from: number) =>
    stage.connector.sent
      .slice(from)
      .filter((sent) => sent.conversationId === `a:personal-${user.id}`)
      .flatMap((sent) => (sent.activity.attachments ?? []).filter((a) => a.contentType === ADAPTIVE_CARD).map((a) => a.content));

  // Partner Center data is untrusted too: customers named to break cards and messages, scanned like any other.
  const hostileNames: string[] = [];
  for (const companyName of HOSTILE_CUSTOMER_NAMES) {
    const created = await stage.admin<{ customer: { id: string; companyName: string } }>('POST', '/customers', { companyName, users: 3, kaizala: [{ endInDays: 20 }] });
    hostileNames.push(created.customer.companyName);
  }

  await post(botAddedActivity(options(ALEX)));
  await post(botAddedActivity(options(MEGAN)));
  await post(messageActivity('alerts all', options(ALEX)));
  await post(messageActivity('scan now', options(ALEX)));
  await waitUntil('the scan to finish', 90_000, async () => stage.connector.texts().some((text) => text.startsWith('Scan finished')));
  // The alerts follow the summary; wait until the connector has been quiet for a second.
  let seen = -1;
  await waitUntil('the alerts after the scan', 30_000, async () => {
    if (stage.connector.sent.length === seen) return true;
    seen = stage.connector.sent.length;
    await sleep(1_000);
    return false;
  });

  // Two demo customers whose migration can finish: one active Kaizala Pro subscription, every holder movable.
  const { customers } = await stage.admin<{ customers: Array<{ id: string; companyName: string }> }>('GET', '/customers');
  const eligible: Array<{ customerId: string; companyName: string; subscriptionId: string }> = [];
  for (const { id } of customers) {
    if (eligible.length === 2) break;
    const state = await stage.admin<SandboxCustomer>('GET', `/state/customers/${id}`);
    const access = state.customer.access;
    if (!manageable(access) || state.customer.profile === 'education') continue;
    const kaizala = state.subscriptions.filter((subscription) => subscription.sandbox.skuId === KAIZALA_SKU);
    if (kaizala.length !== 1 || kaizala[0].status !== 'active') continue;
    const holders = state.users.filter((user) => user.licenses.some((license) => license.skuId === KAIZALA_SKU));
    if (holders.length === 0 || holders.length > 60 || !holders.every((user) => user.usageLocation && user.licenses.every((license) => license.groupId === null))) continue;
    eligible.push({ customerId: id, companyName: state.customer.companyName, subscriptionId: kaizala[0].id });
  }
  if (eligible.length < 2) throw new Error('the demo seed has fewer than two customers a migration can finish for');

  phase('scan and alerts done');
  await post(messageActivity(`assign ${eligible[0].customerId} to me`, options(ALEX)));

  const requestIds: string[] = [];
  for (const customer of eligible) {
    const from = stage.connector.sent.length;
    await post(messageActivity('', options(ALEX), { command: 'migrate', customerId: customer.customerId, subscriptionId: customer.subscriptionId }));
    // Next (recommended plan) → Move all users → Next (default seats) → Request approval, each with the card's inputs.
    for (const title of ['Next', 'Move all users', 'Next', 'Request approval']) {
      const card = cardsTo(ALEX, from).reverse().find((candidate) => findSubmit(candidate, title));
      const button = findSubmit(card, title);
      if (!button) throw new Error(`set-up: the wizard card for ${customer.companyName} has no "${title}" button: ${JSON.stringify(card).slice(0, 500)}`);
      await post(messageActivity('', options(ALEX), { ...inputDefaults(card), ...button }));
    }
    const created = (await store.list<MigrationRequest>('requests')).map((item) => item.value).find((request) => request.customerId === customer.customerId);
    if (!created) throw new Error(`set-up: no request was created for ${customer.companyName}`);
    requestIds.push(created.id);
  }

  phase('two requests made');
  const [pendingRequestId, approvedRequestId] = requestIds;
  await post(executeActivity(APPROVAL_VERBS.approve, { requestId: approvedRequestId, version: 1 }, options(MEGAN)));
  const run = await waitUntil('the set-up run to finish', 60_000, async () => {
    const current = (await store.get<MigrationRun>('runs', approvedRequestId))?.value;
    return current && ['completed', 'parked', 'cancelled'].includes(current.status) ? current : undefined;
  });

  phase(`the run ${run.status}`);
  const scanned = await store.list<{ customerId?: string; subscriptionId?: string }>('subscriptionsSeen');
  return {
    pendingRequestId,
    runId: run.id,
    targets: {
      requestIds,
      runIds: [run.id],
      customerIds: [...new Set([...eligible.map((c) => c.customerId), ...customers.slice(0, 6).map((c) => c.id)])],
      customerNames: [...eligible.map((c) => c.companyName), ...customers.slice(0, 6).map((c) => c.companyName), ...hostileNames],
      subscriptionIds: [...new Set([...eligible.map((c) => c.subscriptionId), ...scanned.slice(0, 6).flatMap((item) => (item.value.subscriptionId ? [item.value.subscriptionId] : []))])],
    },
  };
}

/** Issue 9's names: a right-to-left override, a template expression, markdown with a link and an image, a line separator, 20,000 characters. */
const HOSTILE_CUSTOMER_NAMES: readonly string[] = [
  '\u202Egnp.exe\u202C Holdings',
  'Budget ${not approved} Ltd',
  '**Bold** [phish](https://evil.example/login) ![img](https://evil.example/x.png) GmbH',
  'Line\u2028Separator <at>Megan Bowen</at> &lt;b&gt; Inc',
  `Long ${'N'.repeat(20_000)}`,
];

interface SandboxCustomer {
  customer: { id: string; companyName: string; profile: string; access: CustomerAccess };
  subscriptions: Array<{ id: string; status: string; sandbox: { skuId: string } }>;
  users: Array<{ id: string; usageLocation: string | null; licenses: Array<{ skuId: string; groupId: string | null }> }>;
}

function findSubmit(card: unknown, title: string): Record<string, unknown> | undefined {
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
function inputDefaults(card: unknown): Record<string, string> {
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

async function waitUntil<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined | false>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`set-up: timed out waiting for ${what}`);
    await sleep(100);
  }
}

// --- stored state ---------------------------------------------------------------------------------------------

export async function snapshot(store: Store): Promise<Snapshot> {
  const tables: Snapshot = new Map();
  for (const table of PROTECTED_TABLES) {
    tables.set(table, new Map((await store.list(table)).map((item) => [item.key, JSON.stringify(item.value)])));
  }
  return tables;
}

/** What changed in the protected tables that no stranger may change (see PROTECTED_TABLES). */
export function stateViolations(before: Snapshot, after: Snapshot, baselineRequestIds: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  for (const table of PROTECTED_TABLES) {
    const old = before.get(table) ?? new Map<string, string>();
    const now = after.get(table) ?? new Map<string, string>();
    for (const [key, value] of old) {
      if (!now.has(key)) problems.push(`${table}/${key} was deleted (was ${value.slice(0, 300)})`);
      else if (now.get(key) !== value) problems.push(`${table}/${key} changed: ${value.slice(0, 300)} → ${(now.get(key) ?? '').slice(0, 300)}`);
    }
    for (const [key, value] of now) {
      if (old.has(key)) continue;
      if (table === 'runs') problems.push(`runs/${key} appeared: ${value.slice(0, 300)}`);
      if (table === 'requests') {
        const request = JSON.parse(value) as MigrationRequest;
        if (request.status !== 'pending') problems.push(`requests/${key} appeared already ${request.status}: ${value.slice(0, 300)}`);
      }
      if (table === 'audit' || table === 'approvals') {
        const requestId = table === 'approvals' ? key.split('/')[0] : (JSON.parse(value) as { requestId?: string }).requestId;
        if (requestId && baselineRequestIds.has(requestId)) problems.push(`${table}/${key} was added to a request that existed before: ${value.slice(0, 300)}`);
      }
    }
  }
  return problems;
}

// --- the run --------------------------------------------------------------------------------------------------

/** The reference in a 500 body (`"reference":"…"`) or in the person's "something went wrong" message. */
function referenceIn(text: string): string | undefined {
  const match = /"reference":"([^"]+)"|\b[Rr]eferen(?:ce|z) ([0-9a-f]{8})\b/.exec(text);
  return match?.[1] ?? match?.[2];
}

/**
 * What must never reach a person from hostile input (issue 9: "bidi controls and invisibles removed", no `${`):
 * the fuzz sends these in names, reasons and commands, and the bot's own texts contain none of them.
 */
const LIVE_HOSTILE_TEXT: ReadonlyArray<[RegExp, string]> = [
  [/[\u202A-\u202E\u2066-\u2069]/, 'a bidi control'],
  [/[\u2028\u2029]/, 'a line/paragraph separator'],
  [/\$\{/, '"${"'],
];

/** Hostile text left live anywhere in a reply, and a reply larger than Teams takes. */
function replyProblems(where: string, content: unknown): Array<{ kind: 'inert' | 'oversize'; detail: string }> {
  const problems: Array<{ kind: 'inert' | 'oversize'; detail: string }> = [];
  const found = new Set<string>();
  const walk = (node: unknown): void => {
    if (typeof node === 'string') {
      for (const [pattern, name] of LIVE_HOSTILE_TEXT) {
        if (found.has(name) || !pattern.test(node)) continue;
        found.add(name);
        const at = node.search(pattern);
        problems.push({ kind: 'inert', detail: `${where} contains ${name}: ${JSON.stringify(node.slice(Math.max(0, at - 40), at + 40))}` });
      }
    } else if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') Object.values(node).forEach(walk);
  };
  walk(content);
  return problems;
}

function sizeProblem(where: string, card: unknown): { kind: 'oversize'; detail: string } | undefined {
  if (!card || typeof card !== 'object' || fitsTeams(card as AdaptiveCard)) return undefined;
  const bytes = Buffer.byteLength(JSON.stringify(card), 'utf8');
  return { kind: 'oversize', detail: `${where} is ${bytes} bytes (UTF-8), over Teams' ${TEAMS_CARD_LIMITS.utf8Bytes}/${TEAMS_CARD_LIMITS.utf16Bytes} (UTF-8/UTF-16)` };
}

/** A sent activity's problems: its text and every card it carries. */
export function sentActivityProblems(activity: { text?: string; attachments?: Array<{ contentType: string; content: unknown }> }, how: string) {
  const problems: Array<{ kind: 'inert' | 'oversize'; detail: string }> = [];
  if (typeof activity.text === 'string') {
    problems.push(...replyProblems(`${how} text`, activity.text));
    if (Buffer.byteLength(activity.text, 'utf8') > TEAMS_CARD_LIMITS.utf8Bytes) problems.push({ kind: 'oversize', detail: `${how} text is over ${TEAMS_CARD_LIMITS.utf8Bytes} bytes` });
  }
  for (const attachment of activity.attachments ?? []) {
    problems.push(...replyProblems(`${how} card`, attachment.content));
    const size = attachment.contentType === ADAPTIVE_CARD ? sizeProblem(`${how} card`, attachment.content) : undefined;
    if (size) problems.push(size);
  }
  return problems;
}

function excerpt(text: string, length = 200): string {
  return text.length > length ? `${text.slice(0, length)}…(${text.length} chars)` : text;
}

/** The payload as it is sent, shortened for a report (huge strings cut, so the shape stays readable). */
export function payloadExcerpt(payload: Payload, length = 700): string {
  if (payload.kind === 'raw') {
    const body = payload.body ? excerpt(payload.body.toString('utf8').replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`), 200) : '(none)';
    return `${payload.method} ${excerpt(payload.path, 80)} ${JSON.stringify(payload.headers)} body: ${body}`;
  }
  const shortened = JSON.stringify(payload.activity, (_key, value: unknown) =>
    typeof value === 'string' && value.length > 60
      ? `${value.slice(0, 40)}…(${value.length} chars)`
      : Array.isArray(value) && value.length > 8
        ? [...value.slice(0, 3), `…(${value.length} items)`]
        : value,
  );
  return excerpt(shortened ?? 'undefined', length);
}

/** A stranger's Action.Execute on the set-up request or run with its real id and a plausible version. */
function isAimed(payload: Payload, targets: FuzzTargets): boolean {
  if (payload.kind !== 'activity') return false;
  const activity = payload.activity as { type?: unknown; name?: unknown; value?: { action?: { verb?: unknown; data?: { requestId?: unknown; runId?: unknown; version?: unknown } } } };
  const data = activity.type === 'invoke' && activity.name === 'adaptiveCard/action' ? activity.value?.action?.data : undefined;
  if (!data || typeof data !== 'object' || (data.version !== 1 && data.version !== 2)) return false;
  return (typeof data.requestId === 'string' && targets.requestIds.includes(data.requestId)) || (typeof data.runId === 'string' && targets.runIds.includes(data.runId));
}

/** Groups failures by cause: kind, payload type and name, status, and the body with ids and numbers blurred. */
function signatureOf(failure: FuzzFailure): string {
  const what = failure.kind === '5xx' ? (failure.detail ?? failure.body) : failure.kind === 'crash' ? failure.label : failure.detail?.replace(/ \(one of payloads [^)]*\)/, '');
  const body = blur(what ?? '').slice(0, 160);
  const name = failure.name?.startsWith('adaptiveCard/action') ? 'adaptiveCard/action' : failure.name;
  // A turn error is grouped by its cause alone: the same throw from a message or a conversationUpdate is one bug.
  if (failure.kind === 'turnError') return [failure.kind, body].join(' | ');
  return [failure.kind, failure.type, name, failure.status, body].filter((part) => part !== undefined).join(' | ');
}

export async function runStrangerFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const started = Date.now();
  const stage = new Stage();
  let store: Store | undefined;
  const failures: FuzzFailure[] = [];
  const payloads = new Map<number, Payload>();
  const byStatus: Record<string, number> = {};
  let crashes = 0;
  let hangs = 0;
  let sent = 0;
  let setupMs = 0;
  const slowest: FuzzReport['slowest'] = [];
  const aimed: FuzzReport['aimed'] = {};
  let protectedRows: FuzzReport['protectedRows'] = {};
  const replies: FuzzReport['replies'] = { checked: 0, withHostileCustomer: 0 };
  let targets: FuzzTargets = { requestIds: [], runIds: [], customerIds: [], customerNames: [], subscriptionIds: [] };
  try {
    await stage.start();
    store = openSqliteStore(stage.dataDir);
    options.log(`bot and sandbox started in ${Date.now() - started} ms`);
    const scenario = await setUpScenario(stage, store, options.log).catch((error: unknown) => {
      const replies = stage.connector.sent.map((reply) => `${reply.conversationId}: ${reply.activity.text ?? `[${(reply.activity.attachments ?? []).length} card(s)]`}`);
      throw new Error(`${error instanceof Error ? error.message : String(error)}\nreplies so far:\n${replies.join('\n')}\nbot log:\n${stage.logTail.slice(-30).join('\n')}`);
    });
    targets = scenario.targets;
    setupMs = Date.now() - started;
    options.log(`set up in ${setupMs} ms: pending request ${scenario.pendingRequestId}, run ${scenario.runId}; bot at ${stage.botUrl}`);

    const baseline = await snapshot(store);
    protectedRows = Object.fromEntries([...baseline].map(([table, rows]) => [table, rows.size]));
    options.log(`protected rows: ${Object.entries(protectedRows).map(([table, rows]) => `${table} ${rows}`).join(', ')}`);
    const baselineSeq = await stage.ledgerLastSeq();
    const baselineRequestIds = new Set(targets.requestIds);

    /** Payloads kept for the report: those that failed, or whose reply names a logged error. */
    const keep = new Set<number>();
    const record = (failure: Omit<FuzzFailure, 'seed'>) => {
      failures.push({ seed: options.seed, ...failure });
      if (failure.index !== undefined) keep.add(failure.index);
    };

    // The cards each stranger's conversation last got: the generator mutates their data and sends it back.
    const lastCards = new Map<string, CardActionData[]>();
    // A reply to a payload names its activity id (POST …/activities/{id}): the surest way to tie an error to it.
    const activityIds = new Map<string, number>();
    const referenceOwner = new Map<string, number>();
    const absorbReplies = () => {
      for (const reply of stage.connector.sent) {
        const repliedTo = reply.activityId ?? (typeof reply.activity.replyToId === 'string' ? reply.activity.replyToId : undefined);
        const owner = repliedTo !== undefined ? activityIds.get(repliedTo) : undefined;
        const reference = typeof reply.activity.text === 'string' ? referenceIn(reply.activity.text) : undefined;
        if (reference && owner !== undefined) referenceOwner.set(reference, owner);
        const actions = (reply.activity.attachments ?? []).flatMap((attachment) => actionsOf(attachment.content));
        if (actions.length > 0) lastCards.set(reply.conversationId, actions);
        const how = reply.method === 'PUT' ? 'an updated message' : 'a sent message';
        replies.checked++;
        if (/gnp\.exe|phish|Separator|not approved|NNNNNNNNNN/.test(JSON.stringify(reply.activity))) replies.withHostileCustomer++;
        for (const problem of sentActivityProblems(reply.activity, how)) {
          const payload = owner !== undefined ? payloads.get(owner) : undefined;
          record({ ...problem, ...(owner !== undefined ? { index: owner } : {}), ...(payload ? { ...describePayload(payload), label: payload.label } : {}) });
        }
      }
      stage.connector.clear();
    };
    // Every reply is checked, the set-up's too: its alerts and reports carry the hostile customers' names.
    absorbReplies();
    const context: FuzzContext = {
      serviceUrl: stage.connector.url,
      deadServiceUrl: 'http://127.0.0.1:9/',
      targets,
      bodyLimitBytes: options.bodyLimitBytes,
      lanes: options.lanes,
      cardDataIn: (conversationId) => lastCards.get(conversationId) ?? [],
    };
    stage.countErrors = true;

    const indices = options.only ? [...options.only] : Array.from({ length: options.count }, (_, index) => index);
    const inFlight = new Set<number>();
    /** The last payloads answered: a log line read just after its answer still finds its payload. */
    const retired: number[] = [];
    /** Turns that threw, with the payloads that were in flight (or just answered) when the error was logged. */
    const turnErrors: Array<{ reference: string; candidates: number[] }> = [];
    stage.onTurnError = (reference) => {
      const candidates = [...new Set([...inFlight, ...retired.slice(-2)])];
      candidates.forEach((index) => keep.add(index));
      turnErrors.push({ reference, candidates });
    };
    let recovering: Promise<void> | undefined;
    let aborted: string | undefined;
    let restarts = 0;


    const sendPayload = (payload: Payload, timeoutMs = options.requestTimeoutMs): Promise<SentReply> =>
      payload.kind === 'raw'
        ? send(stage.botUrl, payload.method, payload.path, payload.headers, payload.body, timeoutMs)
        : send(stage.botUrl, 'POST', '/api/messages', { 'content-type': 'application/json' }, Buffer.from(JSON.stringify(payload.activity) ?? ''), timeoutMs);

    /**
     * The bot died: restart it, then replay each payload that was in flight alone, to name the one that kills it.
     * Lanes wait meanwhile. Several dying payloads in flight are all found; one that only kills in company is
     * reported with the others that were in flight.
     */
    const recover = (suspects: number[]): Promise<void> => {
      recovering ??= (async () => {
        const tail = stage.logTail.slice(-15).join('\n');
        crashes++;
        const restart = async () => {
          if (++restarts > 20) throw new Error('the bot crashed more than 20 times; giving up');
          await stage.startBot();
        };
        await restart();
        const culprits: number[] = [];
        for (const index of suspects.sort((a, b) => a - b)) {
          const payload = payloads.get(index);
          if (!payload) continue;
          await sendPayload(payload).catch(() => undefined);
          if (await stage.exitedWithin(500)) {
            culprits.push(index);
            await restart();
          }
        }
        const named = culprits.length > 0 ? culprits : suspects;
        for (const index of named) {
          const payload = payloads.get(index);
          record({
            kind: 'crash',
            index,
            ...(payload ? { ...describePayload(payload), label: payload.label } : {}),
            detail: `${culprits.length > 0 ? 'the bot process exited (reproduced alone)' : `the bot process exited with payloads ${suspects.join(', ')} in flight`}; last log lines:\n${tail}`,
          });
        }
        options.log(`crash: payloads ${suspects.join(', ')} in flight, ${culprits.length > 0 ? `${culprits.join(', ')} kill it alone` : 'none kills it alone'}; restarted`);
      })()
        .catch((error: unknown) => {
          aborted = error instanceof Error ? error.message : String(error);
        })
        .finally(() => {
          recovering = undefined;
        });
      return recovering;
    };

    let next = 0;
    let done = 0;
    const lane = async () => {
      for (;;) {
        if (aborted) return;
        if (recovering) await recovering;
        if (next >= indices.length) return;
        const index = indices[next++];
        const payload = generatePayload(options.seed, index, context);
        payloads.set(index, payload);
        const activityId = payload.kind === 'activity' ? (payload.activity as { id?: unknown }).id : undefined;
        if (typeof activityId === 'string') activityIds.set(activityId, index);
        inFlight.add(index);
        const described = describePayload(payload);
        const sentAt = Date.now();
        let answeredAt = sentAt;
        try {
          const reply = await sendPayload(payload);
          answeredAt = Date.now();
          sent++;
          if (isAimed(payload, targets)) aimed[reply.status] = (aimed[reply.status] ?? 0) + 1;
          byStatus[reply.status] = (byStatus[reply.status] ?? 0) + 1;
          if (reply.status >= 500) {
            const reference = referenceIn(reply.body);
            record({ kind: '5xx', index, ...described, label: payload.label, status: reply.status, body: excerpt(reply.body), ...(reference ? { reference } : {}) });
          }
          else if (reply.body && described.type === 'invoke') {
            // An invoke's answer is a card (or a message) shown to the clicker at once: the same rules apply.
            const answer = parseFields(reply.body) as { type?: unknown; value?: unknown };
            const problems = [...replyProblems('the invoke answer', answer.value ?? reply.body)];
            const size = answer.type === ADAPTIVE_CARD ? sizeProblem('the invoke answer card', answer.value) : undefined;
            if (size) problems.push(size);
            for (const problem of problems) record({ ...problem, index, ...described, label: payload.label, status: reply.status });
          }
        } catch (error) {
          answeredAt = Date.now();
          sent++;
          if (error instanceof HangError && payload.label.includes('[serviceUrl]')) {
            // Known and open: a reply address that refuses connections (a dead port a local-mode stranger chose;
            // in production the token binds serviceUrl) makes botframework-connector's pipeline retry each send
            // with exponential back-off (up to ~14 s), so such a turn can exceed 15 s. Counted and printed, not
            // a failure: every other hang still is.
            byStatus.slowReplyAddress = (byStatus.slowReplyAddress ?? 0) + 1;
          } else if (error instanceof HangError) {
            hangs++;
            byStatus.hang = (byStatus.hang ?? 0) + 1;
            record({ kind: 'hang', index, ...described, label: payload.label, detail: error.message });
          } else if (await stage.exitedWithin(300)) {
            byStatus.crash = (byStatus.crash ?? 0) + 1;
            const suspects = [...inFlight];
            inFlight.delete(index);
            await recover(suspects);
            continue;
          } else {
            // The server closed the connection without an answer (e.g. refusing a body) but still runs.
            byStatus.closed = (byStatus.closed ?? 0) + 1;
          }
        } finally {
          inFlight.delete(index);
          const ms = answeredAt - sentAt;
          if (slowest.length < 10 || ms > slowest[slowest.length - 1].ms) {
            slowest.push({ index, label: payload.label.slice(0, 120), ms });
            slowest.sort((a, b) => b.ms - a.ms);
            slowest.length = Math.min(slowest.length, 10);
          }
        }
        // Keep only the latest cards per conversation (a 10,000-payload run would otherwise hold every reply).
        absorbReplies();
        // Only failed payloads are kept for the report (some are megabytes); the last few wait for late log lines.
        retired.push(index);
        while (retired.length > 4 * options.lanes) {
          const old = retired.shift() as number;
          if (!keep.has(old)) payloads.delete(old);
        }
        if (activityIds.size > 50_000) activityIds.clear();
        done++;
        if (done % options.healthEvery === 0) {
          const problem = await stage.healthy();
          if (problem && !recovering) record({ kind: 'health', index, detail: `after ${done} payloads: ${problem}` });
          if (done % 1_000 === 0) options.log(`${done}/${indices.length} payloads, ${failures.length} failures so far`);
        }
      }
    };
    await Promise.all(Array.from({ length: options.lanes }, () => lane()));
    if (aborted) record({ kind: 'crash', detail: aborted });
    options.log(`${sent} payloads sent in ${Date.now() - started - setupMs} ms`);

    // Let what the fuzz started settle (a scan a stranger asked for, card updates), then check the end state.
    await sleep(1_500);
    // A 500 names a reference; the bot's log line with it names the cause, which tells one bug from another.
    const answeredWith500 = new Set<string>();
    for (const failure of failures) {
      const reference = failure.reference;
      if (!reference) continue;
      answeredWith500.add(reference);
      const cause = stage.causes.get(reference);
      if (cause) failure.detail = `cause: ${cause}`;
    }
    // Turns that threw without a 5xx or a hang for the same payload (answered 200: the person got "something went
    // wrong" and lost their dialog, or nothing at all). Named by the reply, else by being the only one in flight.
    // botbuilder wraps a dialog's error (`DialogContextError: …`); the same error then reads the same.
    const bare = (text: string | undefined) => text?.replace(/^cause: /, '').replace(/^(?:\w*Error: )+/, '');
    /**
     * Several payloads were in flight when the error was logged: replay them one at a time (each cause once) and
     * name the one that logs the same error again, so every failure has a payload that reproduces it.
     */
    const replayed = new Set<string>();
    let replays = 0;
    const replayDeadline = Date.now() + 30_000;
    const replayAlone = async (candidates: readonly number[], cause: string): Promise<number | undefined> => {
      // One reproduction per cause is enough (the report groups by cause); a budget keeps a bad run short.
      const key = bare(cause) ?? cause;
      if (replayed.has(key) || replays >= 60 || Date.now() > replayDeadline) return undefined;
      replayed.add(key);
      let named: number | undefined;
      for (const candidate of [...candidates].sort((a, b) => a - b)) {
        const payload = payloads.get(candidate);
        // A payload that hung is reported already, and would only hang again.
        if (!payload || stage.botIsDown() || failedAlready.get(candidate)?.kind === 'hang') continue;
        const seen: string[] = [];
        stage.onTurnError = (reference) => seen.push(reference);
        replays++;
        // A turn error shows within seconds; a payload that takes longer (retrying a dead serviceUrl) is not it.
        await sendPayload(payload, 3_000).catch(() => undefined);
        await sleep(200);
        if (seen.some((reference) => bare(stage.causes.get(reference)) === bare(cause))) {
          named = candidate;
          break;
        }
      }
      stage.onTurnError = undefined;
      return named;
    };
    const failedAlready = new Map<number, FuzzFailure>();
    for (const failure of failures) if (failure.index !== undefined) failedAlready.set(failure.index, failure);
    for (const { reference, candidates } of turnErrors) {
      if (answeredWith500.has(reference)) continue;
      const cause = `cause: ${stage.causes.get(reference) ?? 'unknown'}`;
      // The fake connector always answers, so a refused connection is a reply to a dead serviceUrl that a stranger
      // chose: the known slow-reply-address case counted above, where the turn ends when the send gives up.
      if (/ECONNREFUSED/.test(cause)) continue;
      const index = referenceOwner.get(reference) ?? (candidates.length === 1 ? candidates[0] : undefined);
      // Already reported for its payload: as a hang (the error came when it gave up), or a 5xx with the same cause.
      const earlier = index !== undefined ? failedAlready.get(index) : undefined;
      if (earlier && (earlier.kind === 'hang' || bare(earlier.detail) === bare(cause))) continue;
      // Unnamed, but a payload in flight already failed with this cause.
      if (index === undefined && candidates.some((candidate) => bare(failedAlready.get(candidate)?.detail) === bare(cause))) continue;
      const named = index ?? (await replayAlone(candidates, cause));
      // No other payload repeats it, and one in flight hung: the hung turn gave up while it was being waited for.
      if (named === undefined && candidates.some((candidate) => failedAlready.get(candidate)?.kind === 'hang')) continue;
      const payload = named !== undefined ? payloads.get(named) : undefined;
      record({
        kind: 'turnError',
        ...(named !== undefined ? { index: named } : {}),
        ...(payload ? { ...describePayload(payload), label: payload.label } : {}),
        detail: `${cause}${named === undefined ? ` (one of payloads ${candidates.sort((a, b) => a - b).join(', ')}; none repeats it alone)` : ''}`,
      });
    }

    if (replays > 0) options.log(`${replays} payloads replayed alone to name the payload of a turn error`);
    // The end state, replays included (they are strangers' payloads too).
    const problem = await stage.healthy();
    if (problem) record({ kind: 'health', detail: `at the end: ${problem}` });
    const ledgerSeq = await stage.ledgerLastSeq();
    if (ledgerSeq !== baselineSeq) {
      const entries = await stage.admin<{ entries: unknown[] }>('GET', `/ledger?afterSeq=${baselineSeq}&limit=20`);
      record({ kind: 'state', detail: `the sandbox ledger grew by ${ledgerSeq - baselineSeq} state-changing calls: ${excerpt(JSON.stringify(entries.entries), 1_500)}` });
    }
    for (const change of stateViolations(baseline, await snapshot(store), baselineRequestIds)) record({ kind: 'state', detail: change });

    return {
      seed: options.seed,
      count: indices.length,
      sent,
      durationMs: Date.now() - started,
      setupMs,
      byStatus,
      crashes,
      hangs,
      failures,
      distinct: distinctFailures(failures, payloads),
      errorsLogged: { ...stage.errors },
      targets,
      protectedRows,
      replies,
      aimed,
      slowest,
    };
  } finally {
    await store?.close();
    await stage.stop();
    stage.cleanup();
  }
}

function distinctFailures(failures: readonly FuzzFailure[], payloads: ReadonlyMap<number, Payload>): DistinctFailure[] {
  const groups = new Map<string, DistinctFailure & { size: number }>();
  for (const failure of failures) {
    const signature = signatureOf(failure);
    const payload = failure.index !== undefined ? payloads.get(failure.index) : undefined;
    const size = payload ? payloadExcerpt(payload, 100_000).length : Number.MAX_SAFE_INTEGER;
    const group = groups.get(signature);
    if (!group) {
      groups.set(signature, { signature, count: 1, indices: failure.index !== undefined ? [failure.index] : [], example: failure, payload: payload && payloadExcerpt(payload), size });
      continue;
    }
    group.count++;
    if (failure.index !== undefined && group.indices.length < 10) group.indices.push(failure.index);
    // The smallest payload of the group is the clearest reproduction.
    if (size < group.size) Object.assign(group, { example: failure, payload: payload && payloadExcerpt(payload), size });
  }
  return [...groups.values()].map(({ size: _size, ...group }) => group).sort((a, b) => b.count - a.count);
}

/** A human summary: counts by status, crashes, hangs, then each distinct failure with how to replay it. */
export function formatReport(report: FuzzReport): string {
  const lines = [
    `stranger fuzz: seed ${report.seed}, ${report.sent}/${report.count} payloads in ${(report.durationMs / 1000).toFixed(1)} s (set-up ${(report.setupMs / 1000).toFixed(1)} s)`,
    `by status: ${Object.entries(report.byStatus).sort().map(([status, count]) => `${status}: ${count}`).join(', ')}`,
    `5xx: ${report.failures.filter((f) => f.kind === '5xx').length}, crashes: ${report.crashes}, hangs: ${report.hangs}, state changes: ${report.failures.filter((f) => f.kind === 'state').length}`,
  ];
  lines.push(`replies checked for live hostile text and size: ${report.replies.checked} (${report.replies.withHostileCustomer} show a hostile customer's name)`);
  lines.push(`well-formed clicks on the set-up request and run (approve, reject, withdraw, retry, cancel) by status: ${Object.entries(report.aimed).map(([status, count]) => `${status}: ${count}`).join(', ') || 'none'}`);
  lines.push(`slowest answers: ${report.slowest.slice(0, 5).map((entry) => `#${entry.index} ${entry.ms} ms (${entry.label})`).join('; ')}`);
  if (Object.keys(report.errorsLogged).length > 0) {
    lines.push(`errors the bot logged (not failures by themselves): ${Object.entries(report.errorsLogged).map(([message, count]) => `${message} ×${count}`).join('; ')}`);
  }
  if (report.distinct.length === 0) lines.push('no failures');
  for (const [number, group] of report.distinct.entries()) {
    const { example } = group;
    lines.push(
      `${number + 1}. ${group.signature} — ${group.count}× (${group.indices.length > 0 ? `indices ${group.indices.join(', ')}${group.count > group.indices.length ? ', …' : ''}` : 'no payload named'})`,
      ...(example.index !== undefined ? [`   replay: npm run fuzz -- --seed ${report.seed} --only ${example.index}  (${example.label ?? ''})`] : []),
      ...(group.payload ? [`   payload: ${group.payload}`] : []),
      ...(example.detail ? [`   detail: ${excerpt(example.detail, 1_200)}`] : []),
    );
  }
  return lines.join('\n');
}
