import { ApprovalService, Approvers, BackgroundWork, MAX_DELIVERY_FAILURES, type AuditEntry, type BackgroundRunner, type MessageRef } from '../../services/approvals';
import type { MigrationRequest } from '../../services/domain/request';
import { silentLogger, type Logger } from '../../services/logging';
import { IN_MEMORY, openSqliteStore } from '../../services/store';
import type { ListOptions, Store, StoredItem, TableName } from '../../services/store/store';
import { ADELE, ALEX, APPROVER_IDS, FakeDirectory, FakeNotifier, makeUsers, MEGAN, seedSubscription, subscriptionRow } from '../wizard/support';

/**
 * The decision, its notifications and its audit row are one unit: whatever fails after the compare-and-set write
 * (a card that cannot be rendered, Teams down, the audit write, the process itself) is recorded with the decision
 * and finished by the sweep, exactly once for the audit row.
 */

const CONTOSO = subscriptionRow({ customerId: 'c0000000-0000-4000-8000-000000000001', customerName: 'Contoso Ltd' });
const person = (user: typeof ALEX) => ({ aadObjectId: user.aadObjectId, name: user.name });
const HOSTILE_REASON = 'Budget ${not approved}';
const AFTER_GRACE_MS = 61_000;

/** Throws on every card update and requester message while `broken`, like a render that throws or Teams down. */
class BreakableNotifier extends FakeNotifier {
  broken = false;
  attempts = 0;

  override async updateApprovalRequest(message: MessageRef, request: MigrationRequest): Promise<void> {
    this.attempts++;
    if (this.broken) throw new Error('Invalid card: "${" left after expansion');
    await super.updateApprovalRequest(message, request);
  }

  override async tellRequester(request: MigrationRequest): Promise<void> {
    this.attempts++;
    if (this.broken) throw new Error('Teams answered 502');
    await super.tellRequester(request);
  }
}

/** The real store, except that writes to `audit` fail while `auditFailing`. */
class AuditFailingStore implements Store {
  auditFailing = false;
  /** Runs once, right before the next replace of a request: another writer slipping in between read and write. */
  beforeNextRequestReplace?: () => Promise<void>;
  constructor(private readonly inner: Store) {}
  get<T>(table: TableName, key: string): Promise<StoredItem<T> | undefined> {
    return this.inner.get<T>(table, key);
  }
  list<T>(table: TableName, options?: ListOptions): Promise<StoredItem<T>[]> {
    return this.inner.list<T>(table, options);
  }
  async insert<T>(table: TableName, key: string, value: T): Promise<StoredItem<T>> {
    if (table === 'audit' && this.auditFailing) throw new Error('SQLITE_BUSY: database is locked');
    return this.inner.insert(table, key, value);
  }
  async replace<T>(table: TableName, key: string, value: T, expectedVersion: string): Promise<StoredItem<T>> {
    const interleaved = table === 'requests' ? this.beforeNextRequestReplace : undefined;
    this.beforeNextRequestReplace = undefined;
    await interleaved?.();
    return this.inner.replace(table, key, value, expectedVersion);
  }
  upsert<T>(table: TableName, key: string, value: T): Promise<StoredItem<T>> {
    return this.inner.upsert(table, key, value);
  }
  delete(table: TableName, key: string, expectedVersion?: string): Promise<void> {
    return this.inner.delete(table, key, expectedVersion);
  }
  ping(): Promise<void> {
    return this.inner.ping();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

interface Instance {
  approvals: ApprovalService;
  notifier: BreakableNotifier;
  background: BackgroundWork;
}

async function setUp() {
  const store = new AuditFailingStore(openSqliteStore(IN_MEMORY));
  await seedSubscription(store, CONTOSO);
  const directory = new FakeDirectory();
  directory.set(CONTOSO.tenantId, makeUsers('a', 20));
  const now = { value: new Date('2026-05-21T09:00:00Z') };
  const errors: string[] = [];
  const logger: Logger = { ...silentLogger, error: (message) => errors.push(message) };
  /** One bot instance over the shared store; `background` = a runner that drops work models a process killed after the write. */
  const instance = (background?: BackgroundRunner): Instance => {
    const notifier = new BreakableNotifier();
    const work = new BackgroundWork(logger);
    const approvals = new ApprovalService({
      store,
      directory,
      approvers: new Approvers(APPROVER_IDS),
      notifier,
      background: background ?? work,
      logger,
      ttlDays: 7,
      now: () => now.value,
    });
    return { approvals, notifier, background: work };
  };
  const later = (ms: number) => (now.value = new Date(now.value.getTime() + ms));
  const decisionRows = async (requestId: string) =>
    (await store.list<AuditEntry>('audit')).map((item) => item.value).filter((entry) => entry.requestId === requestId && entry.action !== 'requested');
  const pendingOf = async (requestId: string) => (await store.get<{ pending?: unknown }>('requests', requestId))?.value.pending;
  return { store, instance, later, decisionRows, pendingOf, errors };
}

async function requestAsAlex(approvals: ApprovalService): Promise<MigrationRequest> {
  const outcome = await approvals.requestMigration(
    { customerId: CONTOSO.customerId, subscriptionId: CONTOSO.subscriptionId, planId: 'business-basic', quantity: 20, userIds: 'all' },
    person(ALEX),
    'en-US',
  );
  if (outcome.kind !== 'requested') throw new Error(`request refused: ${outcome.problem}`);
  expect(outcome.approversReached).toBe(2);
  return outcome.request;
}

describe('a decision, its notifications and its audit row are one unit', () => {
  it('a reject whose notifications fail stays complete: once the notifier works, the sweep tells the requester and updates every card, once', async () => {
    const w = await setUp();
    const bot = w.instance();
    const request = await requestAsAlex(bot.approvals);
    bot.notifier.broken = true;

    const outcome = await bot.approvals.decide({ requestId: request.id, version: 1, actor: person(MEGAN), decision: 'reject', reason: HOSTILE_REASON });
    expect(outcome).toMatchObject({ kind: 'changed', request: { status: 'rejected', rejectReason: HOSTILE_REASON, version: 2 } });
    expect(outcome.request).not.toHaveProperty('pending');
    await bot.background.idle();
    expect(bot.notifier.attempts).toBeGreaterThan(0);
    expect(bot.notifier.told).toEqual([]);
    expect(bot.notifier.updates).toEqual([]);
    expect(await w.decisionRows(request.id)).toEqual([expect.objectContaining({ action: 'rejected', details: { reason: HOSTILE_REASON } })]);
    expect(await w.pendingOf(request.id)).toMatchObject({ cards: true, requester: true });

    // Within the grace period the sweep leaves it to the delivery already under way; after it, retries (still broken).
    expect(await bot.approvals.deliverPending()).toBe(0);
    w.later(AFTER_GRACE_MS);
    expect(await bot.approvals.deliverPending()).toBe(0);
    expect(bot.notifier.told).toEqual([]);

    bot.notifier.broken = false;
    expect(await bot.approvals.deliverPending()).toBe(1);
    expect(bot.notifier.told.map((r) => [r.id, r.status, r.rejectReason])).toEqual([[request.id, 'rejected', HOSTILE_REASON]]);
    expect(bot.notifier.updates.map((u) => [u.message.conversationKey, u.request.status]).sort()).toEqual(
      [
        [MEGAN.aadObjectId, 'rejected'],
        [ADELE.aadObjectId, 'rejected'],
      ].sort(),
    );
    expect(await w.pendingOf(request.id)).toBeUndefined();

    // Nothing is delivered twice, and the audit row exists exactly once.
    w.later(AFTER_GRACE_MS);
    expect(await bot.approvals.deliverPending()).toBe(0);
    expect(bot.notifier.told).toHaveLength(1);
    expect(bot.notifier.updates).toHaveLength(2);
    expect(await w.decisionRows(request.id)).toHaveLength(1);
    expect((await bot.approvals.history(CONTOSO.customerId)).entries.map((e) => e.action)).toEqual(['rejected', 'requested']);
  });

  it('the audit row is written exactly once even when its first writes fail, with the decision’s time', async () => {
    const w = await setUp();
    const bot = w.instance();
    const request = await requestAsAlex(bot.approvals);
    w.store.auditFailing = true;

    const outcome = await bot.approvals.decide({ requestId: request.id, version: 1, actor: person(MEGAN), decision: 'approve' });
    expect(outcome).toMatchObject({ kind: 'changed', request: { status: 'approved' } });
    await bot.background.idle();
    expect(await w.decisionRows(request.id)).toEqual([]);
    // The notifications went out; only the audit row is left, with the decision.
    expect(bot.notifier.told.map((r) => r.status)).toEqual(['approved']);
    expect(await w.pendingOf(request.id)).toEqual(expect.objectContaining({ audits: [expect.objectContaining({ entry: expect.objectContaining({ action: 'approved' }) })] }));
    expect(await w.pendingOf(request.id)).not.toHaveProperty('requester');

    w.store.auditFailing = false;
    w.later(AFTER_GRACE_MS);
    await Promise.all([bot.approvals.deliverPending(), w.instance().approvals.deliverPending()]);
    await bot.approvals.deliverPending();
    const rows = await w.decisionRows(request.id);
    expect(rows).toEqual([expect.objectContaining({ action: 'approved', actor: person(MEGAN), at: '2026-05-21T09:00:00.000Z' })]);
    expect(await w.pendingOf(request.id)).toBeUndefined();
    expect(bot.notifier.told).toHaveLength(1);
  });

  it('a request whose audit row cannot be written yet is still requested; its row comes first in history once written, even after a decision', async () => {
    const w = await setUp();
    const bot = w.instance();
    w.store.auditFailing = true;
    const request = await requestAsAlex(bot.approvals);
    expect(await bot.approvals.getRequest(request.id)).toMatchObject({ status: 'pending', version: 1 });
    expect(await bot.approvals.getRequest(request.id)).not.toHaveProperty('pending');
    w.later(1000);
    expect((await bot.approvals.decide({ requestId: request.id, version: 1, actor: person(MEGAN), decision: 'approve' })).kind).toBe('changed');
    await bot.background.idle();
    expect((await bot.approvals.history(CONTOSO.customerId)).total).toBe(0);

    w.store.auditFailing = false;
    w.later(AFTER_GRACE_MS);
    expect(await bot.approvals.deliverPending()).toBe(1);
    expect(await bot.approvals.deliverPending()).toBe(0);
    const { entries } = await bot.approvals.history(CONTOSO.customerId);
    expect(entries.map((e) => [e.action, e.at])).toEqual([
      ['approved', '2026-05-21T09:00:01.000Z'],
      ['requested', '2026-05-21T09:00:00.000Z'],
    ]);
  });

  it('a click that races with the request’s own delivery bookkeeping still decides', async () => {
    const w = await setUp();
    const bot = w.instance();
    w.store.auditFailing = true;
    const request = await requestAsAlex(bot.approvals);
    w.store.auditFailing = false;
    w.later(AFTER_GRACE_MS);
    // Between the click's read and its write, the sweep writes the request's audit row and clears its bookkeeping.
    w.store.beforeNextRequestReplace = async () => {
      expect(await w.instance().approvals.deliverPending()).toBe(1);
    };
    expect(await bot.approvals.decide({ requestId: request.id, version: 1, actor: person(MEGAN), decision: 'approve' })).toMatchObject({
      kind: 'changed',
      request: { status: 'approved', version: 2 },
    });
    await bot.background.idle();
    expect((await bot.approvals.history(CONTOSO.customerId)).entries.map((e) => e.action)).toEqual(['approved', 'requested']);
  });

  it('a decision whose process dies right after the write is delivered by another instance’s sweep', async () => {
    const w = await setUp();
    const dying = w.instance({ run: () => undefined });
    const request = await requestAsAlex(dying.approvals);
    expect((await dying.approvals.decide({ requestId: request.id, version: 1, actor: person(ADELE), decision: 'approve' })).kind).toBe('changed');
    expect(dying.notifier.told).toEqual([]);

    const survivor = w.instance();
    w.later(AFTER_GRACE_MS);
    expect(await survivor.approvals.deliverPending()).toBe(1);
    expect(survivor.notifier.told.map((r) => r.status)).toEqual(['approved']);
    expect(survivor.notifier.updates.map((u) => u.request.status)).toEqual(['approved', 'approved']);
    expect(await w.decisionRows(request.id)).toHaveLength(1);
  });

  it(`gives up notifying after ${MAX_DELIVERY_FAILURES} failed deliveries, keeping the decision and its audit row`, async () => {
    const w = await setUp();
    const bot = w.instance();
    const request = await requestAsAlex(bot.approvals);
    bot.notifier.broken = true;
    await bot.approvals.withdraw({ requestId: request.id, actor: person(ALEX) });
    await bot.background.idle();
    // A withdrawal never messages the requester (their own card shows it); only the approvers' cards are pending.
    expect(await w.pendingOf(request.id)).toMatchObject({ cards: true, failures: 1 });
    expect(await w.pendingOf(request.id)).not.toHaveProperty('requester');
    for (let sweep = 2; sweep < MAX_DELIVERY_FAILURES; sweep++) {
      w.later(AFTER_GRACE_MS);
      await bot.approvals.deliverPending();
    }
    expect(await w.pendingOf(request.id)).toMatchObject({ failures: MAX_DELIVERY_FAILURES - 1 });
    expect(w.errors).toEqual([]);
    w.later(AFTER_GRACE_MS);
    await bot.approvals.deliverPending();
    expect(await w.pendingOf(request.id)).toBeUndefined();
    expect(w.errors).toEqual(['Gave up notifying about a decided request']);
    expect(await bot.approvals.getRequest(request.id)).toMatchObject({ status: 'withdrawn', version: 2 });
    expect(await w.decisionRows(request.id)).toEqual([expect.objectContaining({ action: 'withdrawn' })]);
  });

  it('the sweep expires a request and delivers its effects, and a failed expiry notice is retried by the next sweep', async () => {
    const w = await setUp();
    const bot = w.instance();
    const request = await requestAsAlex(bot.approvals);
    bot.notifier.broken = true;
    w.later(8 * 24 * 60 * 60 * 1000);
    expect(await bot.approvals.expireOverdue()).toBe(1);
    await bot.background.idle();
    expect(bot.notifier.told).toEqual([]);
    bot.notifier.broken = false;
    w.later(AFTER_GRACE_MS);
    expect(await bot.approvals.deliverPending()).toBe(1);
    expect(bot.notifier.told.map((r) => [r.id, r.status])).toEqual([[request.id, 'expired']]);
    expect(await w.decisionRows(request.id)).toEqual([expect.objectContaining({ action: 'expired' })]);
  });
});
