import type { MigrationRequest } from '../../services/domain/request';
import { IN_MEMORY, openSqliteStore } from '../../services/store';
import {
  ALEX,
  approvalWorld,
  Conversation,
  converse,
  makeUsers,
  MEGAN,
  seedSubscription,
  subscriptionRow,
  wizardBot,
  type WizardWorld,
} from '../wizard/support';

const CONTOSO = subscriptionRow({ customerId: 'c0000000-0000-4000-8000-000000000001', customerName: 'Contoso Ltd' });
const CONTOSO_PHARMA = subscriptionRow({ customerId: 'c0000000-0000-4000-8000-000000000002', customerName: 'Contoso Pharmaceuticals' });

async function setUp(): Promise<{ w: WizardWorld; request: MigrationRequest }> {
  const w = approvalWorld(openSqliteStore(IN_MEMORY));
  await seedSubscription(w.store, CONTOSO);
  await seedSubscription(w.store, CONTOSO_PHARMA);
  w.directory.set(CONTOSO.tenantId, makeUsers('a', 20));
  const outcome = await w.approvals.requestMigration(
    { customerId: CONTOSO.customerId, subscriptionId: CONTOSO.subscriptionId, planId: 'o365-e1', quantity: 20, userIds: 'all' },
    { aadObjectId: ALEX.aadObjectId, name: ALEX.name },
    'en-US',
  );
  if (outcome.kind !== 'requested') throw new Error(outcome.problem);
  return { w, request: outcome.request };
}

describe('withdraw <request id>', () => {
  it('withdraws the requester’s pending request, once', async () => {
    const { w, request } = await setUp();
    const alex = new Conversation(wizardBot(w));
    await converse(alex, [
      [`withdraw ${request.id.toLowerCase()}`, [`Request ${request.id} is withdrawn. Nothing will be bought.`]],
      [`withdraw ${request.id}`, [`Request ${request.id} is already withdrawn. Nothing was changed.`]],
    ]);
    expect((await w.approvals.getRequest(request.id))?.status).toBe('withdrawn');
  });

  it('refuses someone else’s request, an unknown id and a missing id', async () => {
    const { w, request } = await setUp();
    const megan = new Conversation(wizardBot(w), MEGAN);
    await converse(megan, [
      [`withdraw ${request.id}`, ['Only the person who made the request can withdraw it.']],
      ['withdraw MR-0000000000', ['This request does not exist.']],
      ['withdraw', ['Type withdraw and the request id']],
      ['withdraw everything', ['Type withdraw and the request id']],
    ]);
    expect((await w.approvals.getRequest(request.id))?.status).toBe('pending');
  });

  it('answers in German', async () => {
    const { w, request } = await setUp();
    const alex = new Conversation(wizardBot(w), ALEX, 'de-DE');
    await converse(alex, [[`zurückziehen ${request.id}`, [`Anfrage ${request.id} ist zurückgezogen.`]]]);
  });
});

describe('history <customer>', () => {
  it('shows every request, decision, actor and time, newest first', async () => {
    const { w, request } = await setUp();
    w.now.value = new Date('2026-05-21T11:30:00Z');
    await w.approvals.decide({ requestId: request.id, version: 1, actor: { aadObjectId: MEGAN.aadObjectId, name: MEGAN.name }, decision: 'reject', reason: 'Wrong plan' });
    const alex = new Conversation(wizardBot(w));
    const reply = await alex.say('history Contoso Ltd');
    expect(reply).toContain('Migration history of Contoso Ltd');
    expect(reply.indexOf('May 21, 2026, 11:30 AM UTC\nMegan Bowen rejected: Wrong plan')).toBeGreaterThan(0);
    expect(reply.indexOf('Megan Bowen rejected: Wrong plan')).toBeLessThan(reply.indexOf('Alex Wilber asked to move 20 users to Office 365 E1'));
    expect(reply).toContain(`${request.id} · rejected`);
  });

  it('asks for a longer name when several customers match, and says when none does', async () => {
    const { w } = await setUp();
    const alex = new Conversation(wizardBot(w));
    await converse(alex, [
      ['history Contoso', ['Several customers match "Contoso": Contoso Ltd, Contoso Pharmaceuticals']],
      ['history Northwind', ['I know no customer matching "Northwind"']],
      ['history', ['Type history and a customer']],
      ['history Contoso Pharmaceuticals', ['Nothing has been requested for this customer yet.']],
      ['verlauf c0000000-0000-4000-8000-000000000009', ['I know no customer matching']],
    ]);
  });

  it('finds a customer the scan no longer lists by id', async () => {
    const { w } = await setUp();
    await w.store.delete('subscriptionsSeen', `${CONTOSO.customerId}/${CONTOSO.subscriptionId}`);
    await converse(new Conversation(wizardBot(w), ALEX, 'de-DE'), [[`verlauf ${CONTOSO.customerId}`, ['Migrationsverlauf von Contoso Ltd', 'Alex Wilber hat beantragt']]]);
  });
});
