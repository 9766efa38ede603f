import {
  parsePlanChoice,
  parseQuantity,
  parseReviewChoice,
  parseSubscriptionChoice,
  parseUsersChoice,
  recognizeNavigation,
} from '../../dialogs/migrationWizardValidators';
import { userInputOf } from '../../dialogs/migrationWizardPrompt';

const card = (value: Record<string, unknown>) => ({ text: '', value });
const typed = (text: string) => ({ text });
const ELIGIBLE = [
  { planId: 'business-basic', title: 'Microsoft 365 Business Basic' },
  { planId: 'o365-e1', title: 'Office 365 E1' },
];
const KNOWN = ['business-basic', 'o365-e1', 'o365-a1'];

describe('the wizard’s validators', () => {
  it.each([
    [typed('back'), { kind: 'back' }],
    [typed('Zurück'), { kind: 'back' }],
    [typed('CANCEL'), { kind: 'cancel' }],
    [typed('abbrechen'), { kind: 'cancel' }],
    [typed('12'), { kind: 'input' }],
    [card({ wizard: 'w1', stage: 'plan', action: 'back' }), { kind: 'back' }],
    [card({ wizard: 'w1', stage: 'plan', action: 'next' }), { kind: 'input', action: 'next' }],
    [card({ wizard: 'w0', stage: 'plan', action: 'next' }), { kind: 'invalid', error: { key: 'wizStaleCard' } }],
    [card({ wizard: 'w1', stage: 'users', action: 'cancel' }), { kind: 'invalid', error: { key: 'wizStaleCard' } }],
    [card({ wizard: 'w1', stage: 'plan', action: 7 }), { kind: 'invalid', error: { key: 'wizStaleCard' } }],
    [card({ command: 'help' }), { kind: 'input' }],
    [card({ wizard: 'w1', stage: 'approve', action: 'next' }), { kind: 'invalid', error: { key: 'wizSubmitMalformed' } }],
    [card({ wizard: ['w1'], stage: 'plan', action: 'next' }), { kind: 'invalid', error: { key: 'wizSubmitMalformed' } }],
    [{ text: 'back', unreadable: true as const }, { kind: 'invalid', error: { key: 'wizSubmitMalformed' } }],
  ])('navigation: %j → %j', (input, expected) => {
    expect(recognizeNavigation(input, 'w1', 'plan')).toEqual(expected);
  });

  it.each([
    [card({ choice: '2' }), { kind: 'value', value: 1 }],
    [typed(' 1 '), { kind: 'value', value: 0 }],
    [typed('0'), { kind: 'invalid', error: { key: 'wizChooseSubscription', params: { count: 3 } } }],
    [typed('4'), { kind: 'invalid', error: { key: 'wizChooseSubscription', params: { count: 3 } } }],
    [card({ choice: 2 }), { kind: 'invalid', error: { key: 'wizChooseSubscription', params: { count: 3 } } }],
  ])('subscription choice: %j → %j', (input, expected) => {
    expect(parseSubscriptionChoice(input, 3)).toEqual(expected);
  });

  it.each([
    [card({ planId: 'o365-e1' }), { kind: 'value', value: 'o365-e1' }],
    [typed('office 365 e1'), { kind: 'value', value: 'o365-e1' }],
    [typed('Business-Basic'), { kind: 'value', value: 'business-basic' }],
    [card({ planId: 'o365-a1' }), { kind: 'invalid', error: { key: 'wizPlanNotOffered' } }],
    [card({ planId: 'o365-e9' }), { kind: 'invalid', error: { key: 'wizChoosePlan' } }],
    [card({ planId: ['o365-e1'] }), { kind: 'invalid', error: { key: 'wizChoosePlan' } }],
    [card({}), { kind: 'invalid', error: { key: 'wizChoosePlan' } }],
  ])('plan choice: %j → %j', (input, expected) => {
    expect(parsePlanChoice(input, ELIGIBLE, KNOWN)).toEqual(expected);
  });

  it.each([
    [card({}), 'all', ['a', 'b'], { kind: 'value', value: { kind: 'all' } }],
    [typed('alle'), undefined, ['a'], { kind: 'value', value: { kind: 'all' } }],
    [typed('list'), undefined, undefined, { kind: 'value', value: { kind: 'list' } }],
    [card({ userIds: 'b,a,b' }), 'selected', ['a', 'b'], { kind: 'value', value: { kind: 'selected', userIds: ['b', 'a'] } }],
    [card({ userIds: 'a,z' }), 'selected', ['a', 'b'], { kind: 'invalid', error: { key: 'wizUsersInvalid' } }],
    [card({ userIds: ['a'] }), 'selected', ['a', 'b'], { kind: 'invalid', error: { key: 'wizUsersInvalid' } }],
    [card({ userIds: 'a' }), 'selected', undefined, { kind: 'invalid', error: { key: 'wizUsersUnknownInput' } }],
    [typed('some'), undefined, ['a'], { kind: 'invalid', error: { key: 'wizUsersUnknownInput' } }],
  ])('users choice: %j with action %s → %j', (input, action, known, expected) => {
    expect(parseUsersChoice(input, action, known)).toEqual(expected);
  });

  it.each([
    [typed('20'), { kind: 'value', value: 20 }],
    [card({ quantity: '300' }), { kind: 'value', value: 300 }],
    [card({ quantity: 25 }), { kind: 'value', value: 25 }],
    [typed('19'), { kind: 'invalid', error: { key: 'wizQuantityInvalid', params: { min: 20, max: 300 } } }],
    [typed('301'), { kind: 'invalid', error: { key: 'wizQuantityInvalid', params: { min: 20, max: 300 } } }],
    [typed('2e1'), { kind: 'invalid', error: { key: 'wizQuantityInvalid', params: { min: 20, max: 300 } } }],
    [card({ quantity: 20.5 }), { kind: 'invalid', error: { key: 'wizQuantityInvalid', params: { min: 20, max: 300 } } }],
    [card({ quantity: null }), { kind: 'invalid', error: { key: 'wizQuantityInvalid', params: { min: 20, max: 300 } } }],
  ])('quantity: %j → %j', (input, expected) => {
    expect(parseQuantity(input, { min: 20, max: 300 })).toEqual(expected);
  });

  it('the review goes on only by Request approval', () => {
    expect(parseReviewChoice(card({}), 'confirm')).toEqual({ kind: 'value', value: 'confirm' });
    expect(parseReviewChoice(typed('Request approval'), undefined)).toEqual({ kind: 'value', value: 'confirm' });
    expect(parseReviewChoice(typed('ok'), undefined).kind).toBe('invalid');
    expect(parseReviewChoice(card({}), 'approve').kind).toBe('invalid');
  });

  it('reads typed text and submitted data from a message', () => {
    expect(userInputOf({ text: '  20 ' })).toEqual({ text: '20' });
    expect(userInputOf({ value: { a: 1 } })).toEqual({ text: '', value: { a: 1 } });
    expect(userInputOf({ text: 'x', value: ['not', 'a', 'record'] })).toEqual({ text: 'x' });
  });

  it('marks data no wizard card sends as unreadable, and reads text only when it is text', () => {
    expect(userInputOf({ value: JSON.parse('{"__proto__": {"planId": "o365-e1"}}') })).toEqual({ text: '', unreadable: true });
    expect(userInputOf({ value: { constructor: 'x' } })).toEqual({ text: '', unreadable: true });
    expect(userInputOf({ value: { quantity: '1'.repeat(20_000) } })).toEqual({ text: '', unreadable: true });
    expect(userInputOf({ value: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, i])) })).toEqual({ text: '', unreadable: true });
    expect(userInputOf({ text: 42 as unknown as string })).toEqual({ text: '' });
  });
});
