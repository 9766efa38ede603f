import type {
  ApprovalDecidedCardData,
  ApprovalOutcomeCardData,
  ApprovalRequestCardData,
  DecidedStatus,
  NamedRow,
  PlanChoiceCardData,
  PlanCustomerCardData,
  PlanQuantityCardData,
  PlanUserListCardData,
  PlanUsersCardData,
  RequestSummaryData,
  ReviewSubmittedCardData,
} from '../cards/cards';
import { Locale, StringKey, t } from '../cards/i18n';
import { formatDate as formatLocalDate, plural } from '../cards/format';
import { SEAT_WARNING_RATIO, seatSanity, type KaizalaUser, type Money, type PlanDefinition, type PlanOption, type RecommendationReason, type VariantReason } from '../services/catalog';
import type { ExpiringSubscription } from '../services/domain/expiring';
import type { MigrationRequest } from '../services/domain/request';

/**
 * Card data for a migration request, from the wizard's first card to the approvers' decided card. Everything a
 * card says in words is worded here in the reader's language; the templates only place it.
 */

/** Up to this many users, the multi-select shows each one's address and job title; beyond, names only, so more fit. */
export const MAX_DETAILED_CHOICES = 60;
/**
 * UTF-16 code units the multi-select's choices may take: Teams refuses a card above 38 KB of UTF-16 (TEAMS_CARD_LIMITS),
 * and the rest of the card needs the remainder. About 200 users of typical names fit; more get Move all and the list.
 */
const PICKER_BUDGET_CHARS = 16_500;
/** JSON around one choice: `{"title":"…","value":"…"},`. */
const CHOICE_OVERHEAD_CHARS = 24;

/** Whether the card can offer a multi-select of these users: the validator accepts a selection only then. */
export function canPickFrom(users: readonly KaizalaUser[]): boolean {
  if (users.length <= MAX_DETAILED_CHOICES) return true;
  const chars = users.reduce((sum, user) => sum + user.displayName.length + user.id.length + CHOICE_OVERHEAD_CHARS, 0);
  return chars <= PICKER_BUDGET_CHARS;
}

/**
 * The multi-select's preselection. Beyond MAX_DETAILED_CHOICES it starts empty when everyone is selected (Move all
 * does that; ticking a subset is the point of the list), and keeps an earlier subset only while it fits the card.
 */
function preselection(users: readonly KaizalaUser[], selectedUserIds: readonly string[]): string {
  if (users.length <= MAX_DETAILED_CHOICES) return selectedUserIds.join(',');
  if (selectedUserIds.length >= users.length) return '';
  const names = users.reduce((sum, user) => sum + user.displayName.length + user.id.length + CHOICE_OVERHEAD_CHARS, 0);
  const selection = selectedUserIds.reduce((sum, id) => sum + id.length + 1, 0);
  return names + selection <= PICKER_BUDGET_CHARS ? selectedUserIds.join(',') : '';
}
export const USER_LIST_PAGE_SIZE = 100;
/** Users named on review and approval cards; the rest are counted. */
export const USERS_SHOWN = 20;

const NUMBER_LOCALES: Record<Locale, string> = { en: 'en-US', de: 'de-DE' };

export function formatMoney(money: Money, locale: Locale): string {
  return new Intl.NumberFormat(NUMBER_LOCALES[locale], { style: 'currency', currency: money.currency }).format(money.amount);
}

/** "$5.10 per month", or '' when there is no price. */
export function perMonth(money: Money | undefined, locale: Locale): string {
  return money ? t(locale, 'wizPerMonth', { amount: formatMoney(money, locale) }) : '';
}

/** ISO dates are read the same in English and German and never misread as day/month. */
export function formatDate(iso: string): string {
  return iso.slice(0, 10);
}

export function formatDateTime(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

export function subscriptionSummary(subscription: ExpiringSubscription, locale: Locale): string {
  const date = formatLocalDate(subscription.commitmentEndDate, locale);
  return subscription.daysLeft >= 0 ? plural(locale, 'wizEndsIn', subscription.daysLeft, { date }) : plural(locale, 'wizEndedAgo', -subscription.daysLeft, { date });
}

export function userDetail(user: KaizalaUser, locale: Locale): string {
  const kind = user.kind === 'faculty' ? t(locale, 'wizKindFaculty') : user.kind === 'student' ? t(locale, 'wizKindStudent') : undefined;
  return [user.userPrincipalName, user.jobTitle, kind].filter((part): part is string => Boolean(part)).join(' · ');
}

export function reasonText(reason: RecommendationReason, locale: Locale): string {
  switch (reason.code) {
    case 'education':
      return t(locale, 'reasonEducation');
    case 'frontline':
      // Not everyone is frontline: name the split, F3 for the frontline users and a full plan for the others.
      return t(locale, reason.frontlineUsers < reason.kaizalaUsers ? 'reasonFrontlineSplit' : 'reasonFrontline', {
        frontline: reason.frontlineUsers,
        users: reason.kaizalaUsers,
        others: reason.kaizalaUsers - reason.frontlineUsers,
      });
    case 'businessFits':
      return t(locale, 'reasonBusinessFits', { users: reason.kaizalaUsers, existing: reason.existingSeats, cap: reason.cap });
    case 'overBusinessCap':
      return t(locale, 'reasonOverBusinessCap', { users: reason.kaizalaUsers, existing: reason.existingSeats, cap: reason.cap });
  }
}

/** Which member of the suite's SKU family is sold and why ('' when the plan simply includes Teams). */
export function variantText(reason: VariantReason | undefined, locale: Locale): string {
  switch (reason?.code) {
    case 'existingTeamsSuite':
      return t(locale, 'variantExistingSuite', { suite: reason.suite });
    case 'eeaMarket':
    case 'newEnterpriseCustomer':
      if (!reason.teams) return t(locale, 'variantTeamsHeld', { users: reason.usersWithTeams });
      return reason.code === 'eeaMarket'
        ? t(locale, 'variantEea', { market: reason.market ?? '', teams: reason.teams })
        : t(locale, 'variantNew', { teams: reason.teams });
    case 'noMailOrTeams':
      return t(locale, 'variantNoMailOrTeams');
    default:
      return '';
  }
}

const FAMILY_NOTES: Record<PlanDefinition['family'], StringKey> = {
  business: 'familyBusiness',
  frontline: 'familyFrontline',
  enterprise: 'familyEnterprise',
  education: 'familyEducation',
};

export function planCustomerCard(wizardId: string, query: string, candidates: readonly ExpiringSubscription[], locale: Locale): PlanCustomerCardData {
  return {
    wizardId,
    query,
    options: candidates.map((subscription, index) => ({
      choice: String(index + 1),
      title: `${index + 1}. ${t(locale, 'wizChoiceTitle', {
        customer: subscription.customerName,
        date: formatLocalDate(subscription.commitmentEndDate, locale),
        users: subscription.usersOnKaizala,
      })}`,
    })),
  };
}

export function planChoiceCard(input: {
  wizardId: string;
  subscription: ExpiringSubscription;
  usersOnKaizala: number;
  options: readonly PlanOption[];
  quantity: number;
  selectedPlanId?: string;
  /** Monthly cost of `quantity` seats per plan; undefined = no price list loaded. */
  priceOf?: (plan: PlanDefinition) => Money | undefined;
  /** False when the plan is the wizard's first step (no subscription was chosen before it). */
  canGoBack?: boolean;
  locale: Locale;
}): PlanChoiceCardData {
  const { locale } = input;
  return {
    wizardId: input.wizardId,
    customerName: input.subscription.customerName,
    subscriptionSummary: subscriptionSummary(input.subscription, locale),
    usersOnKaizala: input.usersOnKaizala,
    quantity: input.quantity,
    pricesShown: input.priceOf !== undefined,
    selectedPlanId: input.selectedPlanId ?? input.options[0]?.plan.planId ?? '',
    canGoBack: input.canGoBack ?? true,
    plans: input.options.map((option) => ({
      planId: option.plan.planId,
      title: option.plan.title,
      recommended: option.recommended,
      note: [
        // An education customer still in review gets Business or E1 now: say why no A plan is offered yet.
        option.recommended && input.subscription.educationInReview ? t(locale, 'reasonEducationInReview') : '',
        option.reason ? reasonText(option.reason, locale) : t(locale, FAMILY_NOTES[option.plan.family]),
        variantText(option.plan.variantReason, locale),
      ]
        .filter((text) => text !== '')
        .join(' '),
      price: perMonth(input.priceOf?.(option.plan), locale),
    })),
  };
}

export function planUsersCard(input: {
  wizardId: string;
  customerName: string;
  planTitle: string;
  users: readonly KaizalaUser[];
  selectedUserIds: readonly string[];
  locale: Locale;
}): PlanUsersCardData {
  const selectable = canPickFrom(input.users);
  const detailed = input.users.length <= MAX_DETAILED_CHOICES;
  return {
    wizardId: input.wizardId,
    customerName: input.customerName,
    planTitle: input.planTitle,
    userCount: input.users.length,
    selectedCount: input.selectedUserIds.length,
    selectable,
    users: selectable ? input.users.map((user) => ({ id: user.id, name: user.displayName, detail: detailed ? userDetail(user, input.locale) : '' })) : [],
    selectedUserIds: selectable ? preselection(input.users, input.selectedUserIds) : '',
  };
}

/** The whole list in pages of USER_LIST_PAGE_SIZE, one card each. */
export function userListCards(customerName: string, users: readonly KaizalaUser[], locale: Locale): PlanUserListCardData[] {
  const pages: PlanUserListCardData[] = [];
  for (let start = 0; start < users.length; start += USER_LIST_PAGE_SIZE) {
    const page = users.slice(start, start + USER_LIST_PAGE_SIZE);
    pages.push({
      customerName,
      from: start + 1,
      to: start + page.length,
      total: users.length,
      users: page.map((user) => ({ name: user.displayName, detail: userDetail(user, locale) || '—' })),
    });
  }
  return pages;
}

export function planQuantityCard(input: {
  wizardId: string;
  customerName: string;
  plan: PlanDefinition;
  usersToMove: number;
  limits: { min: number; max: number };
  value: number;
  seatPrice?: Money;
  /** Seats the tenant holds of a pooled-cap plan. */
  seatsHeld: number;
  locale: Locale;
}): PlanQuantityCardData {
  const { locale, plan } = input;
  return {
    wizardId: input.wizardId,
    customerName: input.customerName,
    planTitle: plan.title,
    usersToMove: input.usersToMove,
    min: input.limits.min,
    max: input.limits.max,
    value: input.value,
    seatPrice: perMonth(input.seatPrice, locale),
    capNote: plan.capIsPooled ? t(locale, 'wizCapNote', { cap: plan.seatCap, existing: input.seatsHeld }) : '',
  };
}

/** The parts of a request that say what it will do (the wizard's draft has them before the request exists). */
export type RequestParts = Pick<
  MigrationRequest,
  'customerName' | 'kaizalaSubscriptionId' | 'commitmentEndDate' | 'plan' | 'quantity' | 'userIds' | 'lines' | 'usersPreview' | 'monthlyCost' | 'usersLeftBehind'
>;

function isOne(count: number, locale: Locale): boolean {
  return new Intl.PluralRules(NUMBER_LOCALES[locale]).select(count) === 'one';
}

export function formatCount(count: number, locale: Locale): string {
  return new Intl.NumberFormat(NUMBER_LOCALES[locale], { maximumFractionDigits: 1 }).format(count);
}

/**
 * Step C in words: suspend the old subscription once nobody uses it, or — a partial migration — keep it active for
 * the users left behind until its end date, plainly NOT suspended.
 */
function kaizalaStep(parts: RequestParts, locale: Locale): Pick<RequestSummaryData, 'kaizalaStep' | 'kaizalaDetail' | 'kaizalaKept'> {
  const left = parts.usersLeftBehind ?? 0;
  const date = formatLocalDate(parts.commitmentEndDate, locale);
  if (left <= 0) return { kaizalaStep: t(locale, 'revStepC'), kaizalaDetail: `${t(locale, 'revStepCDetail')} ${parts.kaizalaSubscriptionId}`, kaizalaKept: false };
  return {
    kaizalaStep: t(locale, isOne(left, locale) ? 'revStepCKeptOne' : 'revStepCKeptOther', { users: left, date }),
    kaizalaDetail: t(locale, 'revStepCKeptDetail', { subscriptionId: parts.kaizalaSubscriptionId, date }),
    kaizalaKept: true,
  };
}

/** '' when the seats are sane for the users who move (and the tenant, when its size is known); else why not. */
export function seatWarning(quantity: number, usersMoving: number, locale: Locale, tenantUsers?: number): string {
  const sanity = seatSanity(quantity, usersMoving, tenantUsers);
  if (sanity.level === 'ok') return '';
  const seats = formatCount(quantity, locale);
  const ratio = sanity.ratio > SEAT_WARNING_RATIO ? ` ${t(locale, isOne(usersMoving, locale) ? 'revSeatWarnOne' : 'revSeatWarnOther', { seats, users: usersMoving, ratio: formatCount(sanity.ratio, locale) })}` : '';
  const tenant = sanity.exceedsTenant && tenantUsers !== undefined ? ` ${t(locale, 'revSeatWarnTenant', { tenant: formatCount(tenantUsers, locale) })}` : '';
  return `${ratio}${tenant}`.trim();
}

/** Months of the term the price list's price is for (P1Y, billed monthly: what the run buys). */
const TERM_MONTHS = 12;

/**
 * The partner's monthly price from the price list and what the whole term costs, so an approver sees the commitment
 * and not only a month: "$306.00 per month · $3,672.00 for 25 seats over the one-year term"; '' without a price.
 */
export function costWithTermTotal(monthly: Money | undefined, seats: number, locale: Locale): string {
  if (!monthly) return '';
  const total = formatMoney({ amount: Math.round(monthly.amount * TERM_MONTHS * 100) / 100, currency: monthly.currency }, locale);
  return `${perMonth(monthly, locale)} · ${t(locale, 'revCostTerm', { total, seats: formatCount(seats, locale) })}`;
}

/** A: what is bought, B: whose license moves, C: what is suspended — the same words on the review and approval cards. */
export function requestSummary(parts: RequestParts, locale: Locale, tenantUsers?: number): RequestSummaryData {
  const purchases = (parts.lines ?? [{ title: parts.plan.title, quantity: parts.quantity }]).map((line) => ({ quantity: line.quantity, title: line.title }));
  const users: NamedRow[] = (parts.usersPreview ?? []).slice(0, USERS_SHOWN).map((user) => ({ name: user.displayName, detail: user.userPrincipalName || '—' }));
  return {
    customerName: parts.customerName,
    kaizalaSubscriptionId: parts.kaizalaSubscriptionId,
    endDate: formatLocalDate(parts.commitmentEndDate, locale),
    planTitle: parts.plan.title,
    purchases,
    monthlyCost: costWithTermTotal(parts.monthlyCost, parts.quantity, locale),
    userCount: parts.userIds.length,
    users,
    moreUsers: Math.max(0, parts.userIds.length - users.length),
    ...kaizalaStep(parts, locale),
    seatWarning: seatWarning(parts.quantity, parts.userIds.length, locale, tenantUsers),
  };
}

export function reviewSubmittedCard(request: MigrationRequest, approversReached: number): ReviewSubmittedCardData {
  return {
    requestId: request.id,
    version: request.version,
    customerName: request.customerName,
    planTitle: request.plan.title,
    quantity: request.quantity,
    userCount: request.userIds.length,
    approversReached,
    expiresAt: formatDateTime(request.expiresAt),
    refreshUserIds: [request.requester.aadObjectId],
  };
}

export function approvalRequestCard(request: MigrationRequest, approverObjectIds: readonly string[], locale: Locale): ApprovalRequestCardData {
  return {
    ...requestSummary(request, locale),
    requestId: request.id,
    version: request.version,
    requesterName: request.requester.name,
    createdAt: formatDateTime(request.createdAt),
    expiresAt: formatDateTime(request.expiresAt),
    refreshUserIds: [...approverObjectIds],
  };
}

const HEADLINES: Record<DecidedStatus, StringKey> = {
  approved: 'statusApproved',
  rejected: 'statusRejected',
  withdrawn: 'statusWithdrawn',
  expired: 'statusExpired',
};

/** A decided request's status; a pending one has none. */
export function decidedStatusOf(request: MigrationRequest): DecidedStatus | undefined {
  return request.status === 'pending' ? undefined : request.status;
}

function decision(request: MigrationRequest, status: DecidedStatus, locale: Locale) {
  const decidedBy = status === 'expired' ? '' : (request.decidedBy?.name ?? '');
  return {
    requestId: request.id,
    status,
    headline: t(locale, HEADLINES[status], { name: decidedBy }),
    customerName: request.customerName,
    planTitle: request.plan.title,
    quantity: request.quantity,
    decidedBy,
    decidedAt: formatDateTime(request.decidedAt ?? request.expiresAt),
    // A rejection always shows a reason line: an old request rejected without one says so rather than show a blank.
    reason: status === 'rejected' ? (request.rejectReason?.trim() || t(locale, 'apprNoReasonGiven')) : '',
  };
}

export function approvalDecidedCard(request: MigrationRequest, status: DecidedStatus, locale: Locale): ApprovalDecidedCardData {
  return {
    ...decision(request, status, locale),
    userCount: request.userIds.length,
    requesterName: request.requester.name,
    note: t(locale, status === 'approved' ? 'noteDecidedApproved' : 'noteDecidedClosed'),
  };
}

export function approvalOutcomeCard(request: MigrationRequest, status: DecidedStatus, locale: Locale): ApprovalOutcomeCardData {
  return { ...decision(request, status, locale), nextStep: t(locale, status === 'approved' ? 'nextApproved' : 'nextClosed') };
}
