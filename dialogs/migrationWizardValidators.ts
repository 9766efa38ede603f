import { z } from 'zod';
import type { StringKey } from '../cards/i18n';

/** The wizard's steps in order; `subscription` only appears when a name matches several subscriptions. */
export const WIZARD_STAGES = ['subscription', 'plan', 'users', 'quantity', 'review'] as const;
export type WizardStage = (typeof WIZARD_STAGES)[number];

/** The `action`s of the wizard cards' buttons. */
const WIZARD_ACTIONS = ['next', 'back', 'cancel', 'all', 'selected', 'list', 'confirm'] as const;

/** What the user sent: typed text, and the data of an Action.Submit button (with the card's inputs). */
export interface UserInput {
  text: string;
  value?: Readonly<Record<string, unknown>>;
  /** The message carried data no wizard card sends (prototype keys, too many fields, too large): nothing is read from it. */
  unreadable?: true;
}

/** Keys that would reach an object's prototype wherever the data were copied. */
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
/** Our cards send four fields at most (wizard, stage, action and the card's one input); 60 selected users are ~2.3 KB. */
const MAX_SUBMIT_FIELDS = 16;
const MAX_SUBMIT_CHARS = 10_000;

function jsonLength(value: unknown): number {
  try {
    return JSON.stringify(value).length;
  } catch {
    return Infinity;
  }
}

/**
 * An Action.Submit's data as a whole: a small record of fields. Each step reads its own fields with the field
 * schemas below; data that fails here is refused whole with one clear message.
 */
export const submitDataSchema = z
  .custom<Readonly<Record<string, unknown>>>((value) => typeof value === 'object' && value !== null && !Array.isArray(value))
  .refine((value) => {
    const keys = Object.keys(value);
    return keys.length <= MAX_SUBMIT_FIELDS && keys.every((key) => !PROTOTYPE_KEYS.has(key));
  })
  .refine((value) => jsonLength(value) <= MAX_SUBMIT_CHARS);

/** Which card and button a submit comes from; every wizard card stamps these on its buttons. */
const cardStampSchema = z.object({ wizard: z.string().max(64), stage: z.enum(WIZARD_STAGES) });
const buttonSchema = z.object({ action: z.enum(WIZARD_ACTIONS) });

/** A typed or chosen number: digits only (no `2e1`, no `20.5`), bounded so it stays a safe integer. */
const digits = (max: number) => z.string().trim().regex(new RegExp(`^\\d{1,${max}}$`)).transform(Number);
/** The subscription choice's value or typed number, 1-based. */
const choiceField = digits(4);
/** The plan choice's value or typed id or title. */
const planField = z.string().trim().min(1).max(200);
/** The users multi-select: comma-separated ids. */
const userIdsField = z.string().max(MAX_SUBMIT_CHARS);
/** The seats input: a number from the card's Input.Number, or digits typed or sent as text. */
const quantityField = z.union([z.number().int().min(0).max(9_999_999), digits(7)]);

export interface InputError {
  key: StringKey;
  params?: Readonly<Record<string, string | number>>;
  /** A second sentence: why the rule is what it is (e.g. the Business cap behind a seat limit). */
  why?: { key: StringKey; params?: Readonly<Record<string, string | number>> };
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
  if (input.unreadable) return invalid('wizSubmitMalformed');
  if (input.value && Object.hasOwn(input.value, 'wizard')) {
    const stamp = cardStampSchema.safeParse(input.value);
    if (!stamp.success) return invalid('wizSubmitMalformed');
    if (stamp.data.wizard !== wizardId || stamp.data.stage !== stage) return invalid('wizStaleCard');
    // A button this version does not know belongs to some other card.
    const button = buttonSchema.safeParse(input.value);
    if (!button.success) return invalid('wizStaleCard');
    const action = button.data.action;
    if (action === 'back') return { kind: 'back' };
    if (action === 'cancel') return { kind: 'cancel' };
    return { kind: 'input', action };
  }
  if (BACK.test(input.text)) return { kind: 'back' };
  if (CANCEL.test(input.text)) return { kind: 'cancel' };
  return { kind: 'input' };
}

/** A subscription by the card's choice or its typed number, 1-based; returns the 0-based index. */
export function parseSubscriptionChoice(input: UserInput, count: number): Answer<number> {
  const index = choiceField.safeParse(input.value ? input.value.choice : input.text);
  if (index.success && index.data >= 1 && index.data <= count) return { kind: 'value', value: index.data - 1 };
  return invalid('wizChooseSubscription', { count });
}

/**
 * A plan from the card's choice (or typed id or title). Only `eligible` plans are accepted: a plan the card never
 * offered (say, an A plan submitted for a commercial customer) is refused by name.
 */
export function parsePlanChoice(input: UserInput, eligible: readonly { planId: string; title: string }[], knownPlanIds: readonly string[]): Answer<string> {
  const raw = planField.safeParse(input.value ? input.value.planId : input.text);
  if (!raw.success) return invalid('wizChoosePlan');
  const wanted = raw.data.toLowerCase();
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
  const raw = userIdsField.safeParse(input.value?.userIds);
  if (!raw.success) return invalid('wizUsersInvalid');
  const ids = [...new Set(raw.data.split(',').map((id) => id.trim()).filter((id) => id !== ''))];
  const known = new Set(knownUserIds);
  if (ids.length === 0 || ids.some((id) => !known.has(id))) return invalid('wizUsersInvalid');
  return { kind: 'value', value: { kind: 'selected', userIds: ids } };
}

/** What stands behind a seat range, so a refusal can say why: the users who move, and the plan's cap. */
export interface SeatRangeFacts {
  /** The plan's cap is Business's 300 per tenant, pooled with the seats the tenant holds. */
  pooledCap?: { cap: number; existing: number };
}

/**
 * A whole number of seats within the limits, typed or from the card's number input. Anything else is refused
 * (never clamped) with the allowed range and, given `facts`, why: the seat box never changes a number silently.
 */
export function parseQuantity(input: UserInput, limits: { min: number; max: number; facts?: SeatRangeFacts }): Answer<number> {
  const quantity = quantityField.safeParse(input.value ? input.value.quantity : input.text);
  if (quantity.success && quantity.data >= limits.min && quantity.data <= limits.max) return { kind: 'value', value: quantity.data };
  const error = invalid('wizQuantityInvalid', { min: limits.min, max: limits.max });
  if (!limits.facts) return error;
  const why: InputError['why'] = !quantity.success
    ? { key: 'wizQuantityWhyNumber' }
    : quantity.data < limits.min
      ? { key: 'wizQuantityWhyMin', params: { min: limits.min } }
      : limits.facts.pooledCap
        ? { key: 'wizQuantityWhyBusinessCap', params: { ...limits.facts.pooledCap } }
        : { key: 'wizQuantityWhyLarge', params: { max: limits.max } };
  return { kind: 'invalid', error: { ...error.error, why } };
}

const CONFIRM = /^(?:confirm|request|request approval|yes|ja|bestätigen|genehmigung anfordern)$/i;

/**
 * The review's one way forward: Request approval. When the seats need a confirmation (`confirmSeats`, far more
 * seats than users), only the card's ticked "Yes, I want to buy N seats" goes on: typing cannot tick it.
 */
export function parseReviewChoice(input: UserInput, action: string | undefined, confirmSeats?: { seats: string }): Answer<'confirm'> {
  if (!(action === 'confirm' || (action === undefined && CONFIRM.test(input.text.trim())))) return invalid('wizReviewInput');
  if (confirmSeats && input.value?.confirmSeats !== 'true') return invalid('wizSeatConfirmRequired', { seats: confirmSeats.seats });
  return { kind: 'value', value: 'confirm' };
}

/** Any Action.Submit of a wizard card (stamped with its wizard and step), to recognise one clicked after its wizard ended. */
export function isWizardSubmit(value: unknown): boolean {
  return cardStampSchema.safeParse(value).success;
}

function invalid(key: StringKey, params?: Readonly<Record<string, string | number>>): { kind: 'invalid'; error: InputError } {
  return { kind: 'invalid', error: { key, ...(params ? { params } : {}) } };
}
