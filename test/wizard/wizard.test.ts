import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MigrationRequest } from '../../services/domain/request';
import { IN_MEMORY, openSqliteStore } from '../../services/store';
import type { Store } from '../../services/store/store';
import {
  ADELE,
  ALEX,
  approvalWorld,
  BUSINESS_BASIC_SKU,
  Conversation,
  converse,
  makeUsers,
  MEGAN,
  seedSubscription,
  subscriptionRow,
  testPricing,
  wizardBot,
  type WizardWorld,
} from './support';

const CONTOSO = subscriptionRow({ customerId: 'c0000000-0000-4000-8000-000000000001', customerName: 'Contoso Ltd', usersOnKaizala: 20 });
const CONTOSO_PHARMA = subscriptionRow({ customerId: 'c0000000-0000-4000-8000-000000000002', customerName: 'Contoso Pharmaceuticals', usersOnKaizala: 12 });
const FOURTH_COFFEE = subscriptionRow({ customerId: 'c0000000-0000-4000-8000-000000000003', customerName: 'Fourth Coffee', usersOnKaizala: 8 });
const SCHOOL = subscriptionRow({ customerId: 'c0000000-0000-4000-8000-000000000004', customerName: 'School of Fine Art', education: true, usersOnKaizala: 10 });
const UNCONFIRMED = subscriptionRow({
  customerId: 'c0000000-0000-4000-8000-000000000005',
  customerName: 'Lamna Healthcare',
  review: { reason: 'bundledWithSuite', detail: 'SPE_E3' },
});

async function world(store?: Store): Promise<WizardWorld> {
  const w = approvalWorld(store ?? openSqliteStore(IN_MEMORY), { pricing: testPricing() });
  for (const row of [CONTOSO, CONTOSO_PHARMA, FOURTH_COFFEE, SCHOOL, UNCONFIRMED]) await seedSubscription(w.store, row);
  w.directory.set(CONTOSO.tenantId, makeUsers('a', 20), { [BUSINESS_BASIC_SKU]: 10 });
  w.directory.set(CONTOSO_PHARMA.tenantId, makeUsers('b', 12));
  w.directory.set(FOURTH_COFFEE.tenantId, makeUsers('c', 8, (i) => ({ jobTitle: i < 6 ? 'Store Associate' : 'Controller' })));
  w.directory.set(SCHOOL.tenantId, makeUsers('d', 10, (i) => ({ jobTitle: i < 3 ? 'Teacher' : 'Student', kind: i < 3 ? 'faculty' : 'student' })));
  return w;
}

async function requests(store: Store): Promise<MigrationRequest[]> {
  return (await store.list<MigrationRequest>('requests')).map((item) => item.value);
}

describe('the migration wizard, as conversations', () => {
  let w: WizardWorld;
  let alex: Conversation;
  beforeEach(async () => {
    w = await world();
    alex = new Conversation(wizardBot(w, testPricing()));
  });

  it('happy path: plan → users → seats → review → approval requested', async () => {
    await converse(alex, [
      ['migrate Contoso Ltd', ['Choose the new plan', 'Contoso Ltd', 'Recommended', 'Microsoft 365 Business Basic', '$102.00 per month', 'Office 365 E1', '!Office 365 A1']],
      [{ press: 'Next', with: { planId: 'business-basic' } }, ['Which users move?', 'User 001', 'Users selected\n20']],
      [{ press: 'Move all users' }, ['How many seats?', 'Seats allowed\n20–290', 'this customer already holds 10', '$5.10 per month']],
      [{ press: 'Next', with: { quantity: '24' } }, ['Review the migration', 'A. Buy', '24 × Microsoft 365 Business Basic', 'B. Move', '(20)', 'C. Suspend', CONTOSO.subscriptionId, '$122.40 per month']],
      [{ press: 'Request approval' }, ['Approval requested', 'Approvers reached: 2', 'withdraw MR-']],
    ]);
    const [request] = await requests(w.store);
    expect(request).toMatchObject({ version: 1, status: 'pending', customerId: CONTOSO.customerId, quantity: 24, plan: { planId: 'business-basic' } });
    expect(request.userIds).toHaveLength(20);
    expect(request.requester.aadObjectId).toBe(ALEX.aadObjectId);
    expect(request.monthlyCost).toEqual({ amount: 122.4, currency: 'USD' });
    expect(w.notifier.sent.map((s) => s.approver).sort()).toEqual([MEGAN.aadObjectId, ADELE.aadObjectId]);
    // The wizard is over: the next message is a new command.
    expect(await alex.say('help')).toContain('What I can do');
  });

  it('back returns step by step, keeping what was chosen; back at the first step says so', async () => {
    await converse(alex, [['migrate Contoso Ltd', ['Choose the new plan']]]);
    const firstCard = JSON.stringify(alex.latestCard());
    expect(firstCard).not.toContain('"title":"Back"');
    expect(firstCard).toContain('"title":"Cancel"');
    await converse(alex, [
      ['cancel', []],
      ['migrate Contoso Ltd', ['Choose the new plan']],
      [{ press: 'Next', with: { planId: 'o365-e1' } }, ['Which users move?', 'Office 365 E1']],
      [{ press: 'Move all users' }, ['How many seats?']],
      [{ press: 'Back' }, ['Which users move?']],
      ['back', ['Choose the new plan']],
      // The first step's card has no Back button; typed, back still says why nothing happens.
      ['back', ['This is the first step']],
      [{ press: 'Next', with: { planId: 'o365-e1' } }, ['Which users move?']],
      ['zurück', ['Choose the new plan']],
    ]);
    const planChoice = alex.latestCard()?.body.find((e) => (e as { id?: string }).id === 'planId') as { value: string };
    expect(planChoice.value).toBe('o365-e1');
  });

  it.each([
    ['the plan', []],
    ['the users', [{ press: 'Next', with: { planId: 'business-basic' } }]],
    ['the seats', [{ press: 'Next', with: { planId: 'business-basic' } }, { press: 'Move all users' }]],
    ['the review', [{ press: 'Next', with: { planId: 'business-basic' } }, { press: 'Move all users' }, '20']],
  ] as const)('cancel at %s ends the wizard and requests nothing', async (_stage, steps) => {
    await alex.say('migrate Contoso Ltd');
    for (const step of steps) await alex.say(step);
    await converse(alex, [
      [{ press: 'Cancel' }, ['Cancelled. Nothing was requested.']],
      ['help', ['What I can do']],
    ]);
    expect(await requests(w.store)).toEqual([]);
  });

  it('typed cancel works too, in German', async () => {
    const anna = new Conversation(wizardBot(w, testPricing()), ALEX, 'de-DE');
    await converse(anna, [
      ['migrate Contoso Ltd', ['Neuen Plan wählen', 'Empfohlen', '102,00']],
      ['abbrechen', ['Abgebrochen. Es wurde nichts angefordert.']],
    ]);
  });

  it('a bad number of seats gets a clear re-prompt until it fits', async () => {
    await converse(alex, [
      ['migrate Contoso Ltd', ['Choose the new plan']],
      [{ press: 'Next', with: { planId: 'business-basic' } }, ['Which users move?']],
      [{ press: 'Move all users' }, ['How many seats?']],
      [{ press: 'Next', with: { quantity: '5' } }, ['Please enter a whole number of seats from 20 to 290.', '!Review']],
      ['291', ['from 20 to 290']],
      ['twenty', ['from 20 to 290']],
      ['20.5', ['from 20 to 290']],
      [{ press: 'Next', with: { quantity: 25 } }, ['Review the migration', '25 × Microsoft 365 Business Basic']],
    ]);
  });

  it('offers no education plan to a commercial customer and refuses one forced through a tampered submit', async () => {
    const planCard = await alex.say('migrate Contoso Ltd');
    expect(planCard).not.toMatch(/ A[135]\b/);
    const wizardId = (alex.latestCard()?.actions?.[0] as { data: { wizard: string } }).data.wizard;
    await converse(alex, [
      [{ value: { wizard: wizardId, stage: 'plan', action: 'next', planId: 'o365-a1' } }, ['That plan cannot be bought for this customer.']],
      [{ value: { wizard: wizardId, stage: 'plan', action: 'next', planId: 'no-such-plan' } }, ['Choose one of the listed plans.']],
      [{ value: { wizard: wizardId, stage: 'plan', action: 'next', planId: { $gt: '' } } }, ['Choose one of the listed plans.']],
      [{ value: { wizard: wizardId, stage: 'plan', action: 'next', planId: 'o365-e1' } }, ['Which users move?']],
    ]);
  });

  it('recommends A1 first to an education-qualified customer and keeps faculty and student licenses apart', async () => {
    await converse(alex, [
      ['migrate School of Fine Art', ['Office 365 A1', 'Recommended', 'faculty or student license']],
      [{ press: 'Next', with: { planId: 'o365-a3' } }, ['Which users move?', 'Teacher · faculty', 'Student · student']],
      [{ press: 'Move all users' }, ['How many seats?']],
      ['12', ['5 × Office 365 A3 for faculty', '7 × Office 365 A3 for students', '$33.75 per month']],
    ]);
    await alex.say({ press: 'Request approval' });
    const [request] = await requests(w.store);
    expect(request.lines?.map((line) => [line.skuPartNumber, line.quantity, line.userIds.length])).toEqual([
      ['ENTERPRISEPACKPLUS_FACULTY', 5, 3],
      ['ENTERPRISEPACKPLUS_STUDENT', 7, 7],
    ]);
  });

  it('recommends Office 365 F3 when most users have frontline job titles', async () => {
    await converse(alex, [['migrate fourth coffee', ['Office 365 F3', 'Recommended', '6 of 8 users have frontline job titles']]]);
  });

  it('asks which subscription when a name matches several, and back returns to that choice', async () => {
    await converse(alex, [
      ['migrate Contoso', ['Which Kaizala Pro subscription?', '1. Contoso Ltd', '2. Contoso Pharmaceuticals']],
      ['3', ['Choose one of the listed subscriptions, or type its number (1 to 2).']],
      [{ press: 'Next', with: { choice: '2' } }, ['Choose the new plan', 'Contoso Pharmaceuticals']],
      ['back', ['Which Kaizala Pro subscription?']],
      ['1', ['Choose the new plan', 'Contoso Ltd']],
    ]);
  });

  it('says clearly when nothing matches, when the name is missing, and when a subscription is unconfirmed', async () => {
    await converse(alex, [
      ['migrate Northwind', ['I found no Kaizala Pro subscription for "Northwind"']],
      ['migrate', ['Tell me which customer']],
      ['migrate Lamna Healthcare', ['could not be confirmed as standalone Kaizala Pro']],
    ]);
  });

  it("starts from the alert card's Start migration button", async () => {
    await converse(alex, [
      [{ value: { command: 'migrate', customerId: CONTOSO_PHARMA.customerId, subscriptionId: CONTOSO_PHARMA.subscriptionId } }, ['Choose the new plan', 'Contoso Pharmaceuticals']],
    ]);
  });

  it('stops when the subscription is already migrating, naming the request', async () => {
    await alex.say('migrate Contoso Ltd');
    await alex.say({ press: 'Next', with: { planId: 'business-basic' } });
    await alex.say({ press: 'Move all users' });
    await alex.say('20');
    await alex.say({ press: 'Request approval' });
    const [request] = await requests(w.store);
    await converse(alex, [['migrate Contoso Ltd', [`already being migrated (request ${request.id}, pending)`, '!Choose the new plan']]]);
    await converse(alex, [[{ value: { command: 'migrate', customerId: CONTOSO.customerId, subscriptionId: CONTOSO.subscriptionId } }, ['already being migrated']]]);
  });

  it('a button from an earlier step is refused without moving on', async () => {
    await alex.say('migrate Contoso Ltd');
    const planCard = alex.latestCard();
    await alex.say({ press: 'Next', with: { planId: 'business-basic' } });
    const next = (planCard?.actions?.[0] as { data: Record<string, unknown> }).data;
    await converse(alex, [
      [{ value: { ...next, planId: 'o365-e1' } }, ['That card belongs to an earlier step']],
      [{ press: 'Move all users' }, ['How many seats?']],
    ]);
  });

  it('lets the user view the list and move only some users; the seats follow the selection', async () => {
    const ids = (await w.directory.kaizalaUsers(CONTOSO.tenantId)).map((u) => u.id);
    await converse(alex, [
      ['migrate Contoso Ltd', ['Choose the new plan']],
      [{ press: 'Next', with: { planId: 'o365-e1' } }, ['Which users move?']],
      [{ press: 'Show the list' }, ['Users on Kaizala Pro at Contoso Ltd', 'Users 1–20 / 20', 'user20@a.example', 'Which users move?']],
      [{ press: 'Move the selected users', with: { userIds: '' } }, ['Choose at least one user from the list']],
      [{ press: 'Move the selected users', with: { userIds: `${ids[0]},not-a-user` } }, ['Choose at least one user from the list']],
      [{ press: 'Move the selected users', with: { userIds: ids.slice(0, 3).join(',') } }, ['How many seats?', 'Seats allowed\n3–10,000']],
      ['3', ['3 × Office 365 E1', '(3)', '!User 004']],
      [{ press: 'Request approval' }, ['Approval requested']],
    ]);
    const [request] = await requests(w.store);
    expect(request.userIds).toEqual(ids.slice(0, 3));
  });

  it('a new migrate command in the middle of the wizard starts over for that customer', async () => {
    await converse(alex, [
      ['migrate Contoso Ltd', ['Choose the new plan', 'Contoso Ltd']],
      [{ press: 'Next', with: { planId: 'o365-e1' } }, ['Which users move?']],
      ['migrate Fourth Coffee', ['Choose the new plan', 'Fourth Coffee']],
      [{ value: { command: 'migrate', customerId: CONTOSO_PHARMA.customerId, subscriptionId: CONTOSO_PHARMA.subscriptionId } }, ['Contoso Pharmaceuticals']],
      [{ press: 'Next', with: { planId: 'o365-e1' } }, ['Which users move?', 'Contoso Pharmaceuticals']],
    ]);
  });

  it('tells the user when Graph cannot be read and requests nothing', async () => {
    w.directory.failing = true;
    await converse(alex, [['migrate Contoso Ltd', ["I could not read Contoso Ltd's users and licenses", 'Authorization_RequestDenied']]]);
  });

  it('without a price list, shows no prices', async () => {
    const plain = new Conversation(wizardBot(w));
    await converse(plain, [['migrate Contoso Ltd', ['No price list is loaded', '!$']]]);
  });
});

describe('a half-finished wizard', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kma-wizard-'));
  });
  afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('survives a bot restart: a new bot on the same database continues at the same step', async () => {
    const firstStore = openSqliteStore(dataDir);
    const before = await world(firstStore);
    const first = new Conversation(wizardBot(before, testPricing()));
    await converse(first, [
      ['migrate Contoso Ltd', ['Choose the new plan']],
      [{ press: 'Next', with: { planId: 'o365-e1' } }, ['Which users move?']],
      [{ press: 'Move all users' }, ['How many seats?']],
    ]);
    const quantityCard = first.latestCard();
    await firstStore.close();

    const secondStore = openSqliteStore(dataDir);
    const after = approvalWorld(secondStore, { pricing: testPricing(), directory: before.directory });
    const second = new Conversation(wizardBot(after, testPricing()));
    await converse(second, [
      [{ value: { ...(quantityCard?.actions?.[0] as { data: Record<string, unknown> }).data, quantity: '22' } }, ['Review the migration', '22 × Office 365 E1']],
      [{ press: 'Back' }, ['How many seats?']],
      ['21', ['21 × Office 365 E1']],
      [{ press: 'Request approval' }, ['Approval requested']],
    ]);
    expect((await requests(secondStore))[0]).toMatchObject({ quantity: 21, plan: { planId: 'o365-e1' }, status: 'pending' });
    await secondStore.close();
  });
});
