import { Activity, ActivityTypes, InvokeResponse, TestAdapter } from 'botbuilder';
import { APPROVAL_VERBS } from '../../bot/approvalHandlers';
import { ActivityReplay } from '../../bot/activityReplay';
import type { MigrationRequest } from '../../services/domain/request';
import { silentLogger } from '../../services/logging';
import { IN_MEMORY, openSqliteStore } from '../../services/store';
import type { Store } from '../../services/store/store';
import { ALEX, approvalWorld, converse, Conversation, makeUsers, MEGAN, seedSubscription, subscriptionRow, testPricing, wizardBot, type WizardWorld } from '../wizard/support';

/** Teams delivers an activity again (same id) when our answer was late: the retry is answered as the first was. */

const CONTOSO = subscriptionRow({ customerId: 'c0000000-0000-4000-8000-000000000001', customerName: 'Contoso Ltd', usersOnKaizala: 20 });

function envelope(user: typeof ALEX): Partial<Activity> {
  return {
    channelId: 'msteams',
    locale: 'en-US',
    from: { id: user.id, name: user.name, aadObjectId: user.aadObjectId },
    conversation: { id: `a:personal-${user.id}`, isGroup: false, conversationType: 'personal', name: '', tenantId: 'partner' },
    recipient: { id: '28:bot', name: 'bot' },
  };
}

/** What the person sees happen: messages sent and messages updated in place (the wizard keeps one card). */
interface Seen {
  sent?: Partial<Activity>;
  updated?: Partial<Activity>;
}

/** Records every send and update of the adapter, in order, as the person would see them. */
function observe(adapter: TestAdapter): Seen[] {
  const seen: Seen[] = [];
  const clean = ({ timestamp: _timestamp, localTimestamp: _local, ...rest }: Partial<Activity>): Partial<Activity> => JSON.parse(JSON.stringify(rest)) as Partial<Activity>;
  const send = adapter.sendActivities.bind(adapter);
  adapter.sendActivities = async (context, activities) => {
    const responses = await send(context, activities);
    for (const activity of activities) seen.push({ sent: clean({ ...activity, id: undefined }) });
    return responses;
  };
  const update = adapter.updateActivity.bind(adapter);
  adapter.updateActivity = async (context, activity) => {
    seen.push({ updated: clean(activity) });
    return update(context, activity);
  };
  return seen;
}

/** Delivers one activity and answers what the person saw happen in that turn. */
async function deliver(adapter: TestAdapter, activity: Partial<Activity>, seen: Seen[]): Promise<Seen[]> {
  seen.length = 0;
  await adapter.processActivity({ ...activity });
  return seen.splice(0);
}

async function requests(store: Store): Promise<MigrationRequest[]> {
  return (await store.list<MigrationRequest>('requests')).map((item) => item.value);
}

describe('a retried "Request approval"', () => {
  let w: WizardWorld;
  let adapter: TestAdapter;
  let seen: Seen[];
  let requestApproval: Partial<Activity>;

  beforeEach(async () => {
    w = approvalWorld(openSqliteStore(IN_MEMORY), { pricing: testPricing() });
    await seedSubscription(w.store, CONTOSO);
    w.directory.set(CONTOSO.tenantId, makeUsers('a', 20));
    adapter = wizardBot(w, testPricing());
    seen = observe(adapter);
    const alex = new Conversation(adapter);
    await converse(alex, [
      ['migrate Contoso Ltd', ['Choose the new plan']],
      [{ press: 'Next', with: { planId: 'business-basic' } }, ['Which users move?']],
      [{ press: 'Move all users' }, ['How many seats?']],
      [{ press: 'Next', with: { quantity: '24' } }, ['Review the migration']],
    ]);
    const actions = (alex.latestCard()?.actions ?? []) as { title: string; data: Record<string, unknown> }[];
    const button = actions.find((action) => action.title === 'Request approval');
    if (!button) throw new Error('the review card has no Request approval button');
    requestApproval = { ...envelope(ALEX), id: 'f:retried-1', type: ActivityTypes.Message, text: '', value: button.data };
  });

  it('creates one request and answers the retry exactly as the first delivery', async () => {
    const requestMigration = jest.spyOn(w.approvals, 'requestMigration');
    const first = await deliver(adapter, requestApproval, seen);
    const retry = await deliver(adapter, requestApproval, seen);
    expect(JSON.stringify(first)).toContain('Approval requested');
    expect(retry).toEqual(first);
    expect(await requests(w.store)).toHaveLength(1);
    // Approvers were asked once, and the retry never reached the approval use case.
    expect(w.notifier.sent).toHaveLength(2);
    expect(requestMigration).toHaveBeenCalledTimes(1);
  });

  it('a retry arriving while the first delivery still runs waits for it, then gets the same answer', async () => {
    seen.length = 0;
    await Promise.all([adapter.processActivity({ ...requestApproval }), adapter.processActivity({ ...requestApproval })]);
    const sent = seen.splice(0);
    expect(sent.length % 2).toBe(0);
    expect(sent.slice(sent.length / 2)).toEqual(sent.slice(0, sent.length / 2));
    expect(JSON.stringify(sent)).toContain('Approval requested');
    expect(JSON.stringify(sent)).not.toContain('already active');
    expect(await requests(w.store)).toHaveLength(1);
  });

  it('an approver\'s retried Approve click gets the same card, and the request is decided once', async () => {
    await deliver(adapter, requestApproval, seen);
    const [request] = await requests(w.store);
    const approve = (id: string): Partial<Activity> => ({
      ...envelope(MEGAN),
      id,
      type: ActivityTypes.Invoke,
      name: 'adaptiveCard/action',
      value: { action: { type: 'Action.Execute', verb: APPROVAL_VERBS.approve, data: { requestId: request.id, version: request.version } } },
    });
    const invokeResponse = (answers: Seen[]) => answers.find((answer) => answer.sent?.type === ActivityTypes.InvokeResponse)?.sent?.value as InvokeResponse;
    const decide = jest.spyOn(w.approvals, 'decide');
    const first = invokeResponse(await deliver(adapter, approve('f:approve-1'), seen));
    const retry = invokeResponse(await deliver(adapter, approve('f:approve-1'), seen));
    expect(first.status).toBe(200);
    expect(retry).toEqual(first);
    const decided = (await requests(w.store))[0];
    expect(decided.status).toBe('approved');
    expect(decided.version).toBe(request.version + 1);
    // The retry never reached the approval use case: it was answered from the first delivery's record.
    expect(decide).toHaveBeenCalledTimes(1);
  });
});

describe('ActivityReplay', () => {
  const message = (id: string): Partial<Activity> => ({ ...envelope(ALEX), id, type: ActivityTypes.Message, text: 'hello' });

  it('a retry updates the same card again when the first delivery answered by updating a card in place', async () => {
    const replay = new ActivityReplay(openSqliteStore(IN_MEMORY), silentLogger);
    let runs = 0;
    const adapter = new TestAdapter((context) =>
      replay.once(context, async () => {
        runs += 1;
        await context.updateActivity({ id: 'card-1', type: ActivityTypes.Message, text: `updated ${runs}` });
      }),
    );
    const seen = observe(adapter);
    const first = await deliver(adapter, message('m1'), seen);
    expect(first).toEqual([{ updated: expect.objectContaining({ id: 'card-1', text: 'updated 1' }) }]);
    expect(await deliver(adapter, message('m1'), seen)).toEqual(first);
    expect(runs).toBe(1);
  });

  it('a first delivery that failed is processed again on its retry', async () => {
    const replay = new ActivityReplay(openSqliteStore(IN_MEMORY), silentLogger);
    let runs = 0;
    const adapter = new TestAdapter((context) =>
      replay.once(context, async () => {
        runs += 1;
        if (runs === 1) throw new Error('the store went away');
        await context.sendActivity(`run ${runs}`);
      }),
    );
    const seen = observe(adapter);
    await expect(deliver(adapter, message('m1'), seen)).rejects.toThrow('the store went away');
    expect((await deliver(adapter, message('m1'), seen)).map((answer) => answer.sent?.text)).toEqual(['run 2']);
    expect((await deliver(adapter, message('m1'), seen)).map((answer) => answer.sent?.text)).toEqual(['run 2']);
    expect(runs).toBe(2);
  });

  it('a click retried while its first delivery is still running past the wait is told so (typed 409), and runs once', async () => {
    const replay = new ActivityReplay(openSqliteStore(IN_MEMORY), silentLogger, { waitMs: 200, pollMs: 20 });
    let release!: () => void;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    let runs = 0;
    const adapter = new TestAdapter((context) =>
      replay.once(context, async () => {
        runs += 1;
        await blocked;
        await context.sendActivity({ type: ActivityTypes.InvokeResponse, value: { status: 200, body: { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: 'done' } } });
      }),
    );
    const seen = observe(adapter);
    const click: Partial<Activity> = { ...envelope(ALEX), id: 'i1', type: ActivityTypes.Invoke, name: 'adaptiveCard/action', value: {} };
    const first = adapter.processActivity({ ...click });
    const whileRunning = await deliver(adapter, click, seen);
    expect(whileRunning.map((answer) => answer.sent)).toEqual([
      expect.objectContaining({ type: ActivityTypes.InvokeResponse, value: { status: 409, body: expect.objectContaining({ statusCode: 409, value: expect.objectContaining({ code: 'StillProcessing' }) }) } }),
    ]);
    release();
    await first;
    const afterwards = await deliver(adapter, click, seen);
    expect(afterwards.map((answer) => answer.sent)).toEqual([expect.objectContaining({ type: ActivityTypes.InvokeResponse, value: { status: 200, body: expect.objectContaining({ value: 'done' }) } })]);
    expect(runs).toBe(1);
  });

  it('an activity whose first delivery died with its instance is taken over once the claim expires', async () => {
    const store = openSqliteStore(IN_MEMORY);
    let now = Date.UTC(2026, 11, 3, 12);
    const dead = new ActivityReplay(store, silentLogger, { claimMs: 60_000, now: () => now });
    const alive = new ActivityReplay(store, silentLogger, { claimMs: 60_000, waitMs: 0, now: () => now });
    const never = new Promise<void>(() => undefined);
    void new TestAdapter((context) => dead.once(context, () => never)).processActivity(message('m1'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    let runs = 0;
    const adapter = new TestAdapter((context) =>
      alive.once(context, async () => {
        runs += 1;
        await context.sendActivity('taken over');
      }),
    );
    const seen = observe(adapter);
    expect(await deliver(adapter, message('m1'), seen)).toEqual([]);
    now += 60_000;
    expect((await deliver(adapter, message('m1'), seen)).map((answer) => answer.sent?.text)).toEqual(['taken over']);
    expect(runs).toBe(1);
  });

  it('keeps answers at least a day (across midnight) and deletes older days in the background', async () => {
    const store = openSqliteStore(IN_MEMORY);
    let now = Date.UTC(2026, 11, 3, 23, 59);
    const replay = new ActivityReplay(store, silentLogger, { now: () => now });
    let runs = 0;
    const adapter = new TestAdapter((context) =>
      replay.once(context, async () => {
        runs += 1;
        await context.sendActivity(`answer ${runs}`);
      }),
    );
    const seen = observe(adapter);
    await deliver(adapter, message('late'), seen);
    now += 2 * 60_000;
    expect((await deliver(adapter, message('late'), seen)).map((answer) => answer.sent?.text)).toEqual(['answer 1']);
    expect(runs).toBe(1);
    now += 2 * 24 * 60 * 60_000;
    await deliver(adapter, message('two days later'), seen);
    await replay.idle();
    const keys = (await store.list('deliveries')).map((item) => item.key);
    expect(keys).toHaveLength(1);
    expect(keys[0].startsWith(`${Math.floor(now / 86_400_000)}:`)).toBe(true);
  });
});
