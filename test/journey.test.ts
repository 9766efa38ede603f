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
 * The whole product through the real composition root: installs, alerts after a scan, the migration wizard, the
 * approval (refused to the requester, granted by an approver) and the background run, checked against the
 * embedded sandbox's own state and ledger. Every step talks to /api/messages with Teams-shaped activities and
 * reads what the bot sent from the fake Bot Connector.
 */

// The Agents Playground's ids (13 digits in the last group), as in local mode's default APPROVERS.
const ALEX: TeamsUser = { id: '29:alex', aadObjectId: '00000000-0000-0000-0000-0000000000020', name: 'Alex Wilber' };
const MEGAN: TeamsUser = { id: '29:megan', aadObjectId: '00000000-0000-0000-0000-0000000000021', name: 'Megan Bowen' };
const ADELE_ID = '00000000-0000-0000-0000-0000000000022';
/**
 * The default approvers (Megan, Adele) plus Alex: an approver who requests must still be refused his own request
 * (without Alex in the list the refusal would only say he is no approver at all).
 */
const APPROVERS = [MEGAN.aadObjectId, ADELE_ID, ALEX.aadObjectId].join(',');

/** A small demo customer (28 users, ends in 85 days: alerted at the 90-day threshold, no deadline warning). */
const CUSTOMER_NAME = 'Nod Publishers';
const KAIZALA_SKU = '00000000-0000-4000-8000-00000000c0de';
const ADAPTIVE_CARD = 'application/vnd.microsoft.card.adaptive';
const RUN_TIMEOUT_MS = 45_000;

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

describe('the journey: alerts → wizard → approval → migration run, through the real bot and its embedded sandbox', () => {
  const journey = new Journey();
  let customer: CustomerState;
  let requestId: string;
  let approvalCard: Card;

  beforeAll(async () => {
    await journey.start();
    // Orders provision in 200 ms and are listed at once, so the run's waits are mostly the bot's own polling.
    await journey.admin('PUT', '/knobs', { provisioningDelayMs: 200, orderListLagMs: 0 });
    const { customers } = await journey.admin<{ customers: CustomerSummary[] }>('GET', '/customers');
    const summary = customers.find((c) => c.companyName === CUSTOMER_NAME);
    if (!summary) throw new Error(`the demo seed has no ${CUSTOMER_NAME}`);
    customer = await journey.admin<CustomerState>('GET', `/state/customers/${summary.id}`);
  }, 30_000);

  afterAll(() => journey.stop(), 30_000);

  it('1. Alex and Megan install the bot and are welcomed', async () => {
    await journey.install(ALEX);
    await journey.install(MEGAN);
    for (const user of [ALEX, MEGAN]) {
      expect(cardText(cardsIn(journey.sentTo(user))[0])).toContain('Kaizala Migration Assistant');
    }
  });

  it('2. alerts all, then scan now: the scan summary and the alert digests reach Alex', async () => {
    const optIn = await journey.say(ALEX, 'alerts all');
    expect(optIn.texts.join('\n')).toContain('every customer');

    const before = journey.connector.sent.length;
    const scan = await journey.say(ALEX, 'scan now');
    expect(scan.texts.join('\n')).toContain('Scanning Partner Center');
    const scanSummary = () => journey.sentTo(ALEX, before).find((s) => s.activity.text?.startsWith('Scan finished'));
    // The scan runs after the answer; idle() also waits for the alerts its completion triggers.
    await waitFor('the scan summary', async () => {
      await journey.bot.idle();
      return scanSummary();
    }, 20_000, journey.logs);
    await journey.bot.idle();

    expect(scanSummary()?.activity.text).toMatch(/of 44 customers scanned/);
    const alerts = cardsIn(journey.sentTo(ALEX, before));
    // Far more than five alerts at once: they come as digests, each row with its own Start migration button.
    expect(alerts.length).toBeGreaterThan(0);
    expect(alerts.every((card) => cardText(card).includes('Kaizala Pro subscriptions need attention'))).toBe(true);
    expect(alerts.map(cardText).join('\n')).toContain(CUSTOMER_NAME);
    expect(journey.sentTo(MEGAN, before)).toEqual([]);
  });

  it('3. Alex walks the wizard from the alert to "Request approval"; Megan gets the approval card', async () => {
    expect(customer.users.length).toBeGreaterThanOrEqual(10);
    expect(customer.users.length).toBeLessThanOrEqual(40);
    const digest = titled(cardsIn(journey.sentTo(ALEX)), CUSTOMER_NAME);
    const start = actionsOf(digest).find((a) => a.data?.command === 'migrate' && a.data.customerId === customer.customer.id);
    expect(start).toBeDefined();

    const planStep = await journey.say(ALEX, '', start?.data);
    const planCard = titled(planStep.cards, 'Choose the new plan');
    const recommended = inputDefaults(planCard).planId;
    expect(recommended).toBeTruthy();
    expect(cardText(planCard)).toContain('Recommended');

    const usersStep = await journey.press(ALEX, planCard, 'Next');
    const usersCard = titled(usersStep.cards, 'Which users move?');
    const quantityStep = await journey.press(ALEX, usersCard, 'Move all users');
    const quantityCard = titled(quantityStep.cards, 'How many seats?');
    const defaultQuantity = Number(inputDefaults(quantityCard).quantity);
    const reviewStep = await journey.press(ALEX, quantityCard, 'Next');
    const reviewCard = titled(reviewStep.cards, 'Review the migration');
    expect(cardText(reviewCard)).toContain(CUSTOMER_NAME);

    const megansBefore = journey.connector.sent.length;
    const submitted = await journey.press(ALEX, reviewCard, 'Request approval');
    const submittedCard = titled(submitted.cards, 'Approval requested');
    // The requester is never asked, and Adele has not installed the bot: only Megan can be reached.
    expect(cardText(submittedCard)).toContain('Approvers reached: 1');

    const requests = (await journey.bot.store.list<MigrationRequest>('requests')).map((item) => item.value);
    expect(requests).toHaveLength(1);
    const [request] = requests;
    requestId = request.id;
    const kaizalaHolders = customer.users.filter((user) => user.licenses.some((license) => license.skuId === KAIZALA_SKU)).map((user) => user.id);
    expect(request).toMatchObject({ status: 'pending', version: 1, customerId: customer.customer.id, requester: { aadObjectId: ALEX.aadObjectId } });
    expect(request.plan.planId).toBe(recommended);
    expect([...request.userIds].sort()).toEqual([...kaizalaHolders].sort());
    expect(request.quantity).toBe(defaultQuantity);
    expect(request.quantity).toBeGreaterThanOrEqual(kaizalaHolders.length);

    await journey.bot.idle();
    const megansCards = cardsIn(journey.sentTo(MEGAN, megansBefore));
    approvalCard = titled(megansCards, 'Approve a Kaizala Pro migration?');
    const verbs = actionsOf(approvalCard).filter((a) => a.type === 'Action.Execute').map((a) => a.verb);
    expect(verbs).toEqual(expect.arrayContaining([APPROVAL_VERBS.approve, APPROVAL_VERBS.reject]));
    expect(actionsOf(approvalCard).find((a) => a.verb === APPROVAL_VERBS.approve)?.data).toEqual({ requestId, version: 1 });
  }, 30_000);

  it('4. Alex cannot approve his own request; Megan approves and gets the decided card at once', async () => {
    const approveData = actionsOf(approvalCard).find((a) => a.verb === APPROVAL_VERBS.approve)?.data;

    const refused = await journey.execute(ALEX, APPROVAL_VERBS.approve, approveData);
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ statusCode: 403, type: 'application/vnd.microsoft.error', value: { code: 'SelfApproval' } });
    expect(await journey.request(requestId)).toMatchObject({ status: 'pending', version: 1 });
    expect(await journey.run(requestId)).toBeUndefined();
    await journey.bot.idle();
    expect(journey.connector.sent.filter((s) => s.method === 'PUT')).toEqual([]);

    const before = journey.connector.sent.length;
    const clickedAt = Date.now();
    const approved = await journey.execute(MEGAN, APPROVAL_VERBS.approve, approveData);
    const answeredInMs = Date.now() - clickedAt;
    expect(approved.status).toBe(200);
    expect(approved.body.type).toBe(ADAPTIVE_CARD);
    expect(cardText(approved.body.value)).toContain('Approved by Megan Bowen');
    expect(approved.body.value.actions).toBeUndefined();
    // Teams gives an invoke a few seconds; the purchase must not happen inside the click.
    expect(answeredInMs).toBeLessThan(3_000);
    expect(await journey.request(requestId)).toMatchObject({ status: 'approved', version: 2, decidedBy: { aadObjectId: MEGAN.aadObjectId } });

    // Afterwards Megan's approval card loses its buttons in place, and Alex is told the migration starts.
    await journey.bot.idle();
    const megansUpdate = journey.sentTo(MEGAN, before).find((s) => s.method === 'PUT');
    expect(megansUpdate).toBeDefined();
    expect(cardText(cardsIn(megansUpdate ? [megansUpdate] : []))).toContain('Approved by Megan Bowen');
    expect(actionsOf(cardsIn(megansUpdate ? [megansUpdate] : [])).filter((a) => a.type === 'Action.Execute')).toEqual([]);
    expect(cardsIn(journey.sentTo(ALEX, before)).map(cardText).join('\n')).toContain('The migration starts now');
  });

  it('5. the run completes in the background and Alex gets its progress card and a completion summary', async () => {
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
    expect(run).toMatchObject({ status: 'completed', step: 'completed', outcome: 'suspended' });
    expect(run.users.every((user) => user.state === 'done')).toBe(true);

    const summary = await waitFor(
      'the completion summary',
      async () => cardsIn(journey.sentTo(ALEX)).find((card) => cardText(card).includes(`Migration completed: ${CUSTOMER_NAME}`)),
      10_000,
      journey.logs,
    );
    expect(cardText(summary)).toContain('suspended');
    // The approver gets the summary too.
    await waitFor(
      "Megan's copy of the summary",
      async () => cardsIn(journey.sentTo(MEGAN)).find((card) => cardText(card).includes(`Migration completed: ${CUSTOMER_NAME}`)),
      10_000,
      journey.logs,
    );
    // The progress card was sent once and then updated in place (PUT) up to its completed state; updates are
    // spaced out, so the last one may follow the summary.
    const progressCards = () => journey.sentTo(ALEX).filter((s) => cardText(cardsIn([s])).includes(`Migration: ${CUSTOMER_NAME}`));
    await waitFor(
      'the progress card to show the completed run',
      async () => {
        const latest = progressCards().at(-1);
        return latest?.method === 'PUT' && cardText(cardsIn([latest])).includes('Completed') ? latest : undefined;
      },
      10_000,
      journey.logs,
    );
    const [first, ...updates] = progressCards();
    expect(first.method).toBe('POST');
    expect(updates.length).toBeGreaterThan(0);
    expect(updates.every((update) => update.method === 'PUT' && update.activityId === updates[0].activityId)).toBe(true);
  }, RUN_TIMEOUT_MS + 15_000);

  it('6. the sandbox shows one order, every user on the new plan, Kaizala suspended, nobody ever without a license', async () => {
    const request = (await journey.request(requestId)) as MigrationRequest;
    const run = (await journey.run(requestId)) as MigrationRun;
    const customerId = customer.customer.id;
    const after = await journey.admin<CustomerState>('GET', `/state/customers/${customerId}`);
    const entries = await journey.ledger(customerId);

    const ordersCreated = entries.flatMap((entry) => entry.changes).filter((change): change is OrderChange => change.kind === 'order' && change.before === null);
    expect(ordersCreated).toHaveLength(1);
    expect(run.purchase.orderIds ?? []).toEqual([ordersCreated[0].orderId]);
    const newSkuIds = new Set(ordersCreated[0].lineItems.map((line) => line.skuId));
    expect(newSkuIds).toEqual(new Set([request.plan.skuId]));

    for (const userId of request.userIds) {
      const user = after.users.find((candidate) => candidate.id === userId);
      const skus = user?.licenses.map((license) => license.skuId) ?? [];
      expect({ user: user?.userPrincipalName, holdsNewPlan: skus.includes(request.plan.skuId), holdsKaizala: skus.includes(KAIZALA_SKU) }).toEqual({
        user: user?.userPrincipalName,
        holdsNewPlan: true,
        holdsKaizala: false,
      });
    }
    expect(after.users.filter((user) => user.licenses.some((license) => license.skuId === KAIZALA_SKU))).toEqual([]);
    const kaizala = after.subscriptions.find((subscription) => subscription.id === request.kaizalaSubscriptionId);
    expect(kaizala?.status).toBe('suspended');

    // Every license change of a moved user left them holding Kaizala Pro or the new plan (or both), never neither.
    const licenseChanges = entries.flatMap((entry) => entry.changes).filter((change): change is LicenseChange => change.kind === 'userLicenses');
    const moved = new Set(request.userIds);
    const unlicensed = licenseChanges.filter((change) => moved.has(change.userId) && !change.after.includes(KAIZALA_SKU) && !change.after.includes(request.plan.skuId));
    expect(unlicensed).toEqual([]);
    expect(new Set(licenseChanges.map((change) => change.userId))).toEqual(moved);
  });
});
