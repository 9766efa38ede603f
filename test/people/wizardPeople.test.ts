/**
 * The wizard as an account manager meets it: one card that each step replaces, cards that lose their buttons once
 * their moment has passed, a partial migration said plainly, seat numbers checked instead of silently changed, and a
 * customer free for a new request once a run was cancelled or completed.
 */
import type { Activity } from 'botbuilder';
import { approvalRequestCard, requestSummary } from '../../dialogs/migrationWizardCards';
import { renderCard } from '../../cards/cards';
import planQuantityTemplate from '../../cards/planQuantity.json';
import type { MigrationRequest } from '../../services/domain/request';
import type { MigrationRun, RunStatus } from '../../services/migration';
import { IN_MEMORY, openSqliteStore } from '../../services/store';
import {
  ALEX,
  approvalWorld,
  BUSINESS_BASIC_SKU,
  cardText,
  Conversation,
  converse,
  makeUsers,
  MEGAN,
  RecordingAdapter,
  seedSubscription,
  subscriptionRow,
  testPricing,
  wizardBot,
  type WizardWorld,
} from '../wizard/support';

const CONTOSO = subscriptionRow({ customerId: 'c0000000-0000-4000-8000-000000000001', customerName: 'Contoso Ltd', usersOnKaizala: 20, quantity: 25 });

async function world(): Promise<WizardWorld> {
  const w = approvalWorld(openSqliteStore(IN_MEMORY), { pricing: testPricing() });
  await seedSubscription(w.store, CONTOSO);
  w.directory.set(CONTOSO.tenantId, makeUsers('a', 20), { [BUSINESS_BASIC_SKU]: 10 });
  return w;
}

async function requests(w: WizardWorld): Promise<MigrationRequest[]> {
  return (await w.store.list<MigrationRequest>('requests')).map((item) => item.value);
}

/** Every card the bot posted as a new message, and every in-place update, in order. */
function watch(adapter: RecordingAdapter): { posted: Partial<Activity>[]; updated: Partial<Activity>[] } {
  const posted: Partial<Activity>[] = [];
  const updated: Partial<Activity>[] = [];
  const send = adapter.sendActivities.bind(adapter);
  adapter.sendActivities = async (context, activities) => {
    const responses = await send(context, activities);
    posted.push(...activities.filter((activity) => (activity.attachments ?? []).length > 0));
    return responses;
  };
  const update = adapter.updateActivity.bind(adapter);
  adapter.updateActivity = async (context, activity) => {
    updated.push(activity);
    return update(context, activity);
  };
  return { posted, updated };
}

function actionsOf(activity: Partial<Activity> | undefined): unknown[] {
  const card = activity?.attachments?.[0]?.content as { actions?: unknown[] } | undefined;
  return card?.actions ?? [];
}

const SELECT_17 = (ids: string[]) => ({ userIds: ids.slice(0, 17).join(',') });

describe('one wizard card, updated in place; cards whose moment has passed lose their buttons', () => {
  let w: WizardWorld;
  beforeEach(async () => {
    w = await world();
  });

  test('every step replaces the one card; after Request approval it is the request’s card, with no wizard button left', async () => {
    const adapter = wizardBot(w, testPricing());
    const seen = watch(adapter);
    const alex = new Conversation(adapter);
    await converse(alex, [
      ['migrate Contoso Ltd', ['Choose the new plan']],
      [{ press: 'Next', with: { planId: 'business-basic' } }, ['Which users move?']],
      [{ press: 'Move all users' }, ['How many seats?']],
      [{ press: 'Next', with: { quantity: '20' } }, ['Review the migration']],
      [{ press: 'Request approval' }, ['Approval requested']],
    ]);
    expect(seen.posted).toHaveLength(1);
    const cardId = seen.posted[0].id;
    expect(seen.updated.map((activity) => activity.id)).toEqual([cardId, cardId, cardId, cardId]);
    const last = seen.updated.at(-1);
    expect(cardText(last?.attachments?.[0]?.content)).toContain('Approval requested');
    expect(actionsOf(last).some((action) => (action as { type: string }).type === 'Action.Submit')).toBe(false);
  });

  test('Cancel turns the card into a closed card without buttons', async () => {
    const adapter = wizardBot(w, testPricing());
    const seen = watch(adapter);
    const alex = new Conversation(adapter);
    await alex.say('migrate Contoso Ltd');
    await converse(alex, [[{ press: 'Cancel' }, ['Cancelled. Nothing was requested.']]]);
    const closed = seen.updated.at(-1);
    expect(closed?.id).toBe(seen.posted[0].id);
    expect(actionsOf(closed)).toEqual([]);
    expect(await requests(w)).toEqual([]);
  });

  test('a typed cancel closes the card and also answers where the person typed', async () => {
    const adapter = wizardBot(w, testPricing());
    const seen = watch(adapter);
    const alex = new Conversation(adapter);
    await alex.say('migrate Contoso Ltd');
    const reply = await alex.say('cancel');
    expect(reply.split('Cancelled. Nothing was requested.').length - 1).toBe(2);
    expect(actionsOf(seen.updated.at(-1))).toEqual([]);
  });

  test('a new migrate in the middle closes the old card before the new wizard starts', async () => {
    const adapter = wizardBot(w, testPricing());
    const seen = watch(adapter);
    const alex = new Conversation(adapter);
    await alex.say('migrate Contoso Ltd');
    await alex.say({ press: 'Next', with: { planId: 'business-basic' } });
    await converse(alex, [['migrate Contoso', ['Started again below', 'Choose the new plan']]]);
    expect(seen.posted).toHaveLength(2);
    const closed = seen.updated.find((activity) => cardText(activity.attachments?.[0]?.content).includes('Started again below'));
    expect(closed?.id).toBe(seen.posted[0].id);
    expect(actionsOf(closed)).toEqual([]);
  });

  test.each([
    ['en-US', 'Next', 'Move all users', 'Request approval', /already sent or cancelled.*migrate/],
    ['de-DE', 'Weiter', 'Alle Benutzer verschieben', 'Genehmigung anfordern', /bereits gesendet oder abgebrochen.*migrieren/],
  ])('in %s, an old "Request approval" or "Next" pressed after the wizard ended gets a clear answer, not "I did not understand"', async (locale, next, all, request, expected) => {
    const alex = new Conversation(wizardBot(w, testPricing()), ALEX, locale);
    await alex.say('migrate Contoso Ltd');
    const plan = (alex.latestCard()?.actions?.[0] as { data: Record<string, unknown> }).data;
    await alex.say({ press: next, with: { planId: 'business-basic' } });
    await alex.say({ press: all });
    await alex.say('20');
    const review = (alex.latestCard()?.actions?.[0] as { data: Record<string, unknown> }).data;
    await alex.say({ press: request });
    for (const stale of [review, { ...plan, planId: 'business-basic' }]) {
      const reply = await alex.say({ value: stale });
      expect(reply).toMatch(expected);
      expect(reply).not.toMatch(/did not understand|nicht verstanden/);
    }
    expect(await requests(w)).toHaveLength(1);
  });
});

describe('a partial migration is a first-class choice', () => {
  let w: WizardWorld;
  let alex: Conversation;
  beforeEach(async () => {
    w = await world();
    alex = new Conversation(wizardBot(w, testPricing()));
  });

  async function requestFor17(conversation: Conversation): Promise<string> {
    const ids = makeUsers('a', 20).map((user) => user.id);
    await conversation.say('migrate Contoso Ltd');
    await conversation.say({ press: 'Next', with: { planId: 'business-basic' } });
    await conversation.say({ press: 'Move the selected users', with: SELECT_17(ids) });
    return conversation.say('17');
  }

  test('the review says Kaizala Pro stays for the users left behind, until when, and that nothing is suspended', async () => {
    const review = await requestFor17(alex);
    expect(review).toContain('C. Keep Kaizala Pro for the 3 users who do not move, until Jun 30, 2026');
    expect(review).toContain('will NOT be suspended');
    expect(review).not.toContain('C. Suspend the old subscription');
    await converse(alex, [[{ press: 'Request approval' }, ['Approval requested']]]);
    const [request] = await requests(w);
    expect(request.usersLeftBehind).toBe(3);
    // The approver reads the same plain words.
    const approverCard = renderCard('approvalRequest', approvalRequestCard(request, [MEGAN.aadObjectId], 'de'), 'de');
    expect(cardText(approverCard)).toContain('C. Kaizala Pro für die 3 Benutzer behalten, die nicht wechseln, bis 30. Juni 2026');
    expect(cardText(approverCard)).toContain('wird NICHT ausgesetzt');
  });

  test('one user left behind is worded in the singular, in English and German', () => {
    const parts = {
      customerName: 'Contoso Ltd',
      kaizalaSubscriptionId: CONTOSO.subscriptionId,
      commitmentEndDate: CONTOSO.commitmentEndDate,
      plan: { planId: 'business-basic', title: 'Microsoft 365 Business Basic', skuId: BUSINESS_BASIC_SKU, family: 'business' as const },
      quantity: 19,
      userIds: Array.from({ length: 19 }, (_, i) => `u${i}`),
      usersLeftBehind: 1,
    };
    expect(requestSummary(parts, 'en').kaizalaStep).toBe('C. Keep Kaizala Pro for the 1 user who does not move, until Jun 30, 2026');
    expect(requestSummary(parts, 'de').kaizalaStep).toBe('C. Kaizala Pro für den 1 Benutzer behalten, der nicht wechselt, bis 30. Juni 2026');
    expect(requestSummary({ ...parts, usersLeftBehind: undefined }, 'en').kaizalaStep).toBe('C. Suspend the old subscription once nobody uses it');
  });

  async function approveAndFinishRun(status: RunStatus): Promise<MigrationRequest> {
    await requestFor17(alex);
    await alex.say({ press: 'Request approval' });
    const [pending] = await requests(w);
    const decided = await w.approvals.decide({ requestId: pending.id, version: pending.version, actor: { aadObjectId: MEGAN.aadObjectId, name: MEGAN.name }, decision: 'approve' });
    expect(decided.kind).toBe('changed');
    await w.store.insert('runs', pending.id, { id: pending.id, requestId: pending.id, status } as Partial<MigrationRun>);
    return pending;
  }

  test.each(['cancelled', 'completed'] as const)('after a %s run, migrate <customer> starts a new request instead of "already being migrated"', async (status) => {
    const first = await approveAndFinishRun(status);
    if (status === 'cancelled') await w.approvals.releaseAfterCancelledRun(first.id, { aadObjectId: MEGAN.aadObjectId, name: MEGAN.name }, { moved: 17, users: 17 });
    // The 3 users left behind still hold Kaizala Pro: they are the next request.
    w.directory.set(CONTOSO.tenantId, makeUsers('a', 20).slice(17));
    await converse(alex, [['migrate Contoso Ltd', ['Choose the new plan', '!already being migrated']]]);
    await converse(alex, [
      [{ press: 'Next', with: { planId: 'business-basic' } }, ['Which users move?']],
      [{ press: 'Move all users' }, ['How many seats?']],
      ['3', ['Review the migration', 'C. Suspend the old subscription']],
      [{ press: 'Request approval' }, ['Approval requested']],
    ]);
    expect((await requests(w)).filter((request) => request.status === 'pending')).toHaveLength(1);
  });

  test('a run still under way keeps the customer: migrate answers "already being migrated"', async () => {
    const first = await approveAndFinishRun('running');
    await converse(alex, [['migrate Contoso Ltd', [`already being migrated (request ${first.id}, approved)`, '!Choose the new plan']]]);
  });

  test('the cancellation appears in history, with who cancelled', async () => {
    const first = await approveAndFinishRun('cancelled');
    await w.approvals.releaseAfterCancelledRun(first.id, { aadObjectId: MEGAN.aadObjectId, name: MEGAN.name }, { moved: 0, users: 17 });
    const history = await w.approvals.history(CONTOSO.customerId);
    expect(history.entries[0]).toMatchObject({ action: 'cancelled', requestId: first.id, actor: { name: MEGAN.name } });
    await converse(alex, [['history Contoso Ltd', ['Megan Bowen cancelled the migration — nothing was bought']]]);
  });
});

describe('seat numbers are checked, never silently changed', () => {
  let w: WizardWorld;
  let alex: Conversation;
  beforeEach(async () => {
    w = await world();
    alex = new Conversation(wizardBot(w, testPricing()));
  });

  test('the seat box leaves out min/max, so no client clamps a typed number', () => {
    const input = JSON.stringify(planQuantityTemplate);
    expect(input).not.toMatch(/"min":|"max":/);
  });

  test('out-of-range or non-numeric seats are refused with the range and why; the step stays', async () => {
    await alex.say('migrate Contoso Ltd');
    await alex.say({ press: 'Next', with: { planId: 'business-basic' } });
    await alex.say({ press: 'Move all users' });
    await converse(alex, [
      [{ press: 'Next', with: { quantity: '100000' } }, ['from 20 to 290', 'Business plans allow at most 300 seats per customer tenant, and this customer already holds 10.', '!Review']],
      [{ press: 'Next', with: { quantity: '0' } }, ['from 20 to 290', 'Every user who moves needs a seat, so at least 20.', '!Review']],
      ['zwanzig', ['from 20 to 290', 'digits only', '!Review']],
      ['25', ['Review the migration', '25 × Microsoft 365 Business Basic', '!Check the seats']],
    ]);
  });

  test('a German seat refusal says why in German', async () => {
    const anna = new Conversation(wizardBot(w, testPricing()), ALEX, 'de-DE');
    await anna.say('migrate Contoso Ltd');
    await anna.say({ press: 'Weiter', with: { planId: 'business-basic' } });
    await anna.say({ press: 'Alle Benutzer verschieben' });
    await converse(anna, [['100000', ['Business-Pläne erlauben höchstens 300 Lizenzen pro Kundenmandant']]]);
  });

  test('seats above 1.5 × the users moving get a warning on the review, and approval can be requested', async () => {
    await alex.say('migrate Contoso Ltd');
    await alex.say({ press: 'Next', with: { planId: 'business-basic' } });
    await alex.say({ press: 'Move all users' });
    await converse(alex, [
      ['35', ['Review the migration', 'Check the seats: 35 seats for 20 users who move (1.8 times as many).', '!Yes, I want to buy']],
      [{ press: 'Request approval' }, ['Approval requested']],
    ]);
  });

  test('seats above the tenant’s licensed users get a warning even below the ratio', async () => {
    await alex.say('migrate Contoso Ltd');
    await alex.say({ press: 'Next', with: { planId: 'business-basic' } });
    const ids = makeUsers('a', 20).map((user) => user.id);
    await alex.say({ press: 'Move the selected users', with: { userIds: ids.slice(0, 18).join(',') } });
    // 26 seats for 18 users is 1.4 ×, but the customer holds only 25 Kaizala Pro seats and 10 Business Basic ones.
    await converse(alex, [['26', ['more seats than this customer licenses today', '(25)', '!times as many']]]);
  });

  test('10,000 × Office 365 E3 for 20 users needs an explicit tick before approval can be requested', async () => {
    await alex.say('migrate Contoso Ltd');
    await alex.say({ press: 'Next', with: { planId: 'o365-e3' } });
    await alex.say({ press: 'Move all users' });
    await converse(alex, [
      [{ press: 'Next', with: { quantity: '10000' } }, ['Review the migration', 'Check the seats: 10,000 seats for 20 users who move (500 times as many).', 'Yes, I want to buy 10,000 seats']],
      [{ press: 'Request approval' }, ['Tick “Yes, I want to buy 10,000 seats”']],
      ['request approval', ['Tick “Yes, I want to buy 10,000 seats”']],
    ]);
    expect(await requests(w)).toEqual([]);
    await converse(alex, [[{ press: 'Request approval', with: { confirmSeats: 'true' } }, ['Approval requested']]]);
    const [request] = await requests(w);
    expect(request.quantity).toBe(10_000);
    // The approver sees the warning too.
    expect(cardText(renderCard('approvalRequest', approvalRequestCard(request, [MEGAN.aadObjectId], 'en'), 'en'))).toContain('500 times as many');
  });
});
