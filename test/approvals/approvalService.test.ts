import { Approvers, parseApproverList, startExpirySweep, type MigrationDraft } from '../../services/approvals';
import { silentLogger } from '../../services/logging';
import type { AuditEntry } from '../../services/approvals';
import type { MigrationRequest } from '../../services/domain/request';
import { IN_MEMORY, openSqliteStore } from '../../services/store';
import {
  ADELE,
  ALEX,
  approvalWorld,
  APPROVER_IDS,
  BUSINESS_BASIC_SKU,
  ISAIAH,
  makeUsers,
  MEGAN,
  seedSubscription,
  subscriptionRow,
  testPricing,
  type WizardWorld,
} from '../wizard/support';

const CONTOSO = subscriptionRow({ customerId: 'c0000000-0000-4000-8000-000000000001', customerName: 'Contoso Ltd' });
const SCHOOL = subscriptionRow({ customerId: 'c0000000-0000-4000-8000-000000000004', customerName: 'School of Fine Art', education: true });
const person = (user: typeof ALEX) => ({ aadObjectId: user.aadObjectId, name: user.name });
const DAY = 24 * 60 * 60 * 1000;

const draft = (overrides: Partial<MigrationDraft> = {}): MigrationDraft => ({
  customerId: CONTOSO.customerId,
  subscriptionId: CONTOSO.subscriptionId,
  planId: 'business-basic',
  quantity: 20,
  userIds: 'all',
  ...overrides,
});

async function setUp(approvers: string[] = APPROVER_IDS): Promise<WizardWorld> {
  const w = approvalWorld(openSqliteStore(IN_MEMORY), { approvers, pricing: testPricing() });
  await seedSubscription(w.store, CONTOSO);
  await seedSubscription(w.store, SCHOOL);
  w.directory.set(CONTOSO.tenantId, makeUsers('a', 20), { [BUSINESS_BASIC_SKU]: 10 });
  w.directory.set(SCHOOL.tenantId, makeUsers('d', 10, (i) => ({ kind: i < 3 ? 'faculty' : 'student' })));
  return w;
}

async function requested(w: WizardWorld, overrides: Partial<MigrationDraft> = {}): Promise<MigrationRequest> {
  const outcome = await w.approvals.requestMigration(draft(overrides), person(ALEX), 'en-US');
  if (outcome.kind !== 'requested') throw new Error(`request refused: ${outcome.problem}`);
  return outcome.request;
}

async function stored(w: WizardWorld, id: string): Promise<MigrationRequest> {
  return (await w.approvals.getRequest(id)) as MigrationRequest;
}

async function audit(w: WizardWorld): Promise<AuditEntry[]> {
  return (await w.store.list<AuditEntry>('audit')).map((item) => item.value);
}

describe('requesting a migration', () => {
  it('stores the request at version 1, pending, and sends it to every approver but the requester', async () => {
    const w = await setUp([MEGAN.aadObjectId, ALEX.aadObjectId, ADELE.aadObjectId]);
    const outcome = await w.approvals.requestMigration(draft({ quantity: 24 }), person(ALEX), 'de-DE');
    expect(outcome).toMatchObject({ kind: 'requested', approversReached: 2 });
    const request = (outcome as { request: MigrationRequest }).request;
    expect(request).toMatchObject({
      version: 1,
      status: 'pending',
      quantity: 24,
      requesterLocale: 'de-DE',
      kaizalaSkuId: CONTOSO.skuId,
      createdAt: '2026-05-21T09:00:00.000Z',
      expiresAt: '2026-05-28T09:00:00.000Z',
      monthlyCost: { amount: 122.4, currency: 'USD' },
    });
    expect(request.id).toMatch(/^MR-[0-9A-Z]{10}$/);
    expect(request.lines).toEqual([{ skuId: BUSINESS_BASIC_SKU, skuPartNumber: 'O365_BUSINESS_ESSENTIALS', title: 'Microsoft 365 Business Basic', quantity: 24, userIds: request.userIds }]);
    expect(request.usersPreview).toHaveLength(20);
    expect(w.notifier.sent.map((s) => s.approver)).toEqual([MEGAN.aadObjectId, ADELE.aadObjectId]);
    expect(await w.approvals.approversReached(request.id)).toBe(2);
    expect(await audit(w)).toEqual([expect.objectContaining({ action: 'requested', requestId: request.id, actor: person(ALEX) })]);
  });

  it('counts only the approvers it could reach', async () => {
    const w = await setUp();
    w.notifier.unreachable.add(ADELE.aadObjectId);
    expect(await w.approvals.requestMigration(draft(), person(ALEX), 'en')).toMatchObject({ kind: 'requested', approversReached: 1 });
  });

  it.each([
    ['an unknown subscription', draft({ subscriptionId: 'nope' }), 'unknownSubscription'],
    ['an education plan for a commercial customer', draft({ planId: 'o365-a1' }), 'ineligiblePlan'],
    ['a plan that does not exist', draft({ planId: 'o365-e7' }), 'ineligiblePlan'],
    ['fewer seats than users who move', draft({ quantity: 19 }), 'badQuantity'],
    ['more Business seats than the cap leaves', draft({ quantity: 291 }), 'badQuantity'],
    ['a fraction of a seat', draft({ quantity: 20.5 }), 'badQuantity'],
    ['users who do not hold Kaizala Pro', draft({ userIds: ['someone-else'] }), 'unknownUsers'],
    ['no users', draft({ userIds: [] }), 'noUsers'],
  ])('refuses %s and stores nothing', async (_case, input, problem) => {
    const w = await setUp();
    expect(await w.approvals.requestMigration(input, person(ALEX), 'en')).toEqual({ kind: 'refused', problem });
    expect(await w.store.list('requests')).toEqual([]);
    expect(w.notifier.sent).toEqual([]);
  });

  it('refuses a subscription the scan could not confirm as Kaizala Pro', async () => {
    const w = await setUp();
    await seedSubscription(w.store, { ...CONTOSO, review: { reason: 'signalsDisagree', detail: 'x' } });
    expect(await w.approvals.requestMigration(draft(), person(ALEX), 'en')).toEqual({ kind: 'refused', problem: 'needsReview' });
  });

  it('refuses when nobody but the requester may approve', async () => {
    const w = await setUp([ALEX.aadObjectId]);
    expect(await w.approvals.requestMigration(draft(), person(ALEX), 'en')).toEqual({ kind: 'refused', problem: 'noOtherApprover' });
  });

  it('allows one active request per subscription, and a new one once the last was rejected', async () => {
    const w = await setUp();
    const first = await requested(w);
    expect(await w.approvals.requestMigration(draft(), person(ISAIAH), 'en')).toEqual({ kind: 'refused', problem: 'alreadyMigrating', activeRequestId: first.id });
    expect((await w.approvals.activeRequestFor(CONTOSO.customerId, CONTOSO.subscriptionId))?.id).toBe(first.id);
    await w.approvals.decide({ requestId: first.id, version: 1, actor: person(MEGAN), decision: 'reject', reason: 'Wrong plan' });
    expect(await w.approvals.activeRequestFor(CONTOSO.customerId, CONTOSO.subscriptionId)).toBeUndefined();
    expect((await w.approvals.requestMigration(draft(), person(ALEX), 'en')).kind).toBe('requested');
  });

  it('takes over a claim left behind by a request that is no longer active (a crash between decision and release)', async () => {
    const w = await setUp();
    const first = await requested(w);
    const item = await w.store.get<MigrationRequest>('requests', first.id);
    await w.store.replace('requests', first.id, { ...first, status: 'rejected', version: 2 }, item!.version);
    expect((await w.approvals.requestMigration(draft(), person(ALEX), 'en')).kind).toBe('requested');
  });

  it('splits an education request into a faculty and a student line', async () => {
    const w = await setUp();
    const request = await requested(w, { customerId: SCHOOL.customerId, subscriptionId: SCHOOL.subscriptionId, planId: 'o365-a1', quantity: 12 });
    expect(request.lines?.map((l) => [l.skuPartNumber, l.quantity, l.userIds.length])).toEqual([
      ['STANDARDWOFFPACK_FACULTY', 5, 3],
      ['STANDARDWOFFPACK_STUDENT', 7, 7],
    ]);
    expect(request.plan).toMatchObject({ planId: 'o365-a1', family: 'education' });
  });
});

describe('deciding a request', () => {
  it('approves with compare-and-set: version 2, decided by the approver; cards updated everywhere and the requester told', async () => {
    const w = await setUp();
    const request = await requested(w);
    const outcome = await w.approvals.decide({ requestId: request.id, version: 1, actor: person(MEGAN), decision: 'approve' });
    expect(outcome).toMatchObject({ kind: 'changed', request: { status: 'approved', version: 2, decidedBy: person(MEGAN) } });
    expect(await stored(w, request.id)).toMatchObject({ status: 'approved', version: 2 });
    await w.background.idle();
    expect(w.notifier.updates.map((u) => [u.message.conversationKey, u.request.status]).sort()).toEqual([
      [MEGAN.aadObjectId, 'approved'],
      [ADELE.aadObjectId, 'approved'],
    ]);
    expect(w.notifier.told.map((r) => r.status)).toEqual(['approved']);
    expect((await audit(w)).map((e) => [e.action, e.actor?.name])).toEqual([
      ['requested', ALEX.name],
      ['approved', MEGAN.name],
    ]);
    expect(await w.approvals.activeRequestFor(CONTOSO.customerId, CONTOSO.subscriptionId)).toMatchObject({ status: 'approved' });
  });

  it('refuses self-approval even when the requester is an approver', async () => {
    const w = await setUp([ALEX.aadObjectId, MEGAN.aadObjectId]);
    const request = await requested(w);
    expect(await w.approvals.decide({ requestId: request.id, version: 1, actor: person(ALEX), decision: 'approve' })).toMatchObject({
      kind: 'refused',
      problem: 'selfApproval',
    });
    expect(await stored(w, request.id)).toMatchObject({ status: 'pending', version: 1 });
  });

  it('refuses someone who is not an approver', async () => {
    const w = await setUp();
    const request = await requested(w);
    expect(await w.approvals.decide({ requestId: request.id, version: 1, actor: person(ISAIAH), decision: 'approve' })).toMatchObject({
      kind: 'refused',
      problem: 'notApprover',
    });
    expect((await stored(w, request.id)).status).toBe('pending');
  });

  it('recognises approvers named by UPN once their UPN is known', async () => {
    const w = await setUp(['Megan@Partner.example']);
    const request = await requested(w);
    const megan = { ...person(MEGAN), userPrincipalName: 'megan@partner.example' };
    expect((await w.approvals.decide({ requestId: request.id, version: 1, actor: person(MEGAN), decision: 'approve' })).kind).toBe('refused');
    expect((await w.approvals.decide({ requestId: request.id, version: 1, actor: megan, decision: 'approve' })).kind).toBe('changed');
  });

  it('ten concurrent clicks by two approvers make exactly one decision', async () => {
    const w = await setUp();
    const request = await requested(w);
    const clicks = Array.from({ length: 10 }, (_, i) =>
      w.approvals.decide({
        requestId: request.id,
        version: 1,
        actor: person(i % 2 === 0 ? MEGAN : ADELE),
        decision: i % 3 === 0 ? 'reject' : 'approve',
        reason: 'Not now',
      }),
    );
    const outcomes = await Promise.all(clicks);
    const changed = outcomes.filter((o) => o.kind === 'changed');
    expect(changed).toHaveLength(1);
    expect(outcomes.filter((o) => o.kind === 'current')).toHaveLength(9);
    const final = await stored(w, request.id);
    expect(final.version).toBe(2);
    for (const outcome of outcomes) expect(outcome).toMatchObject({ request: { status: final.status, version: 2 } });
    expect((await audit(w)).filter((e) => e.action !== 'requested')).toHaveLength(1);
    await w.background.idle();
    expect(w.notifier.told).toHaveLength(1);
  });

  it.each([
    ['no reason', undefined],
    ['an empty reason', ''],
    ['a blank reason', '   \n '],
    ['a reason over 500 characters', 'x'.repeat(501)],
  ])('refuses to reject with %s', async (_case, reason) => {
    const w = await setUp();
    const request = await requested(w);
    expect(await w.approvals.decide({ requestId: request.id, version: 1, actor: person(MEGAN), decision: 'reject', reason })).toMatchObject({
      kind: 'refused',
      problem: 'reasonRequired',
    });
    expect(await stored(w, request.id)).toMatchObject({ status: 'pending', version: 1 });
  });

  it('rejects with the reason, trimmed', async () => {
    const w = await setUp();
    const request = await requested(w);
    await w.approvals.decide({ requestId: request.id, version: 1, actor: person(ADELE), decision: 'reject', reason: '  Customer moves to E3 instead. ' });
    expect(await stored(w, request.id)).toMatchObject({ status: 'rejected', rejectReason: 'Customer moves to E3 instead.', decidedBy: person(ADELE) });
    expect((await audit(w)).at(-1)).toMatchObject({ action: 'rejected', details: { reason: 'Customer moves to E3 instead.' } });
  });

  it('a second click, a stale card or a retry gets the decided request and changes nothing', async () => {
    const w = await setUp();
    const request = await requested(w);
    await w.approvals.decide({ requestId: request.id, version: 1, actor: person(MEGAN), decision: 'approve' });
    for (const [actor, decision] of [[MEGAN, 'approve'], [ADELE, 'reject'], [MEGAN, 'reject']] as const) {
      expect(await w.approvals.decide({ requestId: request.id, version: 1, actor: person(actor), decision, reason: 'late' })).toMatchObject({
        kind: 'current',
        request: { status: 'approved', version: 2, decidedBy: person(MEGAN) },
      });
    }
    expect((await audit(w)).map((e) => e.action)).toEqual(['requested', 'approved']);
  });

  it('refuses an unknown request and a version from the future', async () => {
    const w = await setUp();
    const request = await requested(w);
    expect(await w.approvals.decide({ requestId: 'MR-0000000000', version: 1, actor: person(MEGAN), decision: 'approve' })).toEqual({ kind: 'refused', problem: 'notFound' });
    expect(await w.approvals.decide({ requestId: request.id, version: 2, actor: person(MEGAN), decision: 'approve' })).toMatchObject({
      kind: 'refused',
      problem: 'futureVersion',
    });
    expect((await stored(w, request.id)).version).toBe(1);
  });
});

describe('expiry', () => {
  it('the periodic sweep expires pending requests past APPROVAL_TTL_DAYS, updates the cards and tells the requester', async () => {
    const w = await setUp();
    const request = await requested(w);
    w.now.value = new Date(w.now.value.getTime() + 7 * DAY - 1);
    expect(await w.approvals.expireOverdue()).toBe(0);
    w.now.value = new Date(w.now.value.getTime() + 1);
    expect(await w.approvals.expireOverdue()).toBe(1);
    expect(await w.approvals.expireOverdue()).toBe(0);
    expect(await stored(w, request.id)).toMatchObject({ status: 'expired', version: 2 });
    await w.background.idle();
    expect(w.notifier.updates.map((u) => u.request.status)).toEqual(['expired', 'expired']);
    expect(w.notifier.told.map((r) => r.status)).toEqual(['expired']);
    expect((await audit(w)).at(-1)).toMatchObject({ action: 'expired' });
    expect((await audit(w)).at(-1)?.actor).toBeUndefined();
    expect(await w.approvals.activeRequestFor(CONTOSO.customerId, CONTOSO.subscriptionId)).toBeUndefined();
  });

  it('a click after the expiry time expires the request instead of deciding it', async () => {
    const w = await setUp();
    const request = await requested(w);
    w.now.value = new Date(w.now.value.getTime() + 8 * DAY);
    expect(await w.approvals.decide({ requestId: request.id, version: 1, actor: person(MEGAN), decision: 'approve' })).toMatchObject({
      kind: 'changed',
      request: { status: 'expired' },
    });
    expect((await stored(w, request.id)).decidedBy).toBeUndefined();
  });
});

describe('withdrawal', () => {
  it('the requester withdraws a pending request; the approvers’ cards lose their buttons', async () => {
    const w = await setUp();
    const request = await requested(w);
    expect(await w.approvals.withdraw({ requestId: request.id, actor: person(ALEX) })).toMatchObject({ kind: 'changed', request: { status: 'withdrawn', version: 2 } });
    await w.background.idle();
    expect(w.notifier.updates.map((u) => u.request.status)).toEqual(['withdrawn', 'withdrawn']);
    expect(w.notifier.told).toEqual([]);
    expect(await w.approvals.decide({ requestId: request.id, version: 1, actor: person(MEGAN), decision: 'approve' })).toMatchObject({
      kind: 'current',
      request: { status: 'withdrawn' },
    });
  });

  it('nobody else may withdraw it, and a decided request cannot be withdrawn', async () => {
    const w = await setUp();
    const request = await requested(w);
    expect(await w.approvals.withdraw({ requestId: request.id, actor: person(MEGAN) })).toMatchObject({ kind: 'refused', problem: 'notRequester' });
    await w.approvals.decide({ requestId: request.id, version: 1, actor: person(MEGAN), decision: 'approve' });
    expect(await w.approvals.withdraw({ requestId: request.id, actor: person(ALEX) })).toMatchObject({ kind: 'current', request: { status: 'approved' } });
    expect(await w.approvals.withdraw({ requestId: 'MR-0000000000', actor: person(ALEX) })).toEqual({ kind: 'refused', problem: 'notFound' });
  });
});

describe('audit history', () => {
  it("lists a customer's requests and decisions newest first, with their total", async () => {
    const w = await setUp();
    const first = await requested(w);
    w.now.value = new Date(w.now.value.getTime() + 60_000);
    await w.approvals.decide({ requestId: first.id, version: 1, actor: person(MEGAN), decision: 'reject', reason: 'No budget' });
    w.now.value = new Date(w.now.value.getTime() + 60_000);
    const second = await requested(w);
    const { entries, total } = await w.approvals.history(CONTOSO.customerId, 2);
    expect(total).toBe(3);
    expect(entries.map((e) => [e.action, e.requestId])).toEqual([
      ['requested', second.id],
      ['rejected', first.id],
    ]);
    expect((await w.approvals.history(SCHOOL.customerId)).total).toBe(0);
  });
});

describe('APPROVERS', () => {
  it('parses object ids and UPNs, reporting anything else', () => {
    expect(parseApproverList(' 00000000-0000-0000-0000-000000000021, Megan@Contoso.com;bad value ,, nope')).toEqual({
      entries: ['00000000-0000-0000-0000-000000000021', 'megan@contoso.com'],
      invalid: ['bad value', 'nope'],
    });
  });

  it('matches a person by object id or UPN, case-insensitively', () => {
    const approvers = new Approvers(['00000000-0000-0000-0000-0000000000AB', 'megan@contoso.com']);
    expect(approvers.includes({ aadObjectId: '00000000-0000-0000-0000-0000000000ab', name: '' })).toBe(true);
    expect(approvers.includes({ aadObjectId: 'x', name: '', userPrincipalName: 'MEGAN@contoso.com' })).toBe(true);
    expect(approvers.includes({ aadObjectId: 'x', name: '' })).toBe(false);
    expect(approvers.hasUpnEntries).toBe(true);
    expect(() => new Approvers(['not an id'])).toThrow('Not an approver object id or UPN');
  });
});

describe('the periodic expiry sweep', () => {
  it('sweeps at once and then on every tick, never two at a time, and stops', async () => {
    let calls = 0;
    let release: () => void = () => undefined;
    const approvals = {
      expireOverdue: () => {
        calls++;
        return new Promise<number>((resolve) => (release = () => resolve(1)));
      },
      deliverPending: async () => 0,
    };
    const sweep = startExpirySweep(approvals, { intervalMs: 5, logger: silentLogger });
    expect(calls).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(calls).toBe(1);
    release();
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(calls).toBeGreaterThan(1);
    release();
    await sweep.stop();
    const after = calls;
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(calls).toBe(after);
  });

  it('keeps sweeping after a failed sweep, and retries pending deliveries on every tick even when expiring fails', async () => {
    let calls = 0;
    let deliveries = 0;
    const sweep = startExpirySweep(
      {
        expireOverdue: async () => (++calls === 1 ? Promise.reject(new Error('store down')) : 0),
        deliverPending: async () => (++deliveries === 2 ? Promise.reject(new Error('Teams down')) : 0),
      },
      { intervalMs: 5, logger: silentLogger },
    );
    await new Promise((resolve) => setTimeout(resolve, 40));
    await sweep.stop();
    expect(calls).toBeGreaterThan(2);
    expect(deliveries).toBe(calls);
  });
});
