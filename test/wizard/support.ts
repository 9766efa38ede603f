import { ConversationRecorder } from '../../bot/proactive/conversationRecorder';
import { ConversationReferences } from '../../bot/proactive/conversationReferences';
import { Activity, ConversationState, InvokeResponse, ResourceResponse, TestAdapter, TurnContext } from 'botbuilder';
import { StoreBackedStorage } from '../../bot/storeBackedStorage';
import { createApprovalHandlers } from '../../bot/approvalHandlers';
import { KaizalaBot } from '../../bot/teamsBot';
import { approvalCommandsModule } from '../../dialogs/approvalCommands';
import { migrationWizardModule } from '../../dialogs/migrationWizard';
import { RootDialog } from '../../dialogs/rootDialog';
import type { AdaptiveCard } from '../../cards/render';
import { ApprovalService, Approvers, BackgroundWork, KaizalaSubscriptions, type ApprovalNotifier, type MessageRef, type Pricing, type SentApproval } from '../../services/approvals';
import { PriceList, type KaizalaUser, type TenantDirectory } from '../../services/catalog';
import { subscriptionKey, type ExpiringSubscription } from '../../services/domain/expiring';
import type { MigrationRequest } from '../../services/domain/request';
import { silentLogger } from '../../services/logging';
import type { Store } from '../../services/store/store';
import type { ProactiveMessenger, RenderForLocale, SentMessage } from '../../bot/proactive/messenger';
import type { Locale } from '../../cards/i18n';

export const ALEX = { id: '29:alex', aadObjectId: '00000000-0000-0000-0000-000000000020', name: 'Alex Wilber' };
export const MEGAN = { id: '29:megan', aadObjectId: '00000000-0000-0000-0000-000000000021', name: 'Megan Bowen' };
export const ADELE = { id: '29:adele', aadObjectId: '00000000-0000-0000-0000-000000000022', name: 'Adele Vance' };
export const ISAIAH = { id: '29:isaiah', aadObjectId: '00000000-0000-0000-0000-000000000023', name: 'Isaiah Langer' };
export const APPROVER_IDS = [MEGAN.aadObjectId, ADELE.aadObjectId];

export const KAIZALA_SKU = '00000000-0000-4000-8000-00000000c0de';
export const BUSINESS_BASIC_SKU = '3b555118-da6a-4418-894f-7df1e2096870';

/** A Kaizala Pro row as the scan stores it. */
export function subscriptionRow(overrides: Partial<ExpiringSubscription> & Pick<ExpiringSubscription, 'customerId' | 'customerName'>): ExpiringSubscription {
  return {
    customerDomain: `${overrides.customerName.toLowerCase().replace(/[^a-z]/g, '')}.onmicrosoft.com`,
    tenantId: overrides.customerId,
    education: false,
    subscriptionId: `5b${overrides.customerId.slice(2)}`,
    offerName: 'Microsoft Kaizala Pro',
    skuId: KAIZALA_SKU,
    quantity: 25,
    usersOnKaizala: 20,
    consumedUnits: 20,
    status: 'active',
    autoRenewEnabled: false,
    commitmentEndDate: '2026-06-30T00:00:00Z',
    daysLeft: 40,
    urgency: 'within60',
    migrating: false,
    scannedAt: '2026-05-21T08:00:00Z',
    ...overrides,
  };
}

export async function seedSubscription(store: Store, row: ExpiringSubscription): Promise<void> {
  await store.upsert('subscriptionsSeen', subscriptionKey(row.customerId, row.subscriptionId), row);
}

/** `count` users with GUID-shaped ids unique to `tenant` (a hex digit), sorted by name as Graph lists them. */
export function makeUsers(tenant: string, count: number, shape: (index: number) => Partial<KaizalaUser> = () => ({})): KaizalaUser[] {
  return Array.from({ length: count }, (_, index) => {
    const name = `User ${String(index + 1).padStart(3, '0')}`;
    return {
      id: `${tenant.repeat(8)}-0000-4000-8000-${String(index + 1).padStart(12, '0')}`,
      displayName: name,
      userPrincipalName: `user${index + 1}@${tenant}.example`,
      jobTitle: 'Analyst',
      kind: 'any' as const,
      ...shape(index),
    };
  });
}

/** A tenant directory held in memory; `failing` makes the next reads throw like a refused Graph call. */
export class FakeDirectory implements TenantDirectory {
  readonly users = new Map<string, KaizalaUser[]>();
  readonly seats = new Map<string, Record<string, number>>();
  failing = false;
  reads = 0;

  set(tenantId: string, users: KaizalaUser[], seats: Record<string, number> = {}): void {
    this.users.set(tenantId, users);
    this.seats.set(tenantId, seats);
  }

  async kaizalaUsers(tenantId: string): Promise<KaizalaUser[]> {
    this.reads++;
    if (this.failing) throw new Error('Graph refused: 403 Authorization_RequestDenied');
    return [...(this.users.get(tenantId) ?? [])];
  }

  async seatsBySku(tenantId: string): Promise<Record<string, number>> {
    if (this.failing) throw new Error('Graph refused: 403 Authorization_RequestDenied');
    return { ...(this.seats.get(tenantId) ?? {}) };
  }
}

/** Records what the approval use cases send, update and tell. */
export class FakeNotifier implements ApprovalNotifier {
  readonly sent: { approver: string; request: MigrationRequest }[] = [];
  readonly updates: { message: MessageRef; request: MigrationRequest }[] = [];
  readonly told: MigrationRequest[] = [];
  readonly unreachable = new Set<string>();
  private next = 1;

  async sendApprovalRequest(approver: string, request: MigrationRequest): Promise<SentApproval | undefined> {
    if (this.unreachable.has(approver)) return undefined;
    this.sent.push({ approver, request });
    return { aadObjectId: approver, message: { conversationKey: approver, activityId: `card-${this.next++}` } };
  }

  async updateApprovalRequest(message: MessageRef, request: MigrationRequest): Promise<void> {
    this.updates.push({ message, request });
  }

  async tellRequester(request: MigrationRequest): Promise<void> {
    this.told.push(request);
  }
}

/** A ProactiveMessenger that renders what it is given in each person's language and keeps it. */
export class FakeMessenger implements ProactiveMessenger {
  readonly sent: { aadObjectId: string; message: SentMessage; content: AdaptiveCard | string }[] = [];
  readonly updated: { message: SentMessage; content: AdaptiveCard | string }[] = [];
  readonly locales = new Map<string, Locale>();
  readonly unknown = new Set<string>();
  private next = 1;

  async sendToPerson(aadObjectId: string, render: RenderForLocale): Promise<SentMessage | undefined> {
    if (this.unknown.has(aadObjectId)) return undefined;
    const message = { conversationKey: aadObjectId.toLowerCase(), activityId: `activity-${this.next++}` };
    this.sent.push({ aadObjectId, message, content: render(this.locales.get(aadObjectId) ?? 'en') });
    return message;
  }

  async update(message: SentMessage, render: RenderForLocale): Promise<void> {
    this.updated.push({ message, content: render(this.locales.get(message.conversationKey) ?? 'en') });
  }
}

/** A small price list in Partner Center's format (fictional prices): P1Y prices are for the whole year. */
export const PRICE_LIST_CSV = [
  'ProductTitle,ProductId,SkuId,SkuTitle,Publisher,SkuDescription,UnitOfMeasure,TermDuration,BillingPlan,Market,Currency,UnitPrice,PricingTierRangeMin,PricingTierRangeMax,EffectiveStartDate,EffectiveEndDate,Tags,ERP Price,Segment',
  'Microsoft 365 Business Basic,CFQ7TTC0LH18,0001,Microsoft 365 Business Basic,Microsoft Corporation,"Business Basic, fictional",1 License,P1Y,Monthly,US,USD,61.20,,,2026-01-01T00:00:00Z,2027-12-31T23:59:59Z,License,72.00,Commercial',
  'Microsoft 365 Business Basic,CFQ7TTC0LH18,0001,Microsoft 365 Business Basic,Microsoft Corporation,"Business Basic, fictional",1 License,P1M,Monthly,US,USD,6.12,,,2026-01-01T00:00:00Z,2027-12-31T23:59:59Z,License,7.20,Commercial',
  'Microsoft 365 Business Basic,CFQ7TTC0LH18,0001,Microsoft 365 Business Basic,Microsoft Corporation,"Business Basic, fictional",1 License,P1Y,Monthly,DE,EUR,57.60,,,2026-01-01T00:00:00Z,2027-12-31T23:59:59Z,License,67.68,Commercial',
  'Office 365 E1,SBXO365E1001,0001,Office 365 E1,Microsoft Corporation,"E1, fictional",1 License,P1Y,Monthly,US,USD,120.00,,,2026-01-01T00:00:00Z,2027-12-31T23:59:59Z,License,120.00,Commercial',
  'Office 365 F3,SBXO365F3001,0001,Office 365 F3,Microsoft Corporation,"F3, fictional",1 License,P1M,Monthly,US,USD,4.00,,,2026-01-01T00:00:00Z,2027-12-31T23:59:59Z,License,4.80,Commercial',
  'Office 365 A1 for faculty,SBXO365A1F01,0001,Office 365 A1 for faculty,Microsoft Corporation,"A1 faculty, fictional",1 License,P1Y,Monthly,US,USD,0.00,,,2026-01-01T00:00:00Z,2027-12-31T23:59:59Z,License,0.00,Education',
  'Office 365 A1 for students,SBXO365A1S01,0001,Office 365 A1 for students,Microsoft Corporation,"A1 students, fictional",1 License,P1Y,Monthly,US,USD,0.00,,,2026-01-01T00:00:00Z,2027-12-31T23:59:59Z,License,0.00,Education',
  'Office 365 A3 for faculty,SBXO365A3F01,0001,Office 365 A3 for faculty,Microsoft Corporation,"A3 faculty, fictional",1 License,P1Y,Monthly,US,USD,39.00,,,2026-01-01T00:00:00Z,2027-12-31T23:59:59Z,License,39.00,Education',
  'Office 365 A3 for students,SBXO365A3S01,0001,Office 365 A3 for students,Microsoft Corporation,"A3 students, fictional",1 License,P1Y,Monthly,US,USD,30.00,,,2026-01-01T00:00:00Z,2027-12-31T23:59:59Z,License,30.00,Education',
].join('\r\n');

export function testPricing(market = 'US'): Pricing {
  return { list: PriceList.parse(PRICE_LIST_CSV, 'test-pricelist.csv'), market };
}

export interface WizardWorld {
  store: Store;
  directory: FakeDirectory;
  notifier: FakeNotifier;
  background: BackgroundWork;
  approvals: ApprovalService;
  now: { value: Date };
}

/** The approval use case over the store, with fakes at its edges. */
export function approvalWorld(store: Store, options: { approvers?: string[]; pricing?: Pricing; directory?: FakeDirectory } = {}): WizardWorld {
  const directory = options.directory ?? new FakeDirectory();
  const notifier = new FakeNotifier();
  const background = new BackgroundWork(silentLogger);
  const now = { value: new Date('2026-05-21T09:00:00Z') };
  const approvals = new ApprovalService({
    store,
    directory,
    approvers: new Approvers(options.approvers ?? APPROVER_IDS),
    notifier,
    background,
    logger: silentLogger,
    ttlDays: 7,
    prices: options.pricing,
    now: () => now.value,
  });
  return { store, directory, notifier, background, approvals, now };
}

/** A TestAdapter that also keeps the messages the bot updates in place (the wizard replaces its one card). */
export class RecordingAdapter extends TestAdapter {
  readonly updates: Partial<Activity>[] = [];

  async updateActivity(context: TurnContext, activity: Partial<Activity>): Promise<ResourceResponse | void> {
    this.updates.push(activity);
    return super.updateActivity(context, activity);
  }
}

/** The real bot (thin handler, root dialog, our two command modules) over the store, driven by a TestAdapter. */
export function wizardBot(world: WizardWorld, pricing?: Pricing): RecordingAdapter {
  const wizard = migrationWizardModule({
    subscriptions: new KaizalaSubscriptions(world.store),
    directory: world.directory,
    approvals: world.approvals,
    prices: pricing,
    logger: silentLogger,
  });
  const commands = approvalCommandsModule({ approvals: world.approvals, subscriptions: new KaizalaSubscriptions(world.store) });
  const bot = new KaizalaBot({
    conversationState: new ConversationState(new StoreBackedStorage(world.store)),
    rootDialog: new RootDialog([wizard, commands]),
    invokeHandlers: createApprovalHandlers({ approvals: world.approvals }),
    conversationRecorder: new ConversationRecorder(new ConversationReferences(world.store), silentLogger, async () => undefined),
    store: world.store,
    logger: silentLogger,
    localMode: true,
    allowedTenantIds: [],
  });
  return new RecordingAdapter((context) => bot.run(context));
}

/** Every TextBlock text, fact, choice and button title of a card, to assert on what a person reads. */
export function cardText(card: unknown): string {
  const texts: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const record = node as Record<string, unknown>;
      for (const key of ['text', 'title', 'value', 'label']) if (typeof record[key] === 'string') texts.push(record[key] as string);
      Object.values(record).forEach(walk);
    }
  };
  walk(card);
  return texts.join('\n');
}

type SubmitAction = { type: string; title: string; data?: Record<string, unknown> };

/** What a user does in a turn: type text, press a button of the latest card (with its inputs), or send raw data. */
export type UserTurn = string | { press: string; with?: Record<string, unknown> } | { value: unknown; text?: unknown };

/** Talks to the bot as one Teams user and remembers the latest card, so a table can press its buttons. */
export class Conversation {
  private lastCard?: AdaptiveCard;
  readonly cards: AdaptiveCard[] = [];

  constructor(
    private readonly adapter: TestAdapter,
    private readonly user = ALEX,
    private readonly locale = 'en-US',
  ) {}

  /** Sends one turn and returns everything the bot said, cards flattened to their text. */
  async say(turn: UserTurn): Promise<string> {
    const activity: Partial<Activity> = { ...this.envelope(), type: 'message', ...this.toActivity(turn) };
    this.adapter.activeQueue.length = 0;
    const updates = this.adapter instanceof RecordingAdapter ? this.adapter.updates : [];
    updates.length = 0;
    await this.adapter.processActivity(activity);
    // Updated cards count as replies: they are what the person now sees (and the last one has the live buttons).
    const replies = [...this.adapter.activeQueue.splice(0), ...updates.splice(0)];
    const texts: string[] = [];
    for (const reply of replies) {
      if (reply.text) texts.push(reply.text);
      for (const attachment of reply.attachments ?? []) {
        const card = attachment.content as AdaptiveCard;
        this.lastCard = card;
        this.cards.push(card);
        texts.push(cardText(card));
      }
    }
    return texts.join('\n');
  }

  /** Sends an invoke (any name, any value) in this conversation and returns the bot's invoke response, if any. */
  async invoke(name: string | undefined, value: unknown): Promise<InvokeResponse | undefined> {
    this.adapter.activeQueue.length = 0;
    await this.adapter.processActivity({ ...this.envelope(), type: 'invoke', ...(name !== undefined ? { name } : {}), value });
    const replies = this.adapter.activeQueue.splice(0);
    return replies.find((reply) => reply.type === 'invokeResponse')?.value as InvokeResponse | undefined;
  }

  latestCard(): AdaptiveCard | undefined {
    return this.lastCard;
  }

  /** What Teams puts on every activity of this user's personal chat. */
  private envelope(): Partial<Activity> {
    return {
      channelId: 'msteams',
      locale: this.locale,
      from: { id: this.user.id, name: this.user.name, aadObjectId: this.user.aadObjectId },
      conversation: { id: `a:personal-${this.user.id}`, isGroup: false, conversationType: 'personal', name: '', tenantId: 'partner' },
      recipient: { id: '28:bot', name: 'bot' },
    };
  }

  private toActivity(turn: UserTurn): Partial<Activity> {
    if (typeof turn === 'string') return { text: turn };
    // Raw data may be anything a hostile client sends, a text that is not a string included.
    if ('value' in turn) return { text: (turn.text ?? '') as string, value: turn.value };
    const actions = (this.lastCard?.actions ?? []) as SubmitAction[];
    const action = actions.find((a) => a.title === turn.press);
    if (!action) throw new Error(`The latest card has no button "${turn.press}"; it has: ${actions.map((a) => a.title).join(', ')}`);
    return { text: '', value: { ...(action.data ?? {}), ...(turn.with ?? {}) } };
  }
}

/** Expected replies: each string must appear; a string starting with `!` must not. */
export type Expect = string[];

/** Runs a `[user says, bot replies]` table, stopping at the first row that does not match. */
export async function converse(conversation: Conversation, table: readonly (readonly [UserTurn, Expect])[]): Promise<void> {
  for (const [index, [turn, expected]] of table.entries()) {
    const reply = await conversation.say(turn);
    for (const text of expected) {
      const row = `row ${index + 1} (${JSON.stringify(turn)})`;
      if (text.startsWith('!')) {
        if (reply.includes(text.slice(1))) throw new Error(`${row}: the reply should not contain "${text.slice(1)}" but was:\n${reply}`);
      } else if (!reply.includes(text)) {
        throw new Error(`${row}: the reply should contain "${text}" but was:\n${reply}`);
      }
    }
  }
}
