import { Locale } from './i18n';
import { AdaptiveCard, CardProblemReporter, expandTemplate, fitsWithoutShortening } from './render';
import welcomeTemplate from './welcome.json';
import helpTemplate from './help.json';
import planCustomerTemplate from './planCustomer.json';
import planChoiceTemplate from './planChoice.json';
import planUsersTemplate from './planUsers.json';
import planUserListTemplate from './planUserList.json';
import planQuantityTemplate from './planQuantity.json';
import planClosedTemplate from './planClosed.json';
import reviewRequestTemplate from './reviewRequest.json';
import reviewSubmittedTemplate from './reviewSubmitted.json';
import approvalRequestTemplate from './approvalRequest.json';
import approvalDecidedTemplate from './approvalDecided.json';
import approvalOutcomeTemplate from './approvalOutcome.json';
import approvalHistoryTemplate from './approvalHistory.json';
import expiringReportTemplate from './expiringReport.json';
import expiryAlertTemplate from './expiryAlert.json';
import alertDigestTemplate from './alertDigest.json';
import runProgressTemplate from './runProgress.json';
import runSummaryTemplate from './runSummary.json';
import connectChallengeTemplate from './connectChallenge.json';
import connectStatusTemplate from './connectStatus.json';

/** One line of the command list shown on the welcome and help cards. */
export interface CommandHelp {
  command: string;
  description: string;
}

export interface WelcomeCardData {
  localMode: boolean;
  commands: CommandHelp[];
}

export interface HelpCardData {
  commands: CommandHelp[];
}

// ── Migration wizard and approvals ───────────────────────────────────────────────────────────────────────────
// Wizard cards' Action.Submit data carry `{wizard: wizardId, stage, action}`; approval buttons are Action.Execute
// with `{requestId, version}` only. Sentences with numbers or names arrive pre-worded in the reader's language.

/** A person or row shown on a card: a name and one line of detail. */
export interface NamedRow {
  name: string;
  detail: string;
}

/** Wizard, ambiguous match: which Kaizala Pro subscription to migrate. */
export interface PlanCustomerCardData {
  wizardId: string;
  query: string;
  /** `choice` is the 1-based number the user may also type. */
  options: { choice: string; title: string }[];
}

/** Wizard: the eligible plans, recommended first, with the monthly cost of `quantity` seats when prices are loaded. */
export interface PlanChoiceCardData {
  wizardId: string;
  customerName: string;
  subscriptionSummary: string;
  usersOnKaizala: number;
  quantity: number;
  pricesShown: boolean;
  /** `note`: why it is recommended, or what the plan family is for; `price`: '' when the price list has none. */
  plans: { planId: string; title: string; note: string; price: string; recommended: boolean }[];
  selectedPlanId: string;
  /** False on the wizard's first step: there is nothing to go back to, so no Back button. */
  canGoBack: boolean;
}

/** Wizard: which users move (all by default; a multi-select when the list is small enough for a card). */
export interface PlanUsersCardData {
  wizardId: string;
  customerName: string;
  planTitle: string;
  userCount: number;
  selectedCount: number;
  selectable: boolean;
  users: { id: string; name: string; detail: string }[];
  /** Comma-separated ids preselected in the multi-select. */
  selectedUserIds: string;
}

/** Wizard: one page of the users holding Kaizala Pro. */
export interface PlanUserListCardData {
  customerName: string;
  from: number;
  to: number;
  total: number;
  users: NamedRow[];
}

/** Wizard: how many seats to buy. */
export interface PlanQuantityCardData {
  wizardId: string;
  customerName: string;
  planTitle: string;
  usersToMove: number;
  min: number;
  max: number;
  value: number;
  /** '' when the price list has none. */
  seatPrice: string;
  /** '' unless a pooled (Business) cap applies. */
  capNote: string;
}

/** What a request will do, shown on the review card and to approvers: A buy, B move, C suspend. */
export interface RequestSummaryData {
  customerName: string;
  kaizalaSubscriptionId: string;
  endDate: string;
  planTitle: string;
  purchases: { quantity: number; title: string }[];
  /** '' when the price list has none. */
  monthlyCost: string;
  userCount: number;
  /** The first users by name; `moreUsers` counts the rest. */
  users: NamedRow[];
  moreUsers: number;
  /** Step C worded: suspend the old subscription, or (a partial migration) keep it for the users left behind. */
  kaizalaStep: string;
  kaizalaDetail: string;
  kaizalaKept: boolean;
  /** '' unless the seats look far more than the users who move (or the tenant). */
  seatWarning: string;
}

export interface ReviewRequestCardData extends RequestSummaryData {
  wizardId: string;
  /** '' unless the seats need an explicit tick before Request approval: the toggle's label. */
  confirmSeatsLabel: string;
}

/** A wizard card whose moment has passed (cancelled, ended, restarted): no buttons, one sentence why. */
export interface PlanClosedCardData {
  title: string;
  text: string;
}

/** The requester's confirmation, with Withdraw; refreshes to the decided card once decided. */
export interface ReviewSubmittedCardData {
  requestId: string;
  version: number;
  customerName: string;
  planTitle: string;
  quantity: number;
  userCount: number;
  approversReached: number;
  expiresAt: string;
  refreshUserIds: string[];
}

/** An approver's card: Approve, or Reject with a reason. */
export interface ApprovalRequestCardData extends RequestSummaryData {
  requestId: string;
  version: number;
  requesterName: string;
  createdAt: string;
  expiresAt: string;
  refreshUserIds: string[];
}

export type DecidedStatus = 'approved' | 'rejected' | 'withdrawn' | 'expired';

/** A request that is no longer pending, as everyone sees it: no buttons. */
export interface ApprovalDecidedCardData {
  requestId: string;
  status: DecidedStatus;
  headline: string;
  customerName: string;
  planTitle: string;
  quantity: number;
  userCount: number;
  requesterName: string;
  /** '' for expiry. */
  decidedBy: string;
  decidedAt: string;
  /** '' unless rejected. */
  reason: string;
  note: string;
}

/** Sent to the requester once their request is decided or expired. */
export interface ApprovalOutcomeCardData {
  requestId: string;
  status: DecidedStatus;
  headline: string;
  customerName: string;
  planTitle: string;
  quantity: number;
  decidedBy: string;
  decidedAt: string;
  reason: string;
  nextStep: string;
}

/** `history <customer>`: requests and decisions, newest first. */
export interface ApprovalHistoryCardData {
  customerName: string;
  shown: number;
  total: number;
  /** One plain sentence per event, newest first (cards/views/history.ts). */
  entries: { when: string; text: string }[];
  /** Request and run ids and operations, behind the card's details toggle. */
  technical: { text: string }[];
}

// ── Expiry report ────────────────────────────────────────────────────────────────────────────────────────────
// Paging buttons and "Start migration" are Action.Submit (they reach the dialogs as messages with a `command`).

/** `expiring` paging button data. */
export interface ExpiringPageData {
  command: 'expiring';
  page: number;
  /** The `expiring <days>` filter, kept across pages. */
  within?: number;
}

/** "Start migration" button data, read by the migration wizard. */
export interface MigrateCommandData {
  command: 'migrate';
  customerId: string;
  subscriptionId: string;
}

/** One subscription of the expiry report; texts arrive worded in the reader's language. */
export interface ExpiringReportRow {
  customerName: string;
  offerName: string;
  /** YYYY-MM-DD (the last day of the term, UTC). */
  endDate: string;
  daysLeftText: string;
  urgencyLabel: string;
  /** Adaptive Card text colour of the urgency. */
  color: 'attention' | 'warning' | 'accent' | 'good' | 'default';
  usersText: string;
  statusText: string;
  needsReview: boolean;
  /** '' unless `needsReview`. */
  reviewText: string;
  migrating: boolean;
  canMigrate: boolean;
  migrateData: MigrateCommandData;
}

/** `expiring [days]`: one page of the report, most urgent first. */
export interface ExpiringReportCardData {
  heading: string;
  /** "The last scan stopped on …: reason"; '' unless `hasScanProblem`. */
  scanProblem: string;
  hasScanProblem: boolean;
  /** One line per customer the last scan could not read: "not scanned since <date>, <reason>". */
  notScanned: { text: string }[];
  hasNotScanned: boolean;
  rows: ExpiringReportRow[];
  hasPrevious: boolean;
  hasNext: boolean;
  previousData: ExpiringPageData;
  nextData: ExpiringPageData;
}

// ── Expiry alerts ────────────────────────────────────────────────────────────────────────────────────────────
// "Start migration" is Action.Submit `{command: 'migrate', customerId, subscriptionId}`; "Take it" and "Snooze 7 days"
// are Action.Execute (verbs in bot/alertHandlers.ts) with `{customerId, subscriptionId}` only.

/** Adaptive Card colour of an alert: attention within 7 days or expired, warning within 30, default otherwise. */
export type AlertUrgencyColor = 'attention' | 'warning' | 'default';

/** One subscription's expiry alert, as one reader sees it. */
export interface ExpiryAlertCardData {
  customerId: string;
  subscriptionId: string;
  customerName: string;
  offerName: string;
  endDate: string;
  /** E.g. "Ends in 12 days", worded in the reader's language. */
  daysLeftText: string;
  usersOnKaizala: number;
  urgencyColor: AlertUrgencyColor;
  /** The account manager's name, "You", or "Nobody yet". */
  accountManager: string;
  /** Nobody looks after the customer: offer "Take it". */
  canTake: boolean;
  canSnooze: boolean;
  /** '' or what just happened (taken, snoozed until …). */
  notice: string;
}

export interface AlertDigestRow {
  customerId: string;
  subscriptionId: string;
  customerName: string;
  /** When it ends, the users on Kaizala Pro and the account manager, worded in the reader's language. */
  details: string;
  urgencyColor: AlertUrgencyColor;
}

/** Several due alerts for one person in one run, most urgent first. */
export interface AlertDigestCardData {
  title: string;
  /** "Most urgent first.", and when the alerts are split over several messages, how many follow. */
  intro: string;
  urgencyColor: AlertUrgencyColor;
  rows: AlertDigestRow[];
}

// ── Migration runs ───────────────────────────────────────────────────────────────────────────────────────────
// Retry and Cancel are Action.Execute (verbs in bot/runHandlers.ts) with `{runId, version}` only, plus
// `licensePath: 'partnerCenter'` on "Retry via Partner Center". Texts arrive worded in the reader's language.

/** One run's progress card, updated in place: status, steps, users moved as a bar, problems, Retry/Cancel. */
export interface RunProgressCardData {
  runId: string;
  version: number;
  title: string;
  subtitle: string;
  statusText: string;
  stepText: string;
  usersText: string;
  elapsedText: string;
  endsText: string;
  purchaseText: string;
  /** A text bar of the users moved, e.g. `██████░░░░ 60%`. */
  progressBar: string;
  progressColor: 'Default' | 'Good' | 'Attention' | 'Warning' | 'Accent';
  /** The six steps, each with a mark (done, current, waiting, failed). */
  steps: { text: string; current: boolean }[];
  /** '' unless the run waits for a person. */
  parkedText: string;
  problems: { text: string }[];
  /** '' unless Cancel is offered or the run was cancelled: what cancelling means (meant) given what was bought. */
  cancelNote: string;
  /** '' unless the run backs off or polls: why, and the time of the next attempt. */
  waitText: string;
  /** '' until completed: what became of Kaizala Pro (kept for the users left behind, or suspended). */
  outcomeText: string;
  showRetry: boolean;
  showRetryViaPartnerCenter: boolean;
  showCancel: boolean;
}

/** Sent to the requester and the approver when a run completes. */
export interface RunSummaryCardData {
  title: string;
  intro: string;
  facts: { title: string; value: string }[];
  notes: { text: string }[];
}

// ── Partner Center connection ────────────────────────────────────────────────────────────────────────────────
// Reconnect is Action.Execute (verb in bot/connectionHandlers.ts) with empty data: the handler checks who clicked.

/** `connect partner center` and Reconnect: the device code to enter, where, and until when. */
export interface ConnectChallengeCardData {
  userCode: string;
  /** The sign-in page as the button's target (checked by linkTarget(), never shown as text); '' = no button. */
  verificationUrl: string;
  /** The same page as text to read or type. */
  verificationText: string;
  expiresText: string;
}

/** `status`, and the admins' ageing and failure cards: state, who, MFA, token age, last failure; Reconnect for admins. */
export interface ConnectStatusCardData {
  title: string;
  color: 'accent' | 'attention' | 'default';
  /** '' on the status card. */
  intro: string;
  facts: { title: string; value: string }[];
  advice: string;
  canReconnect: boolean;
}

/** Each card's typed data; the key is the template's file name in `cards/`. */
export interface CardDataMap {
  welcome: WelcomeCardData;
  help: HelpCardData;
  planCustomer: PlanCustomerCardData;
  planChoice: PlanChoiceCardData;
  planUsers: PlanUsersCardData;
  planUserList: PlanUserListCardData;
  planQuantity: PlanQuantityCardData;
  planClosed: PlanClosedCardData;
  reviewRequest: ReviewRequestCardData;
  reviewSubmitted: ReviewSubmittedCardData;
  approvalRequest: ApprovalRequestCardData;
  approvalDecided: ApprovalDecidedCardData;
  approvalOutcome: ApprovalOutcomeCardData;
  approvalHistory: ApprovalHistoryCardData;
  expiringReport: ExpiringReportCardData;
  expiryAlert: ExpiryAlertCardData;
  alertDigest: AlertDigestCardData;
  runProgress: RunProgressCardData;
  runSummary: RunSummaryCardData;
  connectChallenge: ConnectChallengeCardData;
  connectStatus: ConnectStatusCardData;
}
export type CardName = keyof CardDataMap;

const TEMPLATES: Record<CardName, object> = {
  welcome: welcomeTemplate,
  help: helpTemplate,
  planCustomer: planCustomerTemplate,
  planChoice: planChoiceTemplate,
  planUsers: planUsersTemplate,
  planUserList: planUserListTemplate,
  planQuantity: planQuantityTemplate,
  planClosed: planClosedTemplate,
  reviewRequest: reviewRequestTemplate,
  reviewSubmitted: reviewSubmittedTemplate,
  approvalRequest: approvalRequestTemplate,
  approvalDecided: approvalDecidedTemplate,
  approvalOutcome: approvalOutcomeTemplate,
  approvalHistory: approvalHistoryTemplate,
  expiringReport: expiringReportTemplate,
  expiryAlert: expiryAlertTemplate,
  alertDigest: alertDigestTemplate,
  runProgress: runProgressTemplate,
  runSummary: runSummaryTemplate,
  connectChallenge: connectChallengeTemplate,
  connectStatus: connectStatusTemplate,
};

export const CARD_NAMES = Object.keys(TEMPLATES) as CardName[];

/**
 * The one render function: a card template expanded with its typed data in the reader's language. Untrusted text
 * in `data` is made inert; it never throws (a card that cannot be rendered within Teams' limit comes back as a plain
 * card and is reported to `onProblem`).
 */
export function renderCard<K extends CardName>(
  name: K,
  data: CardDataMap[K],
  locale: Locale,
  onProblem?: CardProblemReporter,
): AdaptiveCard {
  return expandTemplate(name, TEMPLATES[name], data, locale, onProblem);
}

/** True when the card fits Teams' limit without shortening any text: a list can show fewer rows instead. */
export function cardFitsAsIs<K extends CardName>(name: K, data: CardDataMap[K], locale: Locale): boolean {
  return fitsWithoutShortening(TEMPLATES[name], data, locale);
}
