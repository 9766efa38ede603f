import { RunningBot, startBot } from '../../bot/index';
import type { LedgerChange, LedgerEntry } from '../../sandbox/model';
import type { MigrationRequest } from '../../services/domain/request';
import { createLogger } from '../../services/logging';
import type { MigrationRun } from '../../services/migration';
import { testConfig } from './config';
import { FakeConnector, type SentActivity } from './fakeConnector';
import { botAddedActivity, executeActivity, messageActivity, postActivity, type TeamsUser } from './activities';

const ADAPTIVE_CARD = 'application/vnd.microsoft.card.adaptive';

/** The journey tests' kit: the real bot with its embedded sandbox, a fake connector, and card helpers. */
export type Card = Record<string, unknown> & { actions?: CardAction[] };
export interface CardAction {
  type: string;
  title?: string;
  verb?: string;
  associatedInputs?: string;
  data?: Record<string, unknown>;
}

export interface CustomerSummary {
  id: string;
  companyName: string;
}

export interface CustomerState {
  customer: { id: string; companyName: string };
  subscriptions: Array<{ id: string; status: string; sandbox: { skuId: string } }>;
  users: Array<{ id: string; userPrincipalName: string; licenses: Array<{ skuId: string }> }>;
  orders: Array<{ id: string; status: string }>;
}

export type LicenseChange = Extract<LedgerChange, { kind: 'userLicenses' }>;
export type CartChange = Extract<LedgerChange, { kind: 'cart' }>;
export type OrderChange = Extract<LedgerChange, { kind: 'order' }>;

/** Every object of a card (body, nested containers, action sets, actions), depth first. */
export function nodesOf(card: unknown): Record<string, unknown>[] {
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
export function cardText(card: unknown): string {
  return nodesOf(card)
    .flatMap((node) => ['text', 'title', 'value'].map((key) => node[key]))
    .filter((value): value is string => typeof value === 'string')
    .join('\n');
}

export function actionsOf(card: unknown): CardAction[] {
  return nodesOf(card).filter((node): node is Record<string, unknown> & CardAction => typeof node.type === 'string' && node.type.startsWith('Action.'));
}

export function cardsIn(sent: readonly SentActivity[]): Card[] {
  return sent.flatMap((s) => (s.activity.attachments ?? []).filter((a) => a.contentType === ADAPTIVE_CARD).map((a) => a.content as Card));
}

/** What a Teams client submits for a card's untouched inputs: their initial values, as strings (as Teams sends them). */
export function inputDefaults(card: Card): Record<string, string> {
  const values: Record<string, string> = {};
  for (const node of nodesOf(card.body)) {
    if (typeof node.type === 'string' && node.type.startsWith('Input.') && typeof node.id === 'string' && node.value !== undefined) {
      values[node.id] = String(node.value);
    }
  }
  return values;
}

export class Journey {
  /** `approvers`: the APPROVERS setting the bot starts with. */
  constructor(private readonly approvers: string) {}

  readonly connector = new FakeConnector();
  readonly logs: string[] = [];
  bot!: RunningBot;
  private cleanup!: () => void;

  async start(): Promise<void> {
    await this.connector.start();
    const test = testConfig({ APPROVERS: this.approvers });
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

export interface InvokeAnswer {
  statusCode: number;
  type: string;
  value: Card & { code?: string; message?: string };
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, logs: string[]): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\nbot warnings:\n${logs.join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export function titled(cards: readonly Card[], text: string): Card {
  const card = cards.find((candidate) => cardText(candidate).includes(text));
  if (!card) throw new Error(`no card says "${text}"; got:\n${cards.map((c) => cardText(c).slice(0, 300)).join('\n---\n')}`);
  return card;
}
