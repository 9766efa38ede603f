import { ConversationRecorder } from '../../bot/proactive/conversationRecorder';
import { ConversationReferences } from '../../bot/proactive/conversationReferences';
import { CloudAdapter, ConfigurationBotFrameworkAuthentication, ConversationState, MemoryStorage } from 'botbuilder';
import type { Server } from 'restify';
import { APPROVAL_VERBS, createApprovalHandlers, parseRequestAction } from '../../bot/approvalHandlers';
import { TeamsApprovalNotifier } from '../../bot/approvalNotifier';
import { createHttpServer, listen } from '../../bot/httpServer';
import { KaizalaBot } from '../../bot/teamsBot';
import { renderCard } from '../../cards/cards';
import { CARD_SAMPLES } from '../../cards/samples';
import { RootDialog } from '../../dialogs/rootDialog';
import { ApprovalService, Approvers, BackgroundWork, type MigrationDraft } from '../../services/approvals';
import type { MigrationRequest } from '../../services/domain/request';
import { silentLogger } from '../../services/logging';
import { IN_MEMORY, openSqliteStore } from '../../services/store';
import type { Store } from '../../services/store/store';
import { executeActivity, postActivity } from '../support/activities';
import {
  ADELE,
  ALEX,
  cardText,
  FakeDirectory,
  FakeMessenger,
  ISAIAH,
  makeUsers,
  MEGAN,
  seedSubscription,
  subscriptionRow,
} from '../wizard/support';

const CONTOSO = subscriptionRow({ customerId: 'c0000000-0000-4000-8000-000000000001', customerName: 'Contoso [Beta] *Ltd*' });
const SERVICE_URL = 'http://127.0.0.1:1/';
const draft: MigrationDraft = { customerId: CONTOSO.customerId, subscriptionId: CONTOSO.subscriptionId, planId: 'o365-e1', quantity: 22, userIds: 'all' };

interface InvokeReply {
  status: number;
  body: { statusCode: number; type: string; value: { code?: string; message?: string; actions?: unknown[]; body?: unknown[] } & Record<string, unknown> };
}

describe('the approval buttons, over the real /api/messages endpoint', () => {
  let store: Store;
  let server: Server;
  let url: string;
  let messenger: FakeMessenger;
  let background: BackgroundWork;
  let approvals: ApprovalService;
  let request: MigrationRequest;

  beforeEach(async () => {
    store = openSqliteStore(IN_MEMORY);
    await seedSubscription(store, CONTOSO);
    const directory = new FakeDirectory();
    directory.set(CONTOSO.tenantId, makeUsers('a', 20));
    messenger = new FakeMessenger();
    messenger.locales.set(ADELE.aadObjectId, 'de');
    background = new BackgroundWork(silentLogger);
    const approvers = new Approvers([ALEX.aadObjectId, MEGAN.aadObjectId, ADELE.aadObjectId]);
    approvals = new ApprovalService({
      store,
      directory,
      approvers,
      notifier: new TeamsApprovalNotifier(messenger, approvers, { findByUserPrincipalName: async () => undefined }),
      background,
      logger: silentLogger,
      ttlDays: 7,
    });
    const bot = new KaizalaBot({
      conversationState: new ConversationState(new MemoryStorage()),
      rootDialog: new RootDialog([]),
      invokeHandlers: createApprovalHandlers({ approvals }),
      conversationRecorder: new ConversationRecorder(new ConversationReferences(store), silentLogger, async () => undefined),
      store,
      logger: silentLogger,
      localMode: true,
      allowedTenantIds: [],
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

  const click = async (verb: unknown, data: unknown, user = MEGAN, locale = 'en-US'): Promise<InvokeReply> =>
    (await postActivity(url, executeActivity(verb, data, { serviceUrl: SERVICE_URL, user, locale }))) as InvokeReply;

  const current = async () => (await approvals.getRequest(request.id)) as MigrationRequest;

  it('sent the approval card to each approver but the requester, in their language, with Approve and Reject', () => {
    expect(messenger.sent.map((s) => s.aadObjectId)).toEqual([MEGAN.aadObjectId, ADELE.aadObjectId]);
    const [english, german] = messenger.sent.map((s) => s.content as { actions: { verb: string; data: unknown }[] });
    expect(english.actions.map((a) => a.verb)).toEqual([APPROVAL_VERBS.approve, APPROVAL_VERBS.reject]);
    expect(english.actions[0].data).toEqual({ requestId: request.id, version: 1 });
    expect(cardText(english)).toContain('Approve a Kaizala Pro migration?');
    expect(cardText(german)).toContain('Eine Kaizala-Pro-Migration genehmigen?');
    expect(cardText(english)).toContain('Contoso [Beta] ∗Ltd∗');
  });

  it('Approve answers with the decided card, updates every approver’s card and tells the requester', async () => {
    const reply = await click(APPROVAL_VERBS.approve, { requestId: request.id, version: 1 });
    expect(reply.status).toBe(200);
    expect(reply.body.type).toBe('application/vnd.microsoft.card.adaptive');
    expect(reply.body.value.actions).toBeUndefined();
    expect(cardText(reply.body.value)).toContain('Approved by Megan Bowen');
    expect(await current()).toMatchObject({ status: 'approved', version: 2 });

    await background.idle();
    expect(messenger.updated.map((u) => u.message.conversationKey)).toEqual([MEGAN.aadObjectId, ADELE.aadObjectId]);
    for (const update of messenger.updated) expect((update.content as { actions?: unknown }).actions).toBeUndefined();
    expect(cardText(messenger.updated[1].content)).toContain('Genehmigt von Megan Bowen');
    const told = messenger.sent.filter((s) => s.aadObjectId === ALEX.aadObjectId);
    expect(told).toHaveLength(1);
    expect(cardText(told[0].content)).toContain('The migration starts now');
  });

  it('a second click, another approver, a Teams retry and a stale card all get the decided card, never a second decision', async () => {
    await click(APPROVAL_VERBS.approve, { requestId: request.id, version: 1 });
    for (const [verb, user, data] of [
      [APPROVAL_VERBS.approve, MEGAN, { requestId: request.id, version: 1 }],
      [APPROVAL_VERBS.reject, ADELE, { requestId: request.id, version: 1, rejectReason: 'Too late' }],
      [APPROVAL_VERBS.approve, ADELE, { requestId: request.id, version: 1 }],
      [APPROVAL_VERBS.refresh, ADELE, { requestId: request.id, version: 1 }],
    ] as const) {
      const reply = await click(verb, data, user);
      expect(reply.status).toBe(200);
      expect(cardText(reply.body.value)).toContain('Approved by Megan Bowen');
      expect(reply.body.value.actions).toBeUndefined();
    }
    expect(await current()).toMatchObject({ status: 'approved', version: 2, decidedBy: { aadObjectId: MEGAN.aadObjectId } });
  });

  it('ten concurrent clicks over HTTP make one decision, and every click gets a card', async () => {
    const replies = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        click(i % 2 ? APPROVAL_VERBS.reject : APPROVAL_VERBS.approve, { requestId: request.id, version: 1, ...(i % 2 ? { rejectReason: 'No' } : {}) }, i % 3 ? MEGAN : ADELE),
      ),
    );
    expect(replies.every((r) => r.status === 200 && r.body.type === 'application/vnd.microsoft.card.adaptive')).toBe(true);
    const final = await current();
    expect(final.version).toBe(2);
    const decisions = (await store.list<{ action: string }>('audit')).filter((e) => e.value.action !== 'requested');
    expect(decisions).toHaveLength(1);
  });

  it.each([
    ['the requester approves their own request', APPROVAL_VERBS.approve, { requestId: 'ID', version: 1 }, ALEX, 403, 'SelfApproval'],
    ['someone who is not an approver', APPROVAL_VERBS.approve, { requestId: 'ID', version: 1 }, ISAIAH, 403, 'NotAnApprover'],
    ['a rejection without a reason', APPROVAL_VERBS.reject, { requestId: 'ID', version: 1 }, MEGAN, 400, 'ReasonRequired'],
    ['a rejection with a blank reason', APPROVAL_VERBS.reject, { requestId: 'ID', version: 1, rejectReason: '   ' }, MEGAN, 400, 'ReasonRequired'],
    ['a version from the future', APPROVAL_VERBS.approve, { requestId: 'ID', version: 7 }, MEGAN, 409, 'VersionMismatch'],
    ['an unknown request', APPROVAL_VERBS.approve, { requestId: 'MR-0000000000', version: 1 }, MEGAN, 404, 'RequestNotFound'],
    ['a version of the wrong type', APPROVAL_VERBS.approve, { requestId: 'ID', version: '1' }, MEGAN, 400, 'MalformedData'],
    ['a negative version', APPROVAL_VERBS.approve, { requestId: 'ID', version: -1 }, MEGAN, 400, 'MalformedData'],
    ['a request id of the wrong type', APPROVAL_VERBS.approve, { requestId: 42, version: 1 }, MEGAN, 400, 'MalformedData'],
    ['a request id of the wrong shape', APPROVAL_VERBS.approve, { requestId: '../requests/x', version: 1 }, MEGAN, 400, 'MalformedData'],
    ['an extra field', APPROVAL_VERBS.approve, { requestId: 'ID', version: 1, status: 'approved' }, MEGAN, 400, 'MalformedData'],
    ['a reason of the wrong type', APPROVAL_VERBS.reject, { requestId: 'ID', version: 1, rejectReason: { text: 'x' } }, MEGAN, 400, 'MalformedData'],
    ['missing data', APPROVAL_VERBS.approve, {}, MEGAN, 400, 'MalformedData'],
    ['someone else withdrawing', APPROVAL_VERBS.withdraw, { requestId: 'ID', version: 1 }, MEGAN, 403, 'NotTheRequester'],
    ['a refresh by a stranger while pending', APPROVAL_VERBS.refresh, { requestId: 'ID', version: 1 }, ISAIAH, 403, 'NotAnApprover'],
    ['an unknown verb', 'approvalApproveAll', { requestId: 'ID', version: 1 }, MEGAN, 400, 'UnknownVerb'],
  ])('%s: a typed error, and nothing changes', async (_case, verb, data, user, status, code) => {
    const payload = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, v === 'ID' ? request.id : v]));
    const reply = await click(verb, payload, user);
    expect(reply.status).toBe(status);
    expect(reply.body).toMatchObject({ statusCode: status, type: 'application/vnd.microsoft.error', value: { code } });
    expect(reply.body.value.message).toMatch(/Nothing was changed|nothing was changed/);
    expect(await current()).toMatchObject({ status: 'pending', version: 1 });
    await background.idle();
    expect(messenger.updated).toEqual([]);
  });

  it('answers errors in the clicker’s language', async () => {
    const reply = await click(APPROVAL_VERBS.approve, { requestId: request.id, version: 1 }, ALEX, 'de-DE');
    expect(reply.body.value.message).toContain('Es wurde nichts geändert');
  });

  it('Reject with a reason answers the decided card showing the reason', async () => {
    const reply = await click(APPROVAL_VERBS.reject, { requestId: request.id, version: 1, rejectReason: 'Customer wants *E3*' }, ADELE);
    expect(cardText(reply.body.value)).toContain('Rejected by Adele Vance');
    expect(cardText(reply.body.value)).toContain('Customer wants ∗E3∗');
    await background.idle();
    const told = messenger.sent.find((s) => s.aadObjectId === ALEX.aadObjectId);
    expect(cardText(told?.content)).toContain('Nothing was bought');
  });

  it('refresh shows each viewer the card as it is now: buttons for approvers, Withdraw for the requester', async () => {
    const forApprover = await click(APPROVAL_VERBS.refresh, { requestId: request.id, version: 1 }, ADELE);
    expect((forApprover.body.value.actions as { verb: string }[]).map((a) => a.verb)).toEqual([APPROVAL_VERBS.approve, APPROVAL_VERBS.reject]);
    const forRequester = await click(APPROVAL_VERBS.refresh, { requestId: request.id, version: 1 }, ALEX);
    expect((forRequester.body.value.actions as { verb: string }[]).map((a) => a.verb)).toEqual([APPROVAL_VERBS.withdraw]);
    expect(cardText(forRequester.body.value)).toContain('Approvers reached: 2');
  });

  it('the requester’s Withdraw button withdraws the request and the approvers’ cards lose their buttons', async () => {
    const reply = await click(APPROVAL_VERBS.withdraw, { requestId: request.id, version: 1 }, ALEX);
    expect(cardText(reply.body.value)).toContain('Withdrawn by Alex Wilber');
    expect(await current()).toMatchObject({ status: 'withdrawn', version: 2 });
    await background.idle();
    expect(messenger.updated).toHaveLength(2);
    expect(messenger.updated.every((u) => (u.content as { actions?: unknown }).actions === undefined)).toBe(true);
    const again = await click(APPROVAL_VERBS.approve, { requestId: request.id, version: 1 }, MEGAN);
    expect(cardText(again.body.value)).toContain('Withdrawn by Alex Wilber');
  });

  it('answers at once, without waiting for the other approvers’ cards to be updated', async () => {
    let release: () => void = () => undefined;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    messenger.update = async () => blocked;
    const reply = await click(APPROVAL_VERBS.approve, { requestId: request.id, version: 1 });
    expect(reply.status).toBe(200);
    release();
  });
});

describe('the card templates and the handler table', () => {
  it('use exactly the exported verbs', () => {
    const handlers = createApprovalHandlers({ approvals: {} as never });
    const verbs = new Set<string>();
    const collect = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(collect);
      else if (node && typeof node === 'object') {
        const record = node as Record<string, unknown>;
        if (record.type === 'Action.Execute' && typeof record.verb === 'string') verbs.add(record.verb);
        Object.values(record).forEach(collect);
      }
    };
    for (const name of ['approvalRequest', 'reviewSubmitted'] as const) collect(renderCard(name, CARD_SAMPLES[name] as never, 'en'));
    expect([...verbs].sort()).toEqual(Object.values(APPROVAL_VERBS).sort());
    expect(Object.keys(handlers).sort()).toEqual(Object.values(APPROVAL_VERBS).sort());
  });

  it.each([
    [{ requestId: 'MR-7K2Q9XW4PD', version: 3 }, true],
    [{ requestId: 'MR-7K2Q9XW4PD', version: 3, rejectReason: 'x' }, true],
    [{ requestId: 'mr-7k2q9xw4pd', version: 3 }, false],
    [{ requestId: 'MR-7K2Q9XW4PD', version: 1.5 }, false],
    [{ requestId: 'MR-7K2Q9XW4PD', version: Number.MAX_SAFE_INTEGER + 1 }, false],
    [{ requestId: 'MR-7K2Q9XW4PD', version: 3, __proto__: { x: 1 }, extra: 1 }, false],
  ])('parseRequestAction(%j) accepts: %s', (data, ok) => {
    expect(parseRequestAction(data as Record<string, unknown>) !== undefined).toBe(ok);
  });
});
