/**
 * What a run's cards tell a person, from the run's own facts: a partial migration ends Completed without
 * suspending and says for whom Kaizala Pro stays; a failed or cancelled order never claims both "nothing was
 * bought" and "already bought"; while a step backs off, the card says why and when it tries again.
 */
import { runProgressCardData, runSummaryCardData, waitText } from '../../bot/runProgressNotifier';
import { renderCard } from '../../cards/cards';
import type { Locale } from '../../cards/i18n';
import { newRun, toProgressView, toSummaryView, type MigrationRun, type RunNotifier, type RunProgressView } from '../../services/migration';
import { cardText } from '../wizard/support';
import {
  APPROVER,
  BUSINESS_BASIC,
  FAST_KNOBS,
  KAIZALA_SKU,
  REQUESTER,
  addCustomer,
  approvedRequest,
  clientsFor,
  createRunner,
  customerState,
  kaizalaSubscription,
  memoryStore,
  startTestSandbox,
  waitForRun,
  type SandboxHandle,
} from '../migration/support';

const NOW = Date.parse('2030-01-10T10:00:00Z');

function run(overrides: Partial<MigrationRun> = {}): MigrationRun {
  const base = newRun(
    {
      id: 'MR-7K2Q9XW4PD',
      version: 2,
      status: 'approved',
      customerId: 'c1',
      customerName: 'Relecloud',
      tenantId: 'c1',
      kaizalaSubscriptionId: 'k1',
      kaizalaSkuId: KAIZALA_SKU,
      commitmentEndDate: '2030-06-30T00:00:00Z',
      plan: BUSINESS_BASIC,
      quantity: 14,
      userIds: ['u1', 'u2'],
      requester: REQUESTER,
      requesterLocale: 'en',
      createdAt: '2030-01-01T00:00:00Z',
      expiresAt: '2030-01-08T00:00:00Z',
      decidedBy: APPROVER,
    },
    'graph',
    '2030-01-10T09:50:00Z',
  );
  return { ...base, startedAt: '2030-01-10T09:55:30Z', ...overrides };
}

function progressText(value: MigrationRun, locale: Locale = 'en'): string {
  return cardText(renderCard('runProgress', runProgressCardData(toProgressView(value, NOW, 3), locale), locale));
}

const orderCancelledByPartnerCenter = run({
  status: 'parked',
  version: 4,
  step: 'provisioning',
  purchase: { abandonedCarts: [], cartId: 'cart-1', orderIds: ['order-9'] },
  parked: { code: 'orderFailed', detail: 'order order-9 was cancelled by Partner Center: nothing was bought; Retry places a new order', step: 'provisioning', at: '2030-01-10T09:58:00Z' },
});

describe('money: one verdict per card, from the run’s facts', () => {
  test('an order Partner Center cancelled: the card says nothing was bought, and never "already bought"', () => {
    for (const locale of ['en', 'de'] as const) {
      const text = progressText(orderCancelledByPartnerCenter, locale);
      expect(text).not.toMatch(/Already bought|Bereits gekauft|does not undo|nicht rückgängig/);
    }
    const text = progressText(orderCancelledByPartnerCenter);
    expect(text).toContain('nothing: Partner Center cancelled order order-9');
    expect(text).toContain('Nothing has been bought yet: cancelling is safe.');
  });

  test('after Cancel on that card, it still says nothing was bought', () => {
    const cancelled = { ...orderCancelledByPartnerCenter, status: 'cancelled' as const, version: 5, finishedAt: '2030-01-10T09:59:00Z' };
    const text = progressText(cancelled);
    expect(text).toContain('Nothing was bought.');
    expect(text).not.toContain('Already bought');
  });

  test('a run cancelled after a real purchase says what was bought and that cancelling did not undo it, never "nothing"', () => {
    const cancelled = run({
      status: 'cancelled',
      version: 6,
      step: 'moveLicenses',
      purchase: { abandonedCarts: [], cartId: 'cart-1', orderIds: ['order-7'] },
      parked: { code: 'usersNeedAttention', detail: '1 of 2 users could not be moved', step: 'moveLicenses', at: '2030-01-10T09:58:00Z' },
    });
    const text = progressText(cancelled);
    expect(text).toContain('Already bought: 14 × Microsoft 365 Business Basic');
    expect(text).toContain('Cancelling did not undo the purchase');
    expect(text).not.toMatch(/[Nn]othing (was|has been) bought/);
  });
});

describe('retries and waits are visible', () => {
  test('the wait text names the service, the users, the retry count and the time, in English and German', () => {
    const waiting = { kind: 'retry' as const, reason: '1 users hit transient errors', cause: { service: 'graph' as const, users: 1 }, attempt: 3, of: 6, until: '2030-01-10T14:32:00Z' };
    expect(waitText(waiting, 'en')).toBe('Graph kept failing for 1 user — retry 3 of 6 at 2030-01-10 14:32 UTC');
    expect(waitText({ ...waiting, cause: { service: 'graph', users: 2 } }, 'en')).toContain('for 2 users');
    expect(waitText(waiting, 'de')).toBe('Graph schlug für 1 Benutzer wiederholt fehl — Versuch 3 von 6 um 2030-01-10 14:32 UTC');
    expect(waitText({ ...waiting, cause: { service: 'partnerCenter', status: 503 } }, 'en')).toBe('Partner Center answered 503 — retry 3 of 6 at 2030-01-10 14:32 UTC');
    expect(waitText({ kind: 'poll', reason: 'order o-1 is Pending', until: '2030-01-10T14:33:00Z' }, 'en')).toBe('order o-1 is Pending — next check at 2030-01-10 14:33 UTC');
  });

  test('a running run that waits shows it on its card; once it moved on, the wait is gone', () => {
    const waiting = run({ status: 'running', step: 'moveLicenses', waiting: { kind: 'retry', reason: 'x', cause: { service: 'graph', status: 503 }, attempt: 2, of: 6, until: '2030-01-10T10:01:00Z' } });
    expect(progressText(waiting)).toContain('Graph answered 503 — retry 2 of 6 at');
    expect(progressText({ ...waiting, waiting: undefined })).not.toContain('retry 2 of 6');
  });
});

describe('against the sandbox', () => {
  let env: SandboxHandle;
  beforeAll(async () => {
    env = await startTestSandbox();
  });
  afterAll(() => env.close());
  afterEach(() => env.setKnobs({ ...FAST_KNOBS, faults: [] }));

  /** Keeps every view the runner shows, as the Teams notifier would receive them. */
  function recordingNotifier(views: RunProgressView[]): RunNotifier {
    return {
      progress: async (view) => {
        views.push(view);
        return { conversationKey: 'c', activityId: 'a' };
      },
      completed: async (view) => {
        views.push(view);
      },
      deadlineAtRisk: async () => undefined,
    };
  }

  test('a partial migration completes without suspending: Kaizala Pro stays for the users left behind, and the card says so', async () => {
    const store = memoryStore();
    const created = await addCustomer(env, { users: 5 });
    const holders = created.users.map((user) => user.id);
    const request = await approvedRequest(store, created, { userIds: holders.slice(0, 3) });
    await store.upsert('requests', request.id, { ...request, usersLeftBehind: 2 });
    const views: RunProgressView[] = [];
    const runner = createRunner(store, clientsFor(env.sandbox), { notifier: recordingNotifier(views) });
    runner.start();
    try {
      await runner.startRun(request.id);
      const done = await waitForRun(store, request.id, undefined, 30_000);
      expect(done.parked).toBeUndefined();
      expect(done).toMatchObject({ status: 'completed', step: 'completed', outcome: 'kept', usersLeftBehind: 2 });
    } finally {
      await runner.stop();
    }
    const state = await customerState(env, created.customer.id);
    expect(kaizalaSubscription(state).status).toBe('active');
    const stillOnKaizala = state.users.filter((user) => user.licenses.some((license) => license.skuId === KAIZALA_SKU)).map((user) => user.id);
    expect(stillOnKaizala.sort()).toEqual(holders.slice(3).sort());

    const last = views.filter((view) => view.status === 'completed').at(-1) as RunProgressView;
    const date = kaizalaSubscription(state).commitmentEndDate.slice(0, 10);
    const card = cardText(renderCard('runProgress', runProgressCardData(last, 'en'), 'en'));
    expect(card).toContain('Completed');
    expect(card).toContain(`Kaizala Pro kept for 2 users until ${date}`);
    expect(card).not.toContain('Check that nobody holds Kaizala Pro');
    const summary = toSummaryView((await store.get<MigrationRun>('runs', request.id))?.value as MigrationRun, Date.now(), 3);
    expect(cardText(renderCard('runSummary', runSummaryCardData(summary, 'de'), 'de'))).toContain(`für 2 Benutzer bis ${date} beibehalten`);
  }, 40_000);

  test('while one user’s license calls fail, the card shows the retry and its time; the run then completes', async () => {
    const store = memoryStore();
    // One user: each license call is tried 6 times by the HTTP layer and 3 rounds by the move step, so 24 failing
    // calls outlast one pass of the step and the run backs off at least once.
    const created = await addCustomer(env, { users: 1 });
    await env.setKnobs({
      faults: [{ action: 'serverError', operation: 'assignLicense', customerId: created.customer.id, callNumbers: Array.from({ length: 24 }, (_, i) => i + 1), status: 503 }],
    });
    const request = await approvedRequest(store, created);
    const views: RunProgressView[] = [];
    const runner = createRunner(store, clientsFor(env.sandbox), { notifier: recordingNotifier(views) });
    runner.start();
    try {
      await runner.startRun(request.id);
      const done = await waitForRun(store, request.id, undefined, 30_000);
      expect(done.status).toBe('completed');
    } finally {
      await runner.stop();
    }
    const waits = views.filter((view) => view.waiting?.kind === 'retry');
    expect(waits.length).toBeGreaterThan(0);
    const text = cardText(renderCard('runProgress', runProgressCardData(waits[0], 'en'), 'en'));
    expect(text).toMatch(/Graph kept failing for 1 user — retry 1 of 6 at \d\d:\d\d UTC/);
    expect(views.at(-1)?.waiting).toBeUndefined();
  }, 40_000);
});
