import { isCustomerAccessError, isGraphUnreachableError } from '../services/graph/tenantAccess';
import { isApiError } from '../services/http/errors';
import { Activity, CardFactory, TurnContext } from 'botbuilder';
import { ComponentDialog, DialogContext, DialogTurnResult, WaterfallDialog, WaterfallStepContext } from 'botbuilder-dialogs';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { CardDataMap, CardName, renderCard } from '../cards/cards';
import { Locale, StringKey, t, toLocale } from '../cards/i18n';
import { formatDate } from '../cards/format';
import type { ApprovalService, DraftProblem, Pricing } from '../services/approvals';
import type { KaizalaSubscriptions } from '../services/approvals/subscriptions';
import {
  customerFacts,
  estimatedLines,
  licensedUsers,
  planFor,
  planLines,
  PLANS,
  recommendPlans,
  seatLimits,
  seatSanity,
  seatsHeld,
  toChosenPlan,
  toRequestLine,
  type CustomerFacts,
  type KaizalaUser,
  type PlanDefinition,
  type TenantDirectory,
} from '../services/catalog';
import type { ExpiringSubscription } from '../services/domain/expiring';
import { resourceIdSchema } from '../services/domain/ids';
import type { RequestStatus } from '../services/domain/request';
import type { Logger } from '../services/logging';
import { CommandModule } from './commands';
import {
  formatCount,
  canPickFrom,
  planChoiceCard,
  planCustomerCard,
  planQuantityCard,
  planUsersCard,
  requestSummary,
  reviewSubmittedCard,
  USERS_SHOWN,
  userListCards,
} from './migrationWizardCards';
import { showCard, StageAnswer, StagePrompt, StagePromptOptions, StageRules, userInputOf } from './migrationWizardPrompt';
import {
  parsePlanChoice,
  parseQuantity,
  parseReviewChoice,
  parseSubscriptionChoice,
  parseUsersChoice,
  SeatRangeFacts,
  UsersAnswer,
  WizardStage,
} from './migrationWizardValidators';

export const MIGRATION_WIZARD = 'migrationWizard';
const FIND_SUBSCRIPTION_WATERFALL = 'migrationWizard.find';
const STAGE_WATERFALL = 'migrationWizard.stage';
const PROMPTS: Readonly<Record<WizardStage, string>> = {
  subscription: 'migrationWizard.subscriptionPrompt',
  plan: 'migrationWizard.planPrompt',
  users: 'migrationWizard.usersPrompt',
  quantity: 'migrationWizard.quantityPrompt',
  review: 'migrationWizard.reviewPrompt',
};
/** More matches than this are narrowed by typing more of the name. */
const MAX_CANDIDATES = 10;

/** How the wizard is started: typed `migrate <name or id>`, or the alert card's Start migration button. */
export interface WizardStart {
  query?: string;
  customerId?: string;
  subscriptionId?: string;
}

/**
 * Everything the wizard has decided so far. It lives in the dialog state (in the Store), so a half-finished
 * wizard continues after a restart; users are re-read from Graph when shown rather than kept here.
 */
interface WizardState {
  /** Stamped on every card's buttons so a card from another wizard or step is recognised. */
  wizardId: string;
  stage: WizardStage;
  /** The steps behind this one, for `back`. */
  trail: WizardStage[];
  query?: string;
  candidates?: { customerId: string; subscriptionId: string }[];
  customerId?: string;
  subscriptionId?: string;
  facts?: CustomerFacts;
  planId?: string;
  /** Undefined = every user who holds Kaizala Pro. */
  userIds?: string[];
  quantity?: number;
  /** The wizard's one card: each step replaces it in place, and it loses its buttons when the wizard ends. */
  cardId?: string;
}

type SubscriptionRules = StageRules & { count: number };
type PlanRules = StageRules & { eligible: { planId: string; title: string }[] };
type UsersRules = StageRules & { userIds?: string[] };
type QuantityRules = StageRules & { min: number; max: number; facts: SeatRangeFacts };
/** `confirmSeats`: the seats need the review's explicit tick (far more than the users who move). */
type ReviewRules = StageRules & { confirmSeats?: { seats: string } };

export interface MigrationWizardDeps {
  subscriptions: KaizalaSubscriptions;
  directory: TenantDirectory;
  approvals: Pick<ApprovalService, 'requestMigration' | 'activeRequestFor'> & Partial<Pick<ApprovalService, 'lastCompletedFor'>>;
  /** Absent = no price list loaded: cards show no prices. */
  prices?: Pricing;
  logger: Logger;
  newWizardId?: () => string;
}

const REFUSALS: Readonly<Record<DraftProblem, StringKey>> = {
  unknownSubscription: 'wizRefusedUnknownSubscription',
  needsReview: 'wizRefusedNeedsReview',
  alreadyMigrating: 'wizRefusedAlreadyMigrating',
  ineligiblePlan: 'wizRefusedIneligiblePlan',
  unknownUsers: 'wizRefusedUnknownUsers',
  noUsers: 'wizRefusedNoUsers',
  badQuantity: 'wizRefusedBadQuantity',
  noOtherApprover: 'wizRefusedNoOtherApprover',
};

export const STATUS_WORDS: Readonly<Record<RequestStatus, StringKey>> = {
  pending: 'wordPending',
  approved: 'wordApproved',
  rejected: 'wordRejected',
  withdrawn: 'wordWithdrawn',
  expired: 'wordExpired',
};

/**
 * The migration wizard: customer and Kaizala Pro subscription → plan (eligible only, recommended first, priced) →
 * users → seats → review (A buy, B move, C suspend) → request approval. Each step is one card; `back` and `cancel`
 * work at every step; the step loop is one two-step waterfall that replaces itself with the next step's state.
 */
export class MigrationWizard extends ComponentDialog {
  private readonly newWizardId: () => string;

  constructor(private readonly deps: MigrationWizardDeps) {
    super(MIGRATION_WIZARD);
    this.newWizardId = deps.newWizardId ?? (() => `w${randomBytes(5).toString('hex')}`);
    this.addDialog(new WaterfallDialog(FIND_SUBSCRIPTION_WATERFALL, [this.findSubscriptionStep.bind(this)]));
    this.addDialog(new WaterfallDialog(STAGE_WATERFALL, [this.askStep.bind(this), this.answerStep.bind(this)]));
    this.addDialog(
      new StagePrompt<number, SubscriptionRules>(PROMPTS.subscription, 'subscription', (input, _action, rules) => parseSubscriptionChoice(input, rules.count)),
    );
    const knownPlanIds = PLANS.map((plan) => plan.planId);
    this.addDialog(new StagePrompt<string, PlanRules>(PROMPTS.plan, 'plan', (input, _action, rules) => parsePlanChoice(input, rules.eligible, knownPlanIds)));
    this.addDialog(new StagePrompt<UsersAnswer, UsersRules>(PROMPTS.users, 'users', (input, action, rules) => parseUsersChoice(input, action, rules.userIds)));
    this.addDialog(new StagePrompt<number, QuantityRules>(PROMPTS.quantity, 'quantity', (input, _action, rules) => parseQuantity(input, rules)));
    this.addDialog(new StagePrompt<'confirm', ReviewRules>(PROMPTS.review, 'review', (input, action, rules) => parseReviewChoice(input, action, rules.confirmSeats)));
    this.initialDialogId = FIND_SUBSCRIPTION_WATERFALL;
  }

  /** A new `migrate …` (typed, or another alert's button) in the middle of the wizard starts it afresh for that customer. */
  protected async onContinueDialog(innerDc: DialogContext): Promise<DialogTurnResult> {
    const activity = innerDc.context.activity;
    if (activity.type === 'message') {
      const query = MIGRATE_COMMAND.exec(userInputOf(activity).text.replace(/\s+/g, ' '))?.[1];
      if (query || isStartButton(activity.value)) {
        await this.closeCard(innerDc.context, cardOf(innerDc), t(toLocale(activity.locale), 'wizReplaced'));
        await innerDc.cancelAllDialogs();
        return innerDc.beginDialog(FIND_SUBSCRIPTION_WATERFALL, wizardStartFrom(activity.value, query));
      }
    }
    return super.onContinueDialog(innerDc);
  }

  /** Finds the Kaizala Pro subscription from the button's ids or the typed name; several matches → a choice. */
  private async findSubscriptionStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const start = (step.options ?? {}) as WizardStart;
    const state: WizardState = { wizardId: this.newWizardId(), stage: 'plan', trail: [] };
    if (start.customerId && start.subscriptionId) {
      const subscription = await this.deps.subscriptions.get(start.customerId, start.subscriptionId);
      if (!subscription) return this.finish(step, 'wizNoMatch', { query: start.subscriptionId });
      return this.enterSubscription(step, state, subscription);
    }
    const query = (start.query ?? '').trim();
    if (query === '') return this.finish(step, 'wizUsage');
    const found = await this.deps.subscriptions.find(query);
    if (found.length === 0) return this.finish(step, 'wizNoMatch', { query: query.slice(0, 100) });
    if (found.length === 1) return this.enterSubscription(step, state, found[0]);
    const candidates = found.slice(0, MAX_CANDIDATES).map(({ customerId, subscriptionId }) => ({ customerId, subscriptionId }));
    return step.replaceDialog(STAGE_WATERFALL, { ...state, stage: 'subscription', query: query.slice(0, 100), candidates });
  }

  /** Shows the current step's card and waits for its answer. */
  private async askStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const state = step.options as WizardState;
    switch (state.stage) {
      case 'subscription':
        return this.subscriptionStep(step, state);
      case 'plan':
        return this.planStep(step, state);
      case 'users':
        return this.usersStep(step, state);
      case 'quantity':
        return this.quantityStep(step, state);
      case 'review':
        return this.reviewStep(step, state);
    }
  }

  /** Applies the answer: cancel ends, back returns to the previous step, a value moves on to the next step. */
  private async answerStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const answer = step.result as StageAnswer<unknown>;
    // Where the step's card landed: the next step replaces it, and finish() closes it.
    const state: WizardState = Object.assign(step.options as WizardState, { cardId: answer.cardId ?? (step.options as WizardState).cardId });
    if (answer.kind === 'cancel') return this.finish(step, 'wizCancelled');
    if (answer.kind === 'back') {
      const previous = state.trail[state.trail.length - 1];
      if (previous === undefined) {
        await step.context.sendActivity(t(this.locale(step), 'wizFirstStep'));
        return step.replaceDialog(STAGE_WATERFALL, state);
      }
      return step.replaceDialog(STAGE_WATERFALL, { ...state, stage: previous, trail: state.trail.slice(0, -1) });
    }
    if (answer.kind !== 'value') return step.replaceDialog(STAGE_WATERFALL, state);
    switch (state.stage) {
      case 'subscription': {
        const chosen = (state.candidates ?? [])[answer.value as number];
        const subscription = chosen && (await this.deps.subscriptions.get(chosen.customerId, chosen.subscriptionId));
        if (!subscription) return this.finish(step, 'wizNoMatch', { query: state.query ?? '' });
        return this.enterSubscription(step, state, subscription);
      }
      case 'plan': {
        const planId = answer.value as string;
        return this.forward(step, { ...state, planId, quantity: planId === state.planId ? state.quantity : undefined }, 'users');
      }
      case 'users':
        return this.applyUsersAnswer(step, state, answer.value as UsersAnswer);
      case 'quantity':
        return this.forward(step, { ...state, quantity: answer.value as number }, 'review');
      case 'review':
        return this.submitStep(step, state);
    }
  }

  /** Step: which of several matching subscriptions. */
  private async subscriptionStep(step: WaterfallStepContext, state: WizardState): Promise<DialogTurnResult> {
    const rows = await Promise.all((state.candidates ?? []).map((c) => this.deps.subscriptions.get(c.customerId, c.subscriptionId)));
    const candidates = rows.filter((row): row is ExpiringSubscription => row !== undefined);
    const card = planCustomerCard(state.wizardId, state.query ?? '', candidates, this.locale(step));
    return this.ask(step, 'subscription', 'planCustomer', card, { wizardId: state.wizardId, count: candidates.length });
  }

  /** Step: the plan, from the eligible ones only, recommended first, priced for the seats in view. */
  private async planStep(step: WaterfallStepContext, state: WizardState): Promise<DialogTurnResult> {
    const { subscription, facts } = await this.current(state);
    if (!subscription) return this.finish(step, 'wizRefusedUnknownSubscription');
    const options = recommendPlans(facts);
    const quantity = state.quantity ?? Math.max(1, facts.kaizalaUsers);
    const prices = this.deps.prices;
    const card = planChoiceCard({
      wizardId: state.wizardId,
      subscription,
      usersOnKaizala: facts.kaizalaUsers,
      options,
      quantity,
      selectedPlanId: options.some((o) => o.plan.planId === state.planId) ? state.planId : undefined,
      priceOf: prices && ((plan) => prices.list.monthlyCost(estimatedLines(plan, quantity, facts.studentUsers), prices.market)),
      canGoBack: state.trail.length > 0,
      locale: this.locale(step),
    });
    const eligible = options.map((o) => ({ planId: o.plan.planId, title: o.plan.title }));
    return this.ask(step, 'plan', 'planChoice', card, { wizardId: state.wizardId, eligible });
  }

  /** Step: who moves — everyone by default; the list can be viewed, and small lists can be narrowed. */
  private async usersStep(step: WaterfallStepContext, state: WizardState): Promise<DialogTurnResult> {
    const { subscription, plan } = await this.current(state);
    const users = subscription && (await this.readUsers(step, subscription));
    if (!subscription || !plan || !users) return this.stop(step);
    if (users.length === 0) {
      await step.context.sendActivity(t(this.locale(step), 'wizNoUsersToMove'));
      // Skipped, not passed: `back` from the seats goes straight to the plan.
      return step.replaceDialog(STAGE_WATERFALL, { ...state, stage: 'quantity', userIds: [] });
    }
    const selected = selectedUsers(users, state.userIds).map((user) => user.id);
    const card = planUsersCard({
      wizardId: state.wizardId,
      customerName: subscription.customerName,
      planTitle: plan.title,
      users,
      selectedUserIds: selected,
      locale: this.locale(step),
    });
    const selectable = canPickFrom(users);
    return this.ask(step, 'users', 'planUsers', card, { wizardId: state.wizardId, ...(selectable ? { userIds: users.map((u) => u.id) } : {}) });
  }

  /** Step: how many seats — at least the users who move, at most what the plan's cap leaves (never clamped silently). */
  private async quantityStep(step: WaterfallStepContext, state: WizardState): Promise<DialogTurnResult> {
    const { subscription, plan, facts } = await this.current(state);
    if (!subscription || !plan) return this.finish(step, 'wizRefusedUnknownSubscription');
    const usersToMove = state.userIds?.length ?? facts.kaizalaUsers;
    const limits = seatLimits(plan, facts, usersToMove);
    const value = Math.min(limits.max, Math.max(limits.min, state.quantity ?? usersToMove));
    const prices = this.deps.prices;
    const card = planQuantityCard({
      wizardId: state.wizardId,
      customerName: subscription.customerName,
      plan,
      usersToMove,
      limits,
      value,
      seatPrice: prices && plan.skus.length === 1 ? prices.list.seatPrice(plan.skus[0], value, prices.market) : undefined,
      seatsHeld: seatsHeld(plan, facts),
      locale: this.locale(step),
    });
    const rangeFacts: SeatRangeFacts = plan.capIsPooled ? { pooledCap: { cap: plan.seatCap, existing: seatsHeld(plan, facts) } } : {};
    return this.ask(step, 'quantity', 'planQuantity', card, { wizardId: state.wizardId, ...limits, facts: rangeFacts });
  }

  /**
   * Step: exactly what will happen — A buy N × plan, B move these users, C suspend the old subscription (or, when
   * users stay behind, keep it active for them until it ends). Seats far beyond the users or the tenant are flagged,
   * and above SEAT_CONFIRM_RATIO × need an explicit tick.
   */
  private async reviewStep(step: WaterfallStepContext, state: WizardState): Promise<DialogTurnResult> {
    const { subscription, plan, facts } = await this.current(state);
    const users = subscription && (await this.readUsers(step, subscription));
    if (!subscription || !plan || !users) return this.stop(step);
    const moving = selectedUsers(users, state.userIds);
    const quantity = state.quantity ?? Math.max(1, moving.length);
    const lines = planLines(plan, moving, quantity);
    const prices = this.deps.prices;
    const summary = requestSummary(
      {
        customerName: subscription.customerName,
        kaizalaSubscriptionId: subscription.subscriptionId,
        commitmentEndDate: subscription.commitmentEndDate,
        plan: toChosenPlan(plan),
        quantity,
        userIds: moving.map((user) => user.id),
        lines: lines.map(toRequestLine),
        usersPreview: moving.slice(0, USERS_SHOWN),
        monthlyCost: prices?.list.monthlyCost(lines, prices.market),
        usersLeftBehind: users.length - moving.length,
      },
      this.locale(step),
      licensedUsers(facts, subscription.quantity),
    );
    const seats = formatCount(quantity, this.locale(step));
    const confirm = seatSanity(quantity, moving.length).level === 'confirm';
    const confirmSeatsLabel = confirm ? t(this.locale(step), 'revSeatConfirmLabel', { seats }) : '';
    return this.ask(step, 'review', 'reviewRequest', { ...summary, wizardId: state.wizardId, confirmSeatsLabel }, {
      wizardId: state.wizardId,
      ...(confirm ? { confirmSeats: { seats } } : {}),
    });
  }

  /** Hands the request to the approval use case (which checks it all again) and confirms it to the requester. */
  private async submitStep(step: WaterfallStepContext, state: WizardState): Promise<DialogTurnResult> {
    const locale = this.locale(step);
    const from = step.context.activity.from;
    if (!from?.aadObjectId) return this.finish(step, 'unknownUser');
    const outcome = await this.deps.approvals.requestMigration(
      {
        customerId: state.customerId ?? '',
        subscriptionId: state.subscriptionId ?? '',
        planId: state.planId ?? '',
        quantity: state.quantity ?? 0,
        userIds: state.userIds ?? 'all',
      },
      { aadObjectId: from.aadObjectId, name: from.name ?? '' },
      locale,
    );
    if (outcome.kind === 'refused') return this.finish(step, REFUSALS[outcome.problem], { requestId: outcome.activeRequestId ?? '' });
    // The wizard's card becomes the request's card (with Withdraw): no wizard button is left to press.
    await showCard(step.context, cardActivity('reviewSubmitted', reviewSubmittedCard(outcome.request, outcome.approversReached), locale), state.cardId);
    return step.endDialog(outcome.request.id);
  }

  /** Refuses subscriptions that are unconfirmed or already migrating, reads the tenant's facts, goes to the plan. */
  private async enterSubscription(step: WaterfallStepContext, state: WizardState, subscription: ExpiringSubscription): Promise<DialogTurnResult> {
    const customer = subscription.customerName;
    if (subscription.review) return this.finish(step, 'wizNeedsReview', { customer, subscriptionId: subscription.subscriptionId });
    const active = await this.deps.approvals.activeRequestFor(subscription.customerId, subscription.subscriptionId);
    if (active) {
      const status = t(this.locale(step), STATUS_WORDS[active.status]);
      return this.finish(step, 'wizAlreadyMigrating', { customer, requestId: active.id, status });
    }
    const users = await this.readUsers(step, subscription);
    if (!users) return this.stop(step);
    if (users.length === 0) {
      // Everyone moved in a completed migration: say so, rather than open a wizard with nobody to move.
      const done = await this.deps.approvals.lastCompletedFor?.(subscription.customerId, subscription.subscriptionId);
      if (done) return this.finish(step, 'wizAlreadyMigrated', { customer, date: formatDate(done.finishedAt, this.locale(step)), requestId: done.request.id });
    }
    let seatsBySku: Record<string, number>;
    let market: string | undefined;
    try {
      seatsBySku = await this.deps.directory.seatsBySku(subscription.tenantId);
      // The market decides which suite variant is sold (EEA "(no Teams)" or not).
      market = await this.deps.directory.market?.(subscription.customerId);
    } catch (error) {
      await this.reportLoadFailure(step, subscription, error);
      return this.stop(step);
    }
    const facts = customerFacts(subscription.education, users, seatsBySku, market);
    const trail: WizardStage[] = state.stage === 'subscription' ? [...state.trail, 'subscription'] : state.trail;
    const next: WizardState = { ...state, stage: 'plan', trail, customerId: subscription.customerId, subscriptionId: subscription.subscriptionId, facts };
    return step.replaceDialog(STAGE_WATERFALL, next);
  }

  private async applyUsersAnswer(step: WaterfallStepContext, state: WizardState, answer: UsersAnswer): Promise<DialogTurnResult> {
    if (answer.kind === 'all') return this.forward(step, { ...state, userIds: undefined }, 'quantity');
    if (answer.kind === 'selected') return this.forward(step, { ...state, userIds: answer.userIds }, 'quantity');
    const { subscription } = await this.current(state);
    const users = subscription && (await this.readUsers(step, subscription));
    if (!subscription || !users) return this.stop(step);
    for (const page of userListCards(subscription.customerName, users, this.locale(step))) {
      await step.context.sendActivity(cardActivity('planUserList', page, this.locale(step)));
    }
    return step.replaceDialog(STAGE_WATERFALL, state);
  }

  private forward(step: WaterfallStepContext, state: WizardState, next: WizardStage): Promise<DialogTurnResult> {
    return step.replaceDialog(STAGE_WATERFALL, { ...state, stage: next, trail: [...state.trail, state.stage] });
  }

  private ask<K extends CardName, R extends StageRules>(
    step: WaterfallStepContext,
    stage: WizardStage,
    card: K,
    data: CardDataMap[K],
    rules: R,
  ): Promise<DialogTurnResult> {
    const state = step.options as WizardState;
    const options: StagePromptOptions<R> = { prompt: cardActivity(card, data, this.locale(step)), validations: rules, cardId: state.cardId };
    return step.prompt(PROMPTS[stage], options);
  }

  private async current(state: WizardState): Promise<{ subscription?: ExpiringSubscription; plan?: PlanDefinition; facts: CustomerFacts }> {
    const subscription = await this.deps.subscriptions.get(state.customerId ?? '', state.subscriptionId ?? '');
    const facts = state.facts ?? { education: false, kaizalaUsers: 0, frontlineUsers: 0, studentUsers: 0, seatsBySku: {} };
    return { subscription, plan: state.planId ? planFor(state.planId, facts) : undefined, facts };
  }

  /** The users holding Kaizala Pro now; undefined (and the person told) when Graph cannot be read. */
  private async readUsers(step: WaterfallStepContext, subscription: ExpiringSubscription): Promise<KaizalaUser[] | undefined> {
    try {
      return await this.deps.directory.kaizalaUsers(subscription.tenantId, subscription.skuId, subscription.education);
    } catch (error) {
      await this.reportLoadFailure(step, subscription, error);
      return undefined;
    }
  }

  private async reportLoadFailure(step: WaterfallStepContext, subscription: ExpiringSubscription, error: unknown): Promise<void> {
    const reason = error instanceof Error ? error.message : String(error);
    this.deps.logger.warn('Wizard could not read the tenant', { customerId: subscription.customerId, error: reason });
    if (isCustomerAccessError(error)) {
      // The partner cannot manage this customer: say which GDAP role (or relationship) to ask the customer for.
      const key = error.missing === 'relationship' ? 'wizNoGdapRelationship' : 'wizGdapRoleMissing';
      await step.context.sendActivity(t(this.locale(step), key, { customer: subscription.customerName, role: error.missing }));
      return;
    }
    const locale = this.locale(step);
    const customer = subscription.customerName;
    if (isGraphUnreachableError(error)) {
      // Neither app-only consent nor a signed-in partner admin: waiting will not help, connecting will.
      await step.context.sendActivity(t(locale, 'wizGraphUnreachable', { customer }));
      return;
    }
    if (isApiError(error) && error.status === 403) {
      // A refusal the GDAP check did not name: say which service refused and which roles reading needs.
      const service = error.service === 'graph' ? 'Microsoft Graph' : 'Partner Center';
      await step.context.sendActivity(t(locale, 'wizForbidden', { customer, service, code: error.code || '403' }));
      return;
    }
    await step.context.sendActivity(t(locale, 'wizLoadFailed', { customer, reason: shortReason(error) }));
  }

  /**
   * Ends the wizard with a sentence: its card (if any) becomes that sentence without buttons; a typed answer also
   * gets it as a reply where the person is typing.
   */
  private async finish(step: WaterfallStepContext, key: StringKey, params: Readonly<Record<string, string | number>> = {}): Promise<DialogTurnResult> {
    const text = t(this.locale(step), key, params);
    const cardId = (step.options as Partial<WizardState> | undefined)?.cardId;
    await this.closeCard(step.context, cardId, text);
    if (!cardId || step.context.activity.value === undefined) await step.context.sendActivity(text);
    return step.endDialog();
  }

  /** Ends the wizard after the reason was already said (a load failure): its card keeps no buttons. */
  private async stop(step: WaterfallStepContext): Promise<DialogTurnResult> {
    await this.closeCard(step.context, (step.options as Partial<WizardState> | undefined)?.cardId, t(this.locale(step), 'wizStopped'));
    return step.endDialog();
  }

  /** Replaces the wizard's card with a card without buttons saying `text`; best effort (the message may be gone). */
  private async closeCard(context: TurnContext, cardId: string | undefined, text: string): Promise<void> {
    if (!cardId) return;
    const locale = toLocale(context.activity.locale);
    try {
      await context.updateActivity({ ...cardActivity('planClosed', { title: t(locale, 'wizClosedTitle'), text }, locale), type: 'message', id: cardId });
    } catch (error) {
      this.deps.logger.warn('Could not close the wizard card', { error: error instanceof Error ? error.message : String(error) });
    }
  }

  private locale(step: WaterfallStepContext): Locale {
    return toLocale(step.context.activity.locale);
  }
}

/** The card id of the wizard running in `dc` (its step waterfall's state), if it has shown one. */
function cardOf(dc: DialogContext): string | undefined {
  for (const instance of dc.stack) {
    const options = (instance.state as { options?: Partial<WizardState> } | undefined)?.options;
    if (options?.cardId) return options.cardId;
  }
  return undefined;
}

function selectedUsers(users: readonly KaizalaUser[], userIds: readonly string[] | undefined): KaizalaUser[] {
  if (!userIds) return [...users];
  const wanted = new Set(userIds);
  return users.filter((user) => wanted.has(user.id));
}

export function cardActivity<K extends CardName>(name: K, data: CardDataMap[K], locale: Locale): Partial<Activity> {
  return { attachments: [CardFactory.adaptiveCard(renderCard(name, data, locale))] };
}

const MIGRATE_COMMAND = /^(?:migrate|migrieren)(?: (.+))?$/i;

/** The alert card's Start migration button: `{command: 'migrate', customerId, subscriptionId}`, ids well-formed. */
const startButtonSchema = z.object({ command: z.literal('migrate'), customerId: resourceIdSchema, subscriptionId: resourceIdSchema });

function isStartButton(value: unknown): value is z.output<typeof startButtonSchema> {
  return startButtonSchema.safeParse(value).success;
}

function wizardStartFrom(value: unknown, query: string | undefined): WizardStart {
  if (isStartButton(value)) return { customerId: value.customerId, subscriptionId: value.subscriptionId };
  return { query: query ?? '' };
}

/** `migrate <customer>` and the alert card's Start migration button. */
export function migrationWizardModule(deps: MigrationWizardDeps): CommandModule {
  const wizard = new MigrationWizard(deps);
  return {
    commands: [{ id: 'migrate', usage: 'migrate <customer>', usageDe: 'migrieren <Kunde>', pattern: MIGRATE_COMMAND, help: 'cmdMigrate' }],
    dialogs: [wizard],
    async handle(_commandId, args, step) {
      return step.beginDialog(MIGRATION_WIZARD, wizardStartFrom(step.context.activity.value, args[0]));
    },
  };
}

/** A failure in a few words for a person ("Partner Center 503", "timeout"), not the service's full answer. */
function shortReason(error: unknown): string {
  if (isApiError(error)) return [error.service === 'graph' ? 'Microsoft Graph' : 'Partner Center', error.status, error.code].filter((part) => part !== undefined && part !== '').join(' ');
  const message = error instanceof Error ? error.message : String(error);
  const firstSentence = message.split(/[.\n]/)[0].trim();
  return firstSentence.length > 80 ? `${firstSentence.slice(0, 79)}…` : firstSentence;
}
