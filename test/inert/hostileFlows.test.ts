import { Activity, ConversationState, MemoryStorage, TestAdapter, CloudAdapter, ConfigurationBotFrameworkAuthentication } from 'botbuilder';
import type { DialogState } from 'botbuilder-dialogs';
import type { Server } from 'restify';
import { APPROVAL_VERBS, createApprovalHandlers } from '../../bot/approvalHandlers';
import { TeamsApprovalNotifier } from '../../bot/approvalNotifier';
import { createHttpServer, listen } from '../../bot/httpServer';
import { ConversationRecorder } from '../../bot/proactive/conversationRecorder';
import { ConversationReferences } from '../../bot/proactive/conversationReferences';
import { TeamsAlertNotifier } from '../../bot/proactive/alertNotifier';
import { KaizalaBot } from '../../bot/teamsBot';
import { cardSize, TEAMS_CARD_LIMITS, type AdaptiveCard } from '../../cards/render';
import { createCardValidator } from '../../cards/schemaValidator';
import { createAlertCommandModule } from '../../dialogs/alertCommands';
import { ExpiringCommands, scanSummaryText } from '../../dialogs/expiringCommands';
import { RootDialog } from '../../dialogs/rootDialog';
import { Assignments } from '../../services/alerts/assignments';
import { CustomerDirectory } from '../../services/alerts/customerDirectory';
import { ExpiryAlerter } from '../../services/alerts/expiryAlerter';
import { DEFAULT_ALERT_THRESHOLDS } from '../../services/alerts/levels';
import { AlertPreferences } from '../../services/alerts/preferences';
import { ApprovalService, Approvers, BackgroundWork, type MigrationDraft } from '../../services/approvals';
import { subscriptionKey } from '../../services/domain/expiring';
import type { MigrationRequest } from '../../services/domain/request';
import { silentLogger } from '../../services/logging';
import { ExpiringReport, ScanRunner, emptyUrgencyCounts, type ScanSummary } from '../../services/scan';
import { IN_MEMORY, openSqliteStore, type Store } from '../../services/store';
import { MEGAN as ALERT_MEGAN, row as alertRow, saveRows, TODAY } from '../alerts/support';
import { row as reportRow } from '../scan/reportHelpers';
import { executeActivity, postActivity } from '../support/activities';
import { ADELE, ALEX, approvalWorld, cardText, Conversation, FakeDirectory, FakeMessenger, makeUsers, MEGAN, seedSubscription, subscriptionRow, wizardBot } from '../wizard/support';
import { activePart, HOSTILE_TEXTS, HUGE_NAME, shownStrings } from './hostile';

const validate = createCardValidator();
const WJ = '\u2060';

/** A RootDialog with the given command modules over a TestAdapter; `say` returns the bot's replies. */
function chat(modules: ConstructorParameters<typeof RootDialog>[0]) {
  const root = new RootDialog(modules);
  const state = new ConversationState(new MemoryStorage());
  const dialogState = state.createProperty<DialogState>('dialogState');
  const adapter = new TestAdapter(async (context) => {
    await root.run(context, dialogState);
    await state.saveChanges(context, false);
  });
  return async (text: string): Promise<Partial<Activity>[]> => {
    await adapter.receiveActivity({ type: 'message', text, from: { id: '29:megan', name: MEGAN.name, aadObjectId: MEGAN.aadObjectId }, locale: 'en-US' } as Partial<Activity>);
    return adapter.activeQueue.splice(0);
  };
}

describe('issue 9 item 4: `${` in data never breaks a card or loses an alert', () => {
  it('`expiring` still shows the report when a customer is named with `${x}`', async () => {
    const store = openSqliteStore(IN_MEMORY);
    const now = new Date('2026-11-23T10:00:00Z');
    for (const [index, customerName] of ['Acme ${x} Ltd', 'Fabrikam', HUGE_NAME].entries()) {
      const r = reportRow({ customerId: `c${index}000000-0000-4000-8000-000000000000`, customerName, subscriptionId: `5${index}000000-0000-4000-8000-000000000000`, commitmentEndDate: '2026-12-20T00:00:00Z' });
      await store.upsert('subscriptionsSeen', subscriptionKey(r.customerId, r.subscriptionId), r);
    }
    const commands = new ExpiringCommands({
      report: new ExpiringReport({ store, timeZone: 'UTC', now: () => now }),
      scans: new ScanRunner({ scanner: { findExpiringSubscriptions: () => new Promise<ScanSummary>(() => undefined) }, logger: silentLogger }),
      notifier: { send: async () => undefined },
      logger: silentLogger,
    });
    const [reply] = await chat([commands])('expiring');
    const card = reply.attachments?.[0]?.content as AdaptiveCard;
    expect(validate(card).errors).toEqual([]);
    expect(card.actions ?? JSON.stringify(card.body)).toBeTruthy();
    const shown = shownStrings(card);
    expect(shown).toContain(`Acme $${WJ}{x} Ltd`);
    expect(shown).toContain('Fabrikam');
    expect(JSON.stringify(card)).toContain('"command":"migrate"'); // the real report, with its buttons, not the fallback
    for (const text of shown) expect(activePart(text)).toBeUndefined();
    expect(cardSize(card).utf16Bytes).toBeLessThanOrEqual(TEAMS_CARD_LIMITS.utf16Bytes);
  });

  it('an alert digest with a `${x}` customer is delivered with every other alert, once', async () => {
    const store = openSqliteStore(IN_MEMORY);
    const conversations = new ConversationReferences(store);
    await conversations.save(ALERT_MEGAN.aadObjectId, () => ({ aadObjectId: ALERT_MEGAN.aadObjectId, name: ALERT_MEGAN.name, locale: 'en-US', tenantId: 't', reference: {} }));
    const messenger = new FakeMessenger();
    const rows = ['Acme ${x} Ltd', ...HOSTILE_TEXTS.slice(0, 6)].map((customerName, i) => alertRow({ customerName, daysLeft: i === 0 ? -3 : 5 + i }));
    await saveRows(store, ...rows);
    for (const r of rows) await new Assignments(store).set(r.customerId, r.customerName, ALERT_MEGAN, 'command');
    const alerter = () =>
      new ExpiryAlerter({ store, notifier: new TeamsAlertNotifier(messenger, conversations, silentLogger), thresholds: DEFAULT_ALERT_THRESHOLDS, timeZone: 'UTC', logger: silentLogger, now: () => TODAY });

    expect(await alerter().sendDueAlerts()).toMatchObject({ due: rows.length, sent: rows.length, failed: 0, digests: 1 });
    expect(messenger.sent).toHaveLength(1);
    const card = messenger.sent[0].content as AdaptiveCard;
    expect(validate(card).errors).toEqual([]);
    expect(shownStrings(card)).toContain(`Acme $${WJ}{x} Ltd`);
    expect(JSON.stringify(card).match(/"command":"migrate"/g)).toHaveLength(rows.length);
    for (const text of shownStrings(card)) expect(activePart(text)).toBeUndefined();
    expect(await alerter().sendDueAlerts()).toMatchObject({ due: 0, sent: 0, failed: 0 });
  });

  describe('a reject reason `Budget ${not approved}`', () => {
    const CONTOSO = subscriptionRow({ customerId: 'c0000000-0000-4000-8000-000000000001', customerName: 'Contoso Ltd' });
    const draft: MigrationDraft = { customerId: CONTOSO.customerId, subscriptionId: CONTOSO.subscriptionId, planId: 'o365-e1', quantity: 20, userIds: 'all' };
    let store: Store;
    let server: Server;
    let url: string;
    let messenger: FakeMessenger;
    let background: BackgroundWork;
    let request: MigrationRequest;

    beforeEach(async () => {
      store = openSqliteStore(IN_MEMORY);
      await seedSubscription(store, CONTOSO);
      const directory = new FakeDirectory();
      directory.set(CONTOSO.tenantId, makeUsers('a', 20));
      messenger = new FakeMessenger();
      background = new BackgroundWork(silentLogger);
      const approvers = new Approvers([ALEX.aadObjectId, MEGAN.aadObjectId, ADELE.aadObjectId]);
      const approvals = new ApprovalService({
        store, directory, approvers, background, logger: silentLogger, ttlDays: 7,
        notifier: new TeamsApprovalNotifier(messenger, approvers, { findByUserPrincipalName: async () => undefined }),
      });
      const bot = new KaizalaBot({
        conversationState: new ConversationState(new MemoryStorage()),
        rootDialog: new RootDialog([]),
        invokeHandlers: createApprovalHandlers({ approvals }),
        conversationRecorder: new ConversationRecorder(new ConversationReferences(store), silentLogger, async () => undefined),
        store, logger: silentLogger, localMode: true, allowedTenantIds: [],
      });
      const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({ MicrosoftAppId: '', MicrosoftAppPassword: '', MicrosoftAppType: 'MultiTenant' }));
      server = createHttpServer({ adapter, bot, readiness: [], version: 'test', logger: silentLogger });
      url = await listen(server, 0, '127.0.0.1');
      const outcome = await approvals.requestMigration(draft, { aadObjectId: ALEX.aadObjectId, name: ALEX.name }, 'en-US');
      if (outcome.kind !== 'requested') throw new Error(outcome.problem);
      request = outcome.request;
    });

    afterEach(async () => {
      await background.idle();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await store.close();
    });

    it('answers the approver with the decided card, tells the requester and takes the buttons off every approver’s card', async () => {
      const reply = (await postActivity(url, executeActivity(APPROVAL_VERBS.reject, { requestId: request.id, version: 1, rejectReason: 'Budget ${not approved}' }, { serviceUrl: 'http://127.0.0.1:1/', user: ADELE, locale: 'en-US' }))) as {
        status: number;
        body: { value: AdaptiveCard };
      };
      expect(reply.status).toBe(200);
      expect(cardText(reply.body.value)).toContain(`Budget $${WJ}{not approved}`);
      await background.idle();
      const told = messenger.sent.filter((s) => s.aadObjectId === ALEX.aadObjectId);
      expect(told).toHaveLength(1);
      expect(cardText(told[0].content)).toContain(`Budget $${WJ}{not approved}`);
      expect(messenger.updated.map((u) => u.message.conversationKey).sort()).toEqual([ADELE.aadObjectId, MEGAN.aadObjectId].sort());
      for (const update of messenger.updated) expect((update.content as AdaptiveCard).actions).toBeUndefined();
    });
  });

  it('`history` still shows a customer whose request was rejected with `${…}` in the reason', async () => {
    const w = approvalWorld(openSqliteStore(IN_MEMORY));
    const contoso = subscriptionRow({ customerId: 'c0000000-0000-4000-8000-000000000001', customerName: 'Contoso Ltd' });
    await seedSubscription(w.store, contoso);
    w.directory.set(contoso.tenantId, makeUsers('a', 20));
    const outcome = await w.approvals.requestMigration(
      { customerId: contoso.customerId, subscriptionId: contoso.subscriptionId, planId: 'o365-e1', quantity: 20, userIds: 'all' },
      { aadObjectId: ALEX.aadObjectId, name: ALEX.name },
      'en-US',
    );
    if (outcome.kind !== 'requested') throw new Error(outcome.problem);
    await w.approvals.decide({ requestId: outcome.request.id, version: 1, actor: { aadObjectId: MEGAN.aadObjectId, name: MEGAN.name }, decision: 'reject', reason: `Budget \${not approved} ${'x'.repeat(470)}` });
    expect((await w.approvals.getRequest(outcome.request.id))?.status).toBe('rejected');
    const reply = await new Conversation(wizardBot(w)).say('history Contoso Ltd');
    expect(reply).toContain('Migration history of Contoso Ltd');
    expect(reply).toContain(`Budget $${WJ}{not approved}`);
    expect(reply.length).toBeLessThan(4000);
  });
});

describe('history of a customer with many long reject reasons', () => {
  it('shows fewer of the newest entries, each reason whole, rather than a card Teams would refuse', async () => {
    const w = approvalWorld(openSqliteStore(IN_MEMORY));
    const contoso = subscriptionRow({ customerId: 'c0000000-0000-4000-8000-000000000001', customerName: 'Contoso Ltd' });
    await seedSubscription(w.store, contoso);
    w.directory.set(contoso.tenantId, makeUsers('a', 20));
    for (let i = 0; i < 30; i++) {
      const outcome = await w.approvals.requestMigration(
        { customerId: contoso.customerId, subscriptionId: contoso.subscriptionId, planId: 'o365-e1', quantity: 20, userIds: 'all' },
        { aadObjectId: ALEX.aadObjectId, name: ALEX.name },
        'en-US',
      );
      if (outcome.kind !== 'requested') throw new Error(outcome.problem);
      const reason = `Reason ${String(i).padStart(2, '0')} ${'budget '.repeat(68)}`.trim();
      await w.approvals.decide({ requestId: outcome.request.id, version: 1, actor: { aadObjectId: MEGAN.aadObjectId, name: MEGAN.name }, decision: 'reject', reason });
    }
    const alex = new Conversation(wizardBot(w));
    const reply = await alex.say('history Contoso Ltd');
    const shown = /Newest entries: (\d+) \/ 60/.exec(reply);
    expect(shown).not.toBeNull();
    expect(Number(shown?.[1])).toBeLessThan(50);
    expect(reply).toContain(`Reason 29 ${'budget '.repeat(68)}`.trim());
    expect(reply.length * 2).toBeLessThanOrEqual(TEAMS_CARD_LIMITS.utf16Bytes);
  });
});

describe('issue 9 item 5: text replies never render a customer’s markup', () => {
  it('assign, unassign and my customers reply with every hostile name inert', async () => {
    const store = openSqliteStore(IN_MEMORY);
    const customers = HOSTILE_TEXTS.map((customerName, i) => alertRow({ customerName, customerId: `d000000${i.toString(16)}-0000-4000-8000-000000000000` }));
    await saveRows(store, ...customers);
    const say = chat([createAlertCommandModule({ assignments: new Assignments(store), customers: new CustomerDirectory(store), preferences: new AlertPreferences(store), now: () => TODAY })]);
    for (const customer of customers) {
      for (const command of [`assign ${customer.customerId} to me`, `unassign ${customer.customerId}`, `assign ${customer.customerId} to me`]) {
        const [reply] = await say(command);
        expect({ command, active: activePart(reply.text ?? '') }).toEqual({ command, active: undefined });
        expect((reply.text ?? '').length).toBeLessThan(1000);
      }
    }
    const [list] = await say('my customers');
    expect(activePart(list.text ?? '', { multiline: true })).toBeUndefined();
    expect((list.text ?? '').split('\n')).toHaveLength(customers.length + 1);
  });

  it('history and withdraw echo hostile queries and customer names inertly', async () => {
    const w = approvalWorld(openSqliteStore(IN_MEMORY));
    for (const [i, text] of HOSTILE_TEXTS.entries()) {
      await seedSubscription(w.store, subscriptionRow({ customerId: `c0000000-0000-4000-8000-0000000000${String(i).padStart(2, '0')}`, customerName: `Shared ${text}` }));
    }
    const alex = new Conversation(wizardBot(w));
    for (const turn of ['history Shared', ...HOSTILE_TEXTS.map((text) => `history ${text}`), ...HOSTILE_TEXTS.map((text) => `withdraw ${text}`)]) {
      const reply = await alex.say(turn);
      expect({ turn: turn.slice(0, 50), active: activePart(reply, { multiline: true }) }).toEqual({ turn: turn.slice(0, 50), active: undefined });
      expect(reply.length).toBeLessThan(3000);
    }
  });

  it('the migration wizard’s replies and cards show hostile customer names and queries inertly', async () => {
    const w = approvalWorld(openSqliteStore(IN_MEMORY));
    for (const [i, text] of HOSTILE_TEXTS.entries()) {
      const row = subscriptionRow({ customerId: `c0000000-0000-4000-8000-0000000001${String(i).padStart(2, '0')}`, customerName: text });
      await seedSubscription(w.store, row);
      w.directory.set(row.tenantId, makeUsers(`h${i}`, 3));
    }
    for (const turn of [...HOSTILE_TEXTS.map((text) => `migrate ${text}`), 'migrate nobody-at-all **x** [y](http://z)']) {
      const reply = await new Conversation(wizardBot(w)).say(turn);
      expect({ turn: turn.slice(0, 50), active: activePart(reply, { multiline: true }) }).toEqual({ turn: turn.slice(0, 50), active: undefined });
    }
  });

  it('an unknown command is echoed inertly', async () => {
    const say = chat([]);
    for (const text of HOSTILE_TEXTS) {
      const [reply] = await say(text);
      expect(activePart(reply.text ?? '')).toBeUndefined();
    }
  });

  it('the scan summary names customers that could not be read, and their error text, inertly', () => {
    const failures = HOSTILE_TEXTS.slice(0, 5).map((customerName, i) => ({ customerId: `c${i}`, customerName, kind: 'error' as const, reason: HOSTILE_TEXTS[(i + 5) % HOSTILE_TEXTS.length] }));
    const summary = { durationMs: 1000, customersTotal: 9, customersScanned: 4, customersFailed: 5, subscriptionsFound: 1, needsReview: 0, partial: 0, discoveryTestFailed: 0, byUrgency: emptyUrgencyCounts(), urgent: 0, failures } as unknown as ScanSummary;
    const text = scanSummaryText(summary, 'en');
    expect(activePart(text.replace(/\*\*expiring\*\*/g, ''), { multiline: true })).toBeUndefined();
  });
});
