import { peopleFromConversations } from '../../bot/approvalNotifier';
import { ConversationReferences } from '../../bot/proactive/conversationReferences';
import { ApprovalService, Approvers, type PeopleDirectory } from '../../services/approvals';
import type { MigrationRequest } from '../../services/domain/request';
import { silentLogger } from '../../services/logging';
import { IN_MEMORY, openSqliteStore } from '../../services/store';
import type { Store } from '../../services/store/store';
import { ADELE, ALEX, approvalWorld, Conversation, converse, makeUsers, MEGAN, seedSubscription, subscriptionRow, wizardBot, type WizardWorld } from '../wizard/support';

/**
 * Approvers are matched by object id and by UPN, each resolved through the people the bot knows, so nobody
 * receives (or counts as reached for) their own request, and a requester who is the only approver is told at once.
 */

const CONTOSO = subscriptionRow({ customerId: 'c0000000-0000-4000-8000-000000000001', customerName: 'Contoso Ltd' });
const UPN = { alex: 'alex.wilber@partner.example', megan: 'megan.bowen@partner.example' };
const person = (user: typeof ALEX) => ({ aadObjectId: user.aadObjectId, name: user.name });

/** Records a person's chat as the conversation recorder does once Teams told their UPN. */
async function knownToTheBot(store: Store, user: typeof ALEX, userPrincipalName: string): Promise<void> {
  await new ConversationReferences(store).save(user.aadObjectId, () => ({
    aadObjectId: user.aadObjectId,
    name: user.name,
    userPrincipalName,
    locale: 'en-US',
    tenantId: 'partner',
    reference: {},
  }));
}

/** The approval use case with these APPROVERS and this view of people; the rest as in approvalWorld. */
async function worldWith(approvers: string[], people: (store: Store) => PeopleDirectory | undefined): Promise<WizardWorld> {
  const store = openSqliteStore(IN_MEMORY);
  const base = approvalWorld(store);
  await seedSubscription(store, CONTOSO);
  base.directory.set(CONTOSO.tenantId, makeUsers('a', 20));
  const approvals = new ApprovalService({
    store,
    directory: base.directory,
    approvers: new Approvers(approvers),
    notifier: base.notifier,
    people: people(store),
    background: base.background,
    logger: silentLogger,
    ttlDays: 7,
    now: () => base.now.value,
  });
  return { ...base, approvals };
}

const fromConversations = (store: Store) => peopleFromConversations(new ConversationReferences(store));
const draft = { customerId: CONTOSO.customerId, subscriptionId: CONTOSO.subscriptionId, planId: 'business-basic', quantity: 20, userIds: 'all' as const };

describe('approvers named by UPN', () => {
  it('the requester listed by UPN does not receive their own request, nor count as reached', async () => {
    const w = await worldWith([UPN.alex, MEGAN.aadObjectId, ADELE.aadObjectId], fromConversations);
    await knownToTheBot(w.store, ALEX, 'Alex.Wilber@Partner.example');
    const outcome = await w.approvals.requestMigration(draft, person(ALEX), 'en-US');
    expect(outcome).toMatchObject({ kind: 'requested', approversReached: 2 });
    expect(w.notifier.sent.map((s) => s.approver)).toEqual([MEGAN.aadObjectId, ADELE.aadObjectId]);
    expect(await w.approvals.approversReached((outcome as { request: MigrationRequest }).request.id)).toBe(2);
  });

  it.each<[string, PeopleDirectory | undefined, { userPrincipalName?: string }]>([
    ['the bot knows the requester’s UPN', { userPrincipalNameOf: async (id) => (id === ALEX.aadObjectId ? UPN.alex : undefined), objectIdOf: async () => undefined }, {}],
    ['the bot knows whose UPN the entry is', { userPrincipalNameOf: async () => undefined, objectIdOf: async (upn) => (upn === UPN.alex ? ALEX.aadObjectId.toUpperCase() : undefined) }, {}],
    ['the requester carries their UPN', undefined, { userPrincipalName: UPN.alex.toUpperCase() }],
  ])('leaves the requester out when %s', async (_case, people, extra) => {
    const w = await worldWith([UPN.alex, MEGAN.aadObjectId], () => people);
    const outcome = await w.approvals.requestMigration(draft, { ...person(ALEX), ...extra }, 'en-US');
    expect(outcome).toMatchObject({ kind: 'requested', approversReached: 1 });
    expect(w.notifier.sent.map((s) => s.approver)).toEqual([MEGAN.aadObjectId]);
  });

  it('sends one card to an approver listed both by object id and by UPN, to their object id', async () => {
    const w = await worldWith([MEGAN.aadObjectId, UPN.megan, ADELE.aadObjectId], fromConversations);
    await knownToTheBot(w.store, MEGAN, UPN.megan);
    expect(await w.approvals.requestMigration(draft, person(ALEX), 'en-US')).toMatchObject({ kind: 'requested', approversReached: 2 });
    expect(w.notifier.sent.map((s) => s.approver)).toEqual([MEGAN.aadObjectId, ADELE.aadObjectId]);
  });
});

describe('a requester who is the only approver', () => {
  it.each([
    ['by UPN', [UPN.alex]],
    ['by UPN in another case', ['ALEX.WILBER@partner.EXAMPLE']],
    ['by object id and UPN', [ALEX.aadObjectId, UPN.alex]],
  ])('is refused at request time (%s): nothing is stored, sent or audited', async (_case, approvers) => {
    const w = await worldWith(approvers, fromConversations);
    await knownToTheBot(w.store, ALEX, UPN.alex);
    expect(await w.approvals.requestMigration(draft, person(ALEX), 'en-US')).toEqual({ kind: 'refused', problem: 'noOtherApprover' });
    expect(await w.store.list('requests')).toEqual([]);
    expect(await w.store.list('audit')).toEqual([]);
    expect(await w.approvals.activeRequestFor(CONTOSO.customerId, CONTOSO.subscriptionId)).toBeUndefined();
    expect(w.notifier.sent).toEqual([]);
  });

  it.each([
    ['en-US', ['Next', 'Move all users', 'Next', 'Request approval'], 'Nobody but you may approve this request. Ask your administrator to add another approver (APPROVERS). Nothing was requested.'],
    ['de-DE', ['Weiter', 'Alle Benutzer verschieben', 'Weiter', 'Genehmigung anfordern'], 'Niemand außer Ihnen darf diese Anfrage genehmigen.'],
  ])('is told so by the wizard when asking for approval (%s)', async (locale, [next, moveAll, nextAgain, requestApproval], told) => {
    const w = await worldWith([UPN.alex], fromConversations);
    await knownToTheBot(w.store, ALEX, UPN.alex);
    const alex = new Conversation(wizardBot(w), ALEX, locale);
    await converse(alex, [
      ['migrate Contoso Ltd', ['Contoso Ltd']],
      [{ press: next, with: { planId: 'business-basic' } }, []],
      [{ press: moveAll }, []],
      [{ press: nextAgain, with: { quantity: '20' } }, []],
      [{ press: requestApproval }, [told, '!MR-']],
    ]);
    expect(await w.store.list('requests')).toEqual([]);
    expect(w.notifier.sent).toEqual([]);
  });
});
