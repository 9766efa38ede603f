import { APPROVAL_VERBS } from '../bot/approvalHandlers';
import { RunningBot, startBot } from '../bot/index';
import type { LedgerChange, LedgerEntry } from '../sandbox/model';
import type { MigrationRequest } from '../services/domain/request';
import { createLogger } from '../services/logging';
import type { MigrationRun } from '../services/migration';
import { testConfig } from './support/config';
import { FakeConnector, type SentActivity } from './support/fakeConnector';
import { botAddedActivity, executeActivity, messageActivity, postActivity, type TeamsUser } from './support/activities';

/**
 * The journey of an EEA enterprise-size customer through the real composition root: the wizard recommends the
 * EEA "(no Teams)" suite together with Microsoft Teams EEA and says why, the approver approves once, and the run
 * buys both in one cart (one order), gives every user both licenses and verifies both before suspending Kaizala.
 * Checked against the embedded sandbox's state and ledger.
 */

const ALEX: TeamsUser = { id: '29:alex', aadObjectId: '00000000-0000-0000-0000-0000000000020', name: 'Alex Wilber' };
const MEGAN: TeamsUser = { id: '29:megan', aadObjectId: '00000000-0000-0000-0000-0000000000021', name: 'Megan Bowen' };
const APPROVERS = [MEGAN.aadObjectId, '00000000-0000-0000-0000-0000000000022'].join(',');

/** The demo customer in the Netherlands with more Kaizala users than the 300-seat Business cap and no enterprise suite. */
const CUSTOMER_NAME = 'Blue Yonder Airlines';
const KAIZALA_SKU = '00000000-0000-4000-8000-00000000c0de';
const E1_EEA_SKU = 'b57282e3-65bd-4252-9502-c0eae1e5ab7f';
const TEAMS_EEA_SKU = '7e74bd05-2c47-404e-829a-ba95c66fe8e5';
const PLAN_TITLE = 'Office 365 E1 EEA (no Teams) + Microsoft Teams EEA';
const ADAPTIVE_CARD = 'application/vnd.microsoft.card.adaptive';
const RUN_TIMEOUT_MS = 150_000;

type Card = Record<string, unknown> & { actions?: CardAction[] };
interface CardAction {
  type: string;
  title?: string;
  verb?: string;
  associatedInputs?: string;
  data?: Record<string, unknown>;
}

interface CustomerSummary {
  id: string;
  companyName: string;
}

interface CustomerState {
  customer: { id: string; companyName: string };
  subscriptions: Array<{ id: string; status: string; sandbox: { skuId: string } }>;
  users: Array<{ id: string; userPrincipalName: string; licenses: Array<{ skuId: string }> }>;
  orders: Array<{ id: string; status: string }>;
}

type LicenseChange = Extract<LedgerChange, { kind: 'userLicenses' }>;
type CartChange = Extract<LedgerChange, { kind: 'cart' }>;
type OrderChange = Extract<LedgerChange, { kind: 'order' }>;

/** Every object of a card (body, nested containers, action sets, actions), depth first. */
function nodesOf(card: unknown): Record<string, unknown>[] {
  const found: Record<string, unknown>[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      found.push(node as Record<string, unknown>);
      Object.values(node).forEach(walk);
    }
  };
  walk(card);
  return found;
}

/** What a person reads on a card: texts, fact titles and values, button titles. */
function cardText(card: unknown): string {
  return nodesOf(card)
    .flatMap((node) => ['text', 'title', 'value'].map((key) => node[key]))
    .filter((value): value is string => typeof value === 'string')
    .join('\n');
}

function actionsOf(card: unknown): CardAction[] {
  return nodesOf(card).filter((node): node is Record<string, unknown> & CardAction => typeof node.type === 'string' && node.type.startsWith('Action.'));
}

function cardsIn(sent: readonly SentActivity[]): Card[] {
  return sent.flatMap((s) => (s.activity.attachments ?? []).filter((a) => a.contentType === ADAPTIVE_CARD).map((a) => a.content as Card));
}

/** What a Teams client submits for a card's untouched inputs: their initial values, as strings (as Teams sends them). */
function inputDefaults(card: Card): Record<string, string> {
  const values: Record<string, string> = {};
  for (const node of nodesOf(card.body)) {
    if (typeof node.type === 'string' && node.type.startsWith('Input.') && typeof node.id === 'string' && node.value !== undefined) {
      values[node.id] = String(node.value);
    }
  }
  return values;
}

class Journey {
  readonly connector = new FakeConnector();
  readonly logs: string[] = [];
  bot!: RunningBot;
  private cleanup!: () => void;

  async start(): Promise<void> {
    await this.connector.start();
    const test = testConfig({ APPROVERS });
    this.cleanup = test.cleanup;
    // Warnings and errors are kept to explain a failure; nothing is printed while the journey passes.
    this.bot = await startBot(test.config, createLogger('warn', (line) => this.logs.push(line)));
  }

  async stop(): Promise<void> {
    await this.bot?.close();
    await this.connector.stop();
    this.cleanup?.();
  }

  async admin<T>(method: string, path: string, body?: unknown): Promise<T> {
    const sandbox = this.bot.backend.embeddedSandbox;
    if (!sandbox) throw new Error('the bot did not start its embedded sandbox');
    const response = await fetch(`${sandbox.url}/_sandbox${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`sandbox ${method} ${path}: ${response.status} ${text}`);
    return JSON.parse(text) as T;
  }

  conversationOf(user: TeamsUser): string {
    return `a:personal-${user.id}`;
  }

  /** What the bot sent (or updated) in one person's chat since `fromIndex`. */
  sentTo(user: TeamsUser, fromIndex = 0): SentActivity[] {
    return this.connector.sent.slice(fromIndex).filter((s) => s.conversationId === this.conversationOf(user));
  }

  async install(user: TeamsUser): Promise<void> {
    const response = await postActivity(this.bot.url, botAddedActivity({ serviceUrl: this.connector.url, user }));
    expect(response.status).toBe(200);
  }

  /** One message turn; answers the cards and texts the bot replied with in that turn. */
  async say(user: TeamsUser, text: string, value?: Record<string, unknown>): Promise<{ cards: Card[]; texts: string[] }> {
    const before = this.connector.sent.length;
    const response = await postActivity(this.bot.url, messageActivity(text, { serviceUrl: this.connector.url, user }, value));
    expect(response.status).toBe(200);
    const replies = this.sentTo(user, before);
    return { cards: cardsIn(replies), texts: replies.map((r) => r.activity.text).filter((t): t is string => typeof t === 'string') };
  }

  /** Presses an Action.Submit button the way Teams does: the button's data plus the card's inputs (unless none). */
  async press(user: TeamsUser, card: Card, title: string, inputs: Record<string, string> = {}): Promise<{ cards: Card[]; texts: string[] }> {
    const action = actionsOf(card).find((a) => a.type === 'Action.Submit' && a.title === title);
    if (!action) throw new Error(`the card has no "${title}" button; it has: ${actionsOf(card).map((a) => a.title).join(', ')}`);
    const values = action.associatedInputs === 'none' ? {} : { ...inputDefaults(card), ...inputs };
    return this.say(user, '', { ...values, ...(action.data ?? {}) });
  }

  /** An Action.Execute click: the invoke's answer (a card or a typed error). */
  async execute(user: TeamsUser, verb: string, data: unknown): Promise<{ status: number; body: InvokeAnswer }> {
    const response = await postActivity(this.bot.url, executeActivity(verb, data, { serviceUrl: this.connector.url, user }));
    return { status: response.status, body: response.body as InvokeAnswer };
  }

  async request(requestId: string): Promise<MigrationRequest | undefined> {
    return (await this.bot.store.get<MigrationRequest>('requests', requestId))?.value;
  }

  async run(runId: string): Promise<MigrationRun | undefined> {
    return (await this.bot.store.get<MigrationRun>('runs', runId))?.value;
  }

  async ledger(customerId: string): Promise<LedgerEntry[]> {
    const entries: LedgerEntry[] = [];
    for (let afterSeq = 0; ; ) {
      const page = await this.admin<{ entries: LedgerEntry[]; lastSeq: number }>('GET', `/ledger?customerId=${customerId}&afterSeq=${afterSeq}&limit=1000`);
      const fresh = page.entries.filter((entry) => entry.seq > afterSeq);
      if (fresh.length === 0) return entries;
      entries.push(...fresh);
      afterSeq = fresh[fresh.length - 1].seq;
    }
  }
}

interface InvokeAnswer {
  statusCode: number;
  type: string;
  value: Card & { code?: string; message?: string };
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, logs: string[]): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\nbot warnings:\n${logs.join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function titled(cards: readonly Card[], text: string): Card {
  const card = cards.find((candidate) => cardText(candidate).includes(text));
  if (!card) throw new Error(`no card says "${text}"; got:\n${cards.map((c) => cardText(c).slice(0, 300)).join('\n---\n')}`);
  return card;
}

describe('the EEA journey: a no-Teams suite and Microsoft Teams EEA, one approval, one order, both verified', () => {
  const journey = new Journey();
  let customer: CustomerState;
  let requestId: string;

  beforeAll(async () => {
    await journey.start();
    await journey.admin('PUT', '/knobs', { provisioningDelayMs: 200, orderListLagMs: 0 });
    const { customers } = await journey.admin<{ customers: CustomerSummary[] }>('GET', '/customers');
    const summary = customers.find((c) => c.companyName === CUSTOMER_NAME);
    if (!summary) throw new Error(`the demo seed has no ${CUSTOMER_NAME}`);
    customer = await journey.admin<CustomerState>('GET', `/state/customers/${summary.id}`);
  }, 30_000);

  afterAll(() => journey.stop(), 30_000);

  it('1. after a scan, the wizard recommends the EEA suite without Teams plus Microsoft Teams EEA, and says why', async () => {
    await journey.install(ALEX);
    await journey.install(MEGAN);
    const before = journey.connector.sent.length;
    await journey.say(ALEX, 'scan now');
    await waitFor('the scan summary', async () => {
      await journey.bot.idle();
      return journey.sentTo(ALEX, before).find((s) => s.activity.text?.startsWith('Scan finished'));
    }, 30_000, journey.logs);
    await journey.bot.idle();

    const kaizalaHolders = customer.users.filter((user) => user.licenses.some((license) => license.skuId === KAIZALA_SKU));
    expect(kaizalaHolders.length).toBeGreaterThan(300);
    const planStep = await journey.say(ALEX, `migrate ${CUSTOMER_NAME}`);
    const planCard = titled(planStep.cards, 'Choose the new plan');
    expect(inputDefaults(planCard).planId).toBe('o365-e1');
    const text = cardText(planCard);
    expect(text).toContain(PLAN_TITLE);
    expect(text).toContain('EEA market (NL)');
    expect(text).not.toContain('Office 365 E1 (no Teams)');

    const usersCard = titled((await journey.press(ALEX, planCard, 'Next')).cards, 'Which users move?');
    const quantityCard = titled((await journey.press(ALEX, usersCard, 'Move all users')).cards, 'How many seats?');
    const reviewCard = titled((await journey.press(ALEX, quantityCard, 'Next')).cards, 'Review the migration');
    expect(cardText(reviewCard)).toContain(PLAN_TITLE);
    const submitted = await journey.press(ALEX, reviewCard, 'Request approval');
    titled(submitted.cards, 'Approval requested');

    const [request] = (await journey.bot.store.list<MigrationRequest>('requests')).map((item) => item.value);
    requestId = request.id;
    expect(request.plan).toMatchObject({ planId: 'o365-e1', title: PLAN_TITLE, skuId: E1_EEA_SKU });
    // One request, two lines: the suite and the Teams standalone, each for every user who moves.
    expect(request.lines?.map((line) => [line.skuId, line.quantity, line.userIds.length])).toEqual([
      [E1_EEA_SKU, request.quantity, kaizalaHolders.length],
      [TEAMS_EEA_SKU, request.quantity, kaizalaHolders.length],
    ]);
    expect(new Set(request.userIds).size).toBe(kaizalaHolders.length);
  }, 90_000);

  it('2. Megan approves once; the run buys, moves, verifies and suspends', async () => {
    await journey.bot.idle();
    const approvalCard = titled(cardsIn(journey.sentTo(MEGAN)), 'Approve a Kaizala Pro migration?');
    const approveData = actionsOf(approvalCard).find((a) => a.verb === APPROVAL_VERBS.approve)?.data;
    const approved = await journey.execute(MEGAN, APPROVAL_VERBS.approve, approveData);
    expect(approved.status).toBe(200);

    const run = await waitFor(
      'the run to complete',
      async () => {
        const current = await journey.run(requestId);
        if (current && ['parked', 'cancelled'].includes(current.status)) {
          throw new Error(`the run stopped: ${JSON.stringify({ status: current.status, step: current.step, parked: current.parked })}\n${journey.logs.join('\n')}`);
        }
        return current?.status === 'completed' ? current : undefined;
      },
      RUN_TIMEOUT_MS,
      journey.logs,
    );
    expect(run).toMatchObject({ status: 'completed', outcome: 'suspended', verifiedInAttempt: expect.any(Number) });
    expect(run.lines.map((line) => line.skuId)).toEqual([E1_EEA_SKU, TEAMS_EEA_SKU]);
    expect(Object.keys(run.newSubscriptionIds ?? {}).sort()).toEqual([E1_EEA_SKU, TEAMS_EEA_SKU].sort());
  }, RUN_TIMEOUT_MS + 15_000);

  it('3. the sandbox ledger shows one cart and one order with both lines, and every user on both SKUs', async () => {
    const request = (await journey.request(requestId)) as MigrationRequest;
    const customerId = customer.customer.id;
    const entries = await journey.ledger(customerId);
    const changes = entries.flatMap((entry) => entry.changes);

    const carts = changes.filter((change): change is CartChange => change.kind === 'cart' && change.before === null);
    expect(carts).toHaveLength(1);
    expect(carts[0].partnerOnRecordAttestationAccepted).toBe(true);
    expect(carts[0].lineItems.map((line) => [line.quantity, line.termDuration, line.billingCycle])).toEqual([
      [request.quantity, 'P1Y', 'monthly'],
      [request.quantity, 'P1Y', 'monthly'],
    ]);
    const orders = changes.filter((change): change is OrderChange => change.kind === 'order' && change.before === null);
    expect(orders).toHaveLength(1);
    expect(orders[0].lineItems.map((line) => line.skuId)).toEqual([E1_EEA_SKU, TEAMS_EEA_SKU]);

    const after = await journey.admin<CustomerState>('GET', `/state/customers/${customerId}`);
    const wrong = request.userIds
      .map((userId) => after.users.find((candidate) => candidate.id === userId))
      .filter((user) => {
        const skus = user?.licenses.map((license) => license.skuId) ?? [];
        return !(skus.includes(E1_EEA_SKU) && skus.includes(TEAMS_EEA_SKU) && !skus.includes(KAIZALA_SKU));
      });
    expect(wrong).toEqual([]);
    expect(after.subscriptions.find((subscription) => subscription.id === request.kaizalaSubscriptionId)?.status).toBe('suspended');

    // One license call per user added both SKUs: nobody was ever left with neither Kaizala nor the suite.
    const licenseChanges = changes.filter((change): change is LicenseChange => change.kind === 'userLicenses');
    const moved = new Set(request.userIds);
    expect(licenseChanges.filter((change) => moved.has(change.userId) && !change.after.includes(KAIZALA_SKU) && !change.after.includes(E1_EEA_SKU))).toEqual([]);
    expect(licenseChanges.filter((change) => moved.has(change.userId))).toHaveLength(moved.size);
  });
});
