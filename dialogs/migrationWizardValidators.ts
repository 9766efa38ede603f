import type { StringKey } from '../cards/i18n';

/** The wizard's steps in order; `subscription` only appears when a name matches several subscriptions. */
export type WizardStage = 'subscription' | 'plan' | 'users' | 'quantity' | 'review';

/** What the user sent: typed text, and the data of an Action.Submit button (with the card's inputs). */
export interface UserInput {
  text: string;
  value?: Readonly<Record<string, unknown>>;
}

export interface InputError {
  key: StringKey;
  params?: Readonly<Record<string, string | number>>;
}

export type Answer<T> =
  | { kind: 'back' }
  | { kind: 'cancel' }
  | { kind: 'value'; value: T }
  | { kind: 'invalid'; error: InputError };

export type UsersAnswer = { kind: 'all' } | { kind: 'list' } | { kind: 'selected'; userIds: string[] };

const BACK = /^(?:back|zurück|zurueck)$/i;
const CANCEL = /^(?:cancel|abbrechen|stop|quit|exit)$/i;

/**
 * Navigation and card freshness, common to every step: `back`/`cancel` typed or pressed; a button from another
 * step or another wizard is refused. Anything else is the step's own input, with the button's `action` if any.
 */
export function recognizeNavigation(
  input: UserInput,
  wizardId: string,
  stage: WizardStage,
): { kind: 'back' } | { kind: 'cancel' } | { kind: 'invalid'; error: InputError } | { kind: 'input'; action?: string } {
  if (input.value && 'wizard' in input.value) {
    if (input.value.wizard !== wizardId || input.value.stage !== stage) return invalid('wizStaleCard');
    const action = input.value.action;
    if (action === 'back') return { kind: 'back' };
    if (action === 'cancel') return { kind: 'cancel' };
    return typeof action === 'string' ? { kind: 'input', action } : invalid('wizStaleCard');
  }
  if (BACK.test(input.text)) return { kind: 'back' };
  if (CANCEL.test(input.text)) return { kind: 'cancel' };
  return { kind: 'input' };
}

/** A subscription by the card's choice or its typed number, 1-based; returns the 0-based index. */
export function parseSubscriptionChoice(input: UserInput, count: number): Answer<number> {
  const raw = input.value ? input.value.choice : input.text;
  const index = typeof raw === 'string' && /^\d{1,4}$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
  if (Number.isInteger(index) && index >= 1 && index <= count) return { kind: 'value', value: index - 1 };
  return invalid('wizChooseSubscription', { count });
}

/**
 * A plan from the card's choice (or typed id or title). Only `eligible` plans are accepted: a plan the card never
 * offered (say, an A plan submitted for a commercial customer) is refused by name.
 */
export function parsePlanChoice(input: UserInput, eligible: readonly { planId: string; title: string }[], knownPlanIds: readonly string[]): Answer<string> {
  const raw = input.value ? input.value.planId : input.text;
  if (typeof raw !== 'string' || raw.trim() === '') return invalid('wizChoosePlan');
  const wanted = raw.trim().toLowerCase();
  const match = eligible.find((plan) => plan.planId === wanted || plan.title.toLowerCase() === wanted);
  if (match) return { kind: 'value', value: match.planId };
  return invalid(knownPlanIds.includes(wanted) ? 'wizPlanNotOffered' : 'wizChoosePlan');
}

/** All users, the list, or a selection of known users (the card's multi-select sends comma-separated ids). */
export function parseUsersChoice(input: UserInput, action: string | undefined, knownUserIds: readonly string[] | undefined): Answer<UsersAnswer> {
  const word = (action ?? input.text).trim().toLowerCase();
  if (word === 'all' || word === 'alle') return { kind: 'value', value: { kind: 'all' } };
  if (word === 'list' || word === 'liste') return { kind: 'value', value: { kind: 'list' } };
  if (word !== 'selected' || !knownUserIds) return invalid('wizUsersUnknownInput');
  const raw = input.value?.userIds;
  if (typeof raw !== 'string') return invalid('wizUsersInvalid');
  const ids = [...new Set(raw.split(',').map((id) => id.trim()).filter((id) => id !== ''))];
  const known = new Set(knownUserIds);
  if (ids.length === 0 || ids.some((id) => !known.has(id))) return invalid('wizUsersInvalid');
  return { kind: 'value', value: { kind: 'selected', userIds: ids } };
}

/** A whole number of seats within the limits, typed or from the card's number input. */
export function parseQuantity(input: UserInput, limits: { min: number; max: number }): Answer<number> {
  const raw = input.value ? input.value.quantity : input.text;
  const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : '';
  const quantity = /^\d{1,7}$/.test(text) ? Number(text) : NaN;
  if (Number.isInteger(quantity) && quantity >= limits.min && quantity <= limits.max) return { kind: 'value', value: quantity };
  return invalid('wizQuantityInvalid', { min: limits.min, max: limits.max });
}

const CONFIRM = /^(?:confirm|request|request approval|yes|ja|bestätigen|genehmigung anfordern)$/i;

/** The review's one way forward: Request approval. */
export function parseReviewChoice(input: UserInput, action: string | undefined): Answer<'confirm'> {
  if (action === 'confirm' || (action === undefined && CONFIRM.test(input.text.trim()))) return { kind: 'value', value: 'confirm' };
  return invalid('wizReviewInput');
}

function invalid(key: StringKey, params?: Readonly<Record<string, string | number>>): { kind: 'invalid'; error: InputError } {
  return { kind: 'invalid', error: { key, ...(params ? { params } : {}) } };
}
