/**
 * The Teams side of a run: the progress card (one send, then updates in place), the summary, the deadline
 * warning, and the Retry/Cancel verbs with their policy answers.
 */
import type { TurnContext } from 'botbuilder';
import runProgressTemplate from '../../cards/runProgress.json';
import type { RenderForLocale, SentMessage, ProactiveMessenger } from '../../bot/proactive/messenger';
import { RUN_VERBS, createRunHandlers, parseRunAction, type RunControl } from '../../bot/runHandlers';
import { TeamsRunNotifier, progressBar, runProgressCardData, runSummaryCardData } from '../../bot/runProgressNotifier';
import type { Locale } from '../../cards/i18n';
import { toProgressView, toSummaryView, newRun, type MigrationRun, type RunActionRequest, type RunActionResult } from '../../services/migration';
import {
  APPROVER,
  BUSINESS_BASIC,
  REQUESTER,
  addCustomer,
  approvedRequest,
  clientsFor,
  createRunner,
  memoryStore,
  startTestSandbox,
  waitForRun,
} from './support';

const NOW = Date.parse('2030-01-10T10:00:00Z');

function run(overrides: Partial<MigrationRun> = {}): MigrationRun {
  const base = newRun(
    {
      id: 'MR-7K2Q9XW4PD',
      version: 2,
      status: 'approved',
      customerId: 'c1',
      customerName: 'Contoso [Beta] *Ltd*',
      tenantId: 'c1',
      kaizalaSubscriptionId: 'k1',
      kaizalaSkuId: '00000000-0000-4000-8000-00000000c0de',
      commitmentEndDate: '2030-06-30T00:00:00Z',
      plan: BUSINESS_BASIC,
      quantity: 4,
      userIds: ['u1', 'u2', 'u3', 'u4'],
      requester: REQUESTER,
      requesterLocale: 'de',
      createdAt: '2030-01-01T00:00:00Z',
      expiresAt: '2030-01-08T00:00:00Z',
      decidedBy: APPROVER,
    },
    'graph',
    '2030-01-10T09:50:00Z',
  );
  return { ...base, startedAt: '2030-01-10T09:55:30Z', ...overrides };
}

const parkedAfterPurchase = run({
  status: 'parked',
  version: 5,
  step: 'moveLicenses',
  purchase: { abandonedCarts: [], orderIds: ['7c1e2b9f4a3d'], cartId: 'cart-1' },
  users: [
    { id: 'u1', state: 'done', attempts: 1 },
    { id: 'u2', state: 'done', attempts: 1 },
    { id: 'u3', state: 'done', attempts: 1 },
    { id: 'u4', state: 'failed', attempts: 0, upn: 'lee.gu@contoso.example', problem: { code: 'noUsageLocation', detail: 'no usage location' } },
  ],
  parked: { code: 'usersNeedAttention', detail: '1 of 4 users could not be moved', step: 'moveLicenses', at: '2030-01-10T09:59:00Z' },
});

describe('progress card data', () => {
  test('a parked run after the purchase: the bar, the reason, the problem, Retry and a Cancel that states what was bought', () => {
    const data = runProgressCardData(toProgressView(parkedAfterPurchase, NOW, 3), 'en');
    expect(data).toMatchObject({
      runId: 'MR-7K2Q9XW4PD',
      version: 5,
      statusText: 'Waiting for you',
      usersText: '3 of 4 users moved · 1 need attention',
      elapsedText: '4 min 30 s',
      progressBar: '███████████████░░░░░ 75%',
      showRetry: true,
      showRetryViaPartnerCenter: true,
      showCancel: true,
    });
    expect(data.parkedText).toContain('1 of 4 users could not be moved');
    expect(data.problems).toEqual([{ text: 'lee.gu@contoso.example: no usage location set' }]);
    expect(data.cancelNote).toContain('Already bought: 4 × Microsoft 365 Business Basic · order 7c1e2b9f4a3d');
    expect(data.steps.map((step) => step.text.slice(0, 1))).toEqual(['✓', '✓', '⚠', '○', '○', '○']);
  });

  test('before the purchase Cancel is plainly safe; a running run offers no buttons; a completed one is all done', () => {
    const queued = runProgressCardData(toProgressView(run(), NOW, 3), 'de');
    expect(queued).toMatchObject({ statusText: 'In der Warteschlange', showRetry: false, showCancel: true, cancelNote: 'Es wurde noch nichts gekauft: Abbrechen ist gefahrlos.' });
    const running = runProgressCardData(toProgressView(run({ status: 'running', step: 'verify' }), NOW, 3), 'en');
    expect([running.showRetry, running.showCancel, running.cancelNote, running.parkedText]).toEqual([false, false, '', '']);
    const completed = runProgressCardData(toProgressView(run({ status: 'completed', step: 'completed', outcome: 'suspended' }), NOW, 3), 'en');
    expect(completed.steps.every((step) => step.text.startsWith('✓'))).toBe(true);
  });

  test('the text bar', () => {
    expect(progressBar(0, 0)).toBe('░░░░░░░░░░░░░░░░░░░░ 0%');
    expect(progressBar(1, 3)).toBe('███████░░░░░░░░░░░░░ 33%');
    expect(progressBar(40, 40)).toBe('████████████████████ 100%');
  });

  test('the summary names what was bought, the users moved and what became of Kaizala Pro', () => {
    const done = run({ status: 'completed', step: 'completed', outcome: 'alreadySuspended', finishedAt: '2030-01-10T10:00:00Z', purchase: { abandonedCarts: [], orderIds: ['o-1'] }, newSubscriptionIds: { x: 'sub-1' } });
    const data = runSummaryCardData(toSummaryView({ ...done, users: done.users.map((user) => ({ ...user, state: 'done' })) }, NOW, 3), 'en');
    expect(data.facts).toEqual(
      expect.arrayContaining([
        { title: 'Bought', value: '4 × Microsoft 365 Business Basic · order o-1' },
        { title: 'Users', value: '4 of 4 users moved' },
        { title: 'Kaizala Pro', value: 'was already suspended' },
        { title: 'New subscriptions', value: 'sub-1' },
      ]),
    );
  });

  test('the template uses exactly the exported verbs', () => {
    const verbs = new Set((runProgressTemplate.actions as Array<{ verb: string }>).map((action) => action.verb));
    expect([...verbs].sort()).toEqual(Object.values(RUN_VERBS).sort());
  });
});

describe('Retry and Cancel verbs', () => {
  const view = toProgressView(parkedAfterPurchase, NOW, 3);
  const calls: Array<['retry' | 'cancel', RunActionRequest]> = [];
  let next: RunActionResult = { kind: 'done', view };
  const runs: RunControl = {
    retry: async (request) => (calls.push(['retry', request]), next),
    cancel: async (request) => (calls.push(['cancel', request]), next),
  };
  const handlers = createRunHandlers({ runs, userPrincipalNameOf: async () => 'megan@contoso.example' });
  const invoke = (verb: string, data: Record<string, unknown>, locale: Locale = 'en') =>
    handlers[verb]({ context: {} as TurnContext, actor: REQUESTER, locale, data });

  beforeEach(() => {
    calls.length = 0;
    next = { kind: 'done', view };
  });

  test('Retry passes ids, version, the path and the actor (with UPN) and answers with the card as it now is', async () => {
    const response = await invoke(RUN_VERBS.retry, { runId: view.runId, version: 5, licensePath: 'partnerCenter' });
    expect(calls).toEqual([['retry', { runId: view.runId, version: 5, licensePath: 'partnerCenter', actor: { ...REQUESTER, userPrincipalName: 'megan@contoso.example' } }]]);
    expect(response).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive' });
    expect(JSON.stringify(response.value)).toContain('Contoso [Beta] ∗Ltd∗');
  });

  test.each([
    ['notFound', 404, 'RunNotFound'],
    ['forbidden', 403, 'NotRequesterOrApprover'],
    ['stale', 409, 'VersionMismatch'],
    ['notAllowed', 409, 'NotAllowedNow'],
  ] as const)('a refusal (%s) is a typed error and changes nothing', async (kind, status, code) => {
    next = kind === 'notFound' ? { kind } : { kind, view };
    const response = await invoke(RUN_VERBS.cancel, { runId: view.runId, version: 5 });
    expect(response).toMatchObject({ statusCode: status, type: 'application/vnd.microsoft.error', value: { code } });
  });

  test('malformed data never reaches the runner', async () => {
    for (const data of [{}, { runId: view.runId, version: '5' }, { runId: view.runId, version: 5, extra: 1 }, { runId: view.runId, version: 5, licensePath: 'fax' }]) {
      expect((await invoke(RUN_VERBS.retry, data)).statusCode).toBe(400);
    }
    expect((await invoke(RUN_VERBS.cancel, { runId: view.runId, version: 5, licensePath: 'graph' })).statusCode).toBe(400);
    expect(calls).toEqual([]);
    expect(parseRunAction({ runId: 'MR-1', version: 3 })).toEqual({ runId: 'MR-1', version: 3 });
  });
});

class FakeMessenger implements ProactiveMessenger {
  readonly sent: Array<{ to: string; content: unknown }> = [];
  readonly updates: Array<{ message: SentMessage; content: unknown }> = [];

  async sendToPerson(aadObjectId: string, render: RenderForLocale): Promise<SentMessage | undefined> {
    this.sent.push({ to: aadObjectId, content: render('en') });
    return { conversationKey: `conv-${aadObjectId}`, activityId: `act-${this.sent.length}` };
  }

  async update(message: SentMessage, render: RenderForLocale): Promise<void> {
    this.updates.push({ message, content: render('de') });
  }
}

describe('the notifier on the proactive messenger', () => {
  test('progress: one send to the requester, then updates of that message; summary to requester and approver; warning as text', async () => {
    const messenger = new FakeMessenger();
    const notifier = new TeamsRunNotifier(messenger);
    const view = toProgressView(parkedAfterPurchase, NOW, 3);
    const landed = await notifier.progress(view, undefined);
    expect(landed).toEqual({ conversationKey: `conv-${REQUESTER.aadObjectId}`, activityId: 'act-1' });
    await notifier.progress(view, landed);
    expect(messenger.updates).toHaveLength(1);
    expect(JSON.stringify(messenger.updates[0].content)).toContain('Wartet auf Sie');

    await notifier.completed(toSummaryView(run({ status: 'completed', outcome: 'suspended' }), NOW, 3));
    expect(messenger.sent.slice(1).map((entry) => entry.to)).toEqual([REQUESTER.aadObjectId, APPROVER.aadObjectId]);
    await notifier.deadlineAtRisk(view);
    expect(messenger.sent.at(-1)?.content).toMatch(/may not finish before Kaizala Pro ends on 2030-06-30/);
  });

  test('a real run sends its card once, updates it in place and remembers where it landed', async () => {
    const env = await startTestSandbox();
    const store = memoryStore();
    const messenger = new FakeMessenger();
    const runner = createRunner(store, clientsFor(env.sandbox), { notifier: new TeamsRunNotifier(messenger) });
    runner.start();
    try {
      const state = await addCustomer(env, { users: 5 });
      const request = await approvedRequest(store, state);
      await runner.startRun(request.id);
      const finished = await waitForRun(store, request.id);
      await runner.stop();
      const progressCards = messenger.sent.filter((entry) => JSON.stringify(entry.content).includes('"Migration: '));
      expect(progressCards).toHaveLength(1);
      expect(finished.progressMessage ?? (await waitForRun(store, request.id, (latest) => latest.progressMessage !== undefined)).progressMessage).toEqual({
        conversationKey: `conv-${REQUESTER.aadObjectId}`,
        activityId: 'act-1',
      });
      expect(messenger.updates.length).toBeGreaterThanOrEqual(3);
      expect(new Set(messenger.updates.map((entry) => entry.message.activityId))).toEqual(new Set(['act-1']));
      expect(JSON.stringify(messenger.updates.at(-1)?.content)).toContain('Abgeschlossen');
      expect(messenger.sent.map((entry) => entry.to).slice(1)).toEqual([REQUESTER.aadObjectId, APPROVER.aadObjectId]);
    } finally {
      await runner.stop();
      await env.close();
    }
  });
});
