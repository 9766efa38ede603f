import { APPROVAL_VERBS } from '../../bot/approvalHandlers';
import { IN_MEMORY, openSqliteStore } from '../../services/store';
import type { Store } from '../../services/store/store';
import {
  approvalWorld,
  BUSINESS_BASIC_SKU,
  Conversation,
  converse,
  makeUsers,
  seedSubscription,
  subscriptionRow,
  testPricing,
  wizardBot,
  type WizardWorld,
} from '../wizard/support';

const CONTOSO = subscriptionRow({ customerId: 'c0000000-0000-4000-8000-000000000001', customerName: 'Contoso Ltd', usersOnKaizala: 20 });

async function world(): Promise<WizardWorld> {
  const w = approvalWorld(openSqliteStore(IN_MEMORY), { pricing: testPricing() });
  await seedSubscription(w.store, CONTOSO);
  w.directory.set(CONTOSO.tenantId, makeUsers('a', 20), { [BUSINESS_BASIC_SKU]: 10 });
  return w;
}

/** The stored dialog state of every conversation, to prove an invoke left it exactly as it was. */
async function dialogStates(store: Store): Promise<unknown> {
  return (await store.list('dialogState')).map((item) => [item.key, item.value]);
}

const execute = (verb: unknown, data?: unknown) => ({ action: { type: 'Action.Execute', verb, ...(data !== undefined ? { data } : {}) }, trigger: 'manual' });
const manyKeys = Object.fromEntries(Array.from({ length: 5_000 }, (_, i) => [`k${i}`, 'x'.repeat(20)]));

/** Each malformed value with the typed error it must get: status and code. */
const MALFORMED: readonly [string, unknown, number, string][] = [
  ['a number', -1, 400, 'MalformedAction'],
  ['a string', 'x', 400, 'MalformedAction'],
  ['an array', [], 400, 'MalformedAction'],
  ['an empty object', {}, 400, 'MalformedAction'],
  ['null', null, 400, 'MalformedAction'],
  ['no value at all', undefined, 400, 'MalformedAction'],
  ['an action of null', { action: null }, 400, 'MalformedAction'],
  ['an action without a type', { action: { verb: 5 } }, 400, 'MalformedAction'],
  ['an Action.Submit sent as an invoke', { action: { type: 'Action.Submit', verb: APPROVAL_VERBS.approve, data: {} } }, 400, 'MalformedAction'],
  ['a verb that is a number', execute(5, {}), 400, 'UnknownVerb'],
  ['a verb nobody declared', execute('launchRockets', {}), 400, 'UnknownVerb'],
  ['a verb inherited by every object', execute('__proto__', {}), 400, 'UnknownVerb'],
  ['a verb naming an Object method', execute('constructor', {}), 400, 'UnknownVerb'],
  ['a huge verb', execute('v'.repeat(100_000), {}), 400, 'UnknownVerb'],
  ['a known verb without data', execute(APPROVAL_VERBS.approve), 400, 'MalformedData'],
  ['a known verb with data of null', execute(APPROVAL_VERBS.approve, null), 400, 'MalformedData'],
  ['a known verb with a huge id', execute(APPROVAL_VERBS.approve, { requestId: 'M'.repeat(1_000_000), version: 1 }), 400, 'MalformedData'],
  ['a known verb with thousands of fields', execute(APPROVAL_VERBS.approve, manyKeys), 400, 'MalformedData'],
];

describe('malformed invokes in the middle of a wizard', () => {
  let w: WizardWorld;
  let alex: Conversation;
  beforeEach(async () => {
    w = await world();
    alex = new Conversation(wizardBot(w, testPricing()));
    await converse(alex, [['migrate Contoso Ltd', ['Choose the new plan']]]);
  });

  it.each(MALFORMED)('%s gets a typed error, and the wizard continues where it was', async (_label, value, status, code) => {
    const before = await dialogStates(w.store);
    expect(before).not.toEqual([]);

    const response = await alex.invoke('adaptiveCard/action', value);
    expect(response).toEqual({ status, body: { statusCode: status, type: 'application/vnd.microsoft.error', value: { code, message: expect.stringContaining('Nothing was changed') } } });
    expect(await dialogStates(w.store)).toEqual(before);

    await converse(alex, [
      [{ press: 'Next', with: { planId: 'business-basic' } }, ['Which users move?']],
      [{ press: 'Move all users' }, ['How many seats?']],
    ]);
  });

  it.each([
    ['a message extension query', 'composeExtension/query'],
    ['a task module', 'task/fetch'],
    ['a tab', 'tab/fetch'],
    ['a sign-in', 'signin/verifyState'],
    ['an invoke without a name', undefined],
    ['an invoke with a made-up name', 'launch/rockets'],
  ])('%s, which this app does not offer, gets a typed 400 and leaves the wizard alone', async (_label, name) => {
    const before = await dialogStates(w.store);
    const response = await alex.invoke(name, { anything: 1 });
    expect(response).toEqual({ status: 400, body: { statusCode: 400, type: 'application/vnd.microsoft.error', value: { code: 'NotSupported', message: expect.stringContaining('Nothing was changed') } } });
    expect(await dialogStates(w.store)).toEqual(before);
    await converse(alex, [[{ press: 'Next', with: { planId: 'business-basic' } }, ['Which users move?']]]);
  });

  it('answers in the clicker’s language', async () => {
    const anna = new Conversation(wizardBot(w, testPricing()), undefined, 'de-DE');
    const response = await anna.invoke('adaptiveCard/action', { action: null });
    expect(response?.body).toMatchObject({ value: { message: 'Die Daten dieser Karte sind fehlerhaft. Es wurde nichts geändert.' } });
  });
});
