/**
 * The migration runs' port on the proactive messenger: one progress card per run (sent once, then updated in
 * place), a summary to the requester and the approver at the end, and a plain warning when the deadline is close.
 * Every text is worded here, in the reader's language; the card data carries no markdown (render makes it literal).
 */
import { renderCard, type RunProgressCardData, type RunSummaryCardData } from '../cards/cards';
import { t, type Locale, type StringKey } from '../cards/i18n';
import type { AdaptiveCard } from '../cards/render';
import type {
  KaizalaOutcome,
  ParkCode,
  ProgressMessageRef,
  RunNotifier,
  RunProgressView,
  RunPurchaseView,
  RunStatus,
  RunStep,
  RunSummaryView,
  RunWait,
  UserProblemCode,
} from '../services/migration';
import type { ProactiveMessenger } from './proactive/messenger';

const STEPS: readonly RunStep[] = ['purchase', 'provisioning', 'moveLicenses', 'verify', 'suspend', 'completed'];

const STEP_TEXT: Record<RunStep, StringKey> = {
  purchase: 'runStepPurchase',
  provisioning: 'runStepProvisioning',
  moveLicenses: 'runStepMoveLicenses',
  verify: 'runStepVerify',
  suspend: 'runStepSuspend',
  completed: 'runStepCompleted',
};

const STATUS_TEXT: Record<RunStatus, StringKey> = {
  queued: 'runStatusQueued',
  running: 'runStatusRunning',
  parked: 'runStatusParked',
  completed: 'runStatusCompleted',
  cancelled: 'runStatusCancelled',
};

const PARK_TEXT: Record<ParkCode, StringKey> = {
  accessDenied: 'runParkAccessDenied',
  seatCap: 'runParkSeatCap',
  notEligible: 'runParkNotEligible',
  purchaseBlocked: 'runParkPurchaseBlocked',
  cartRejected: 'runParkCartRejected',
  catalogItemNotFound: 'runParkCatalogItemNotFound',
  purchaseUnknown: 'runParkPurchaseUnknown',
  purchaseAmbiguous: 'runParkPurchaseAmbiguous',
  orderFailed: 'runParkOrderFailed',
  provisioningTimeout: 'runParkProvisioningTimeout',
  notEnoughSeats: 'runParkNotEnoughSeats',
  usersNeedAttention: 'runParkUsersNeedAttention',
  otherKaizalaHolders: 'runParkOtherKaizalaHolders',
  kaizalaStillConsumed: 'runParkKaizalaStillConsumed',
  suspendRefused: 'runParkSuspendRefused',
  transientFailures: 'runParkTransientFailures',
  rejected: 'runParkRejected',
  internalError: 'runParkInternalError',
};

const PROBLEM_TEXT: Record<UserProblemCode, StringKey> = {
  noUsageLocation: 'runProblemNoUsageLocation',
  groupInherited: 'runProblemGroupInherited',
  stuck: 'runProblemStuck',
  rejected: 'runProblemRejected',
  userNotFound: 'runProblemUserNotFound',
};

const OUTCOME_TEXT: Record<Exclude<KaizalaOutcome, 'kept'>, StringKey> = {
  suspended: 'runOutcomeSuspended',
  alreadySuspended: 'runOutcomeAlreadySuspended',
  termEnded: 'runOutcomeTermEnded',
};

const SERVICE_NAMES: Record<NonNullable<NonNullable<RunWait['cause']>['service']>, string> = { graph: 'Graph', partnerCenter: 'Partner Center' };

const BAR_CELLS = 20;

export class TeamsRunNotifier implements RunNotifier {
  constructor(private readonly messenger: ProactiveMessenger) {}

  async progress(view: RunProgressView, existing: ProgressMessageRef | undefined): Promise<ProgressMessageRef | undefined> {
    const render = (locale: Locale) => runProgressCard(view, locale);
    if (existing) {
      await this.messenger.update(existing, render);
      return existing;
    }
    return this.messenger.sendToPerson(view.requester.aadObjectId, render);
  }

  async completed(view: RunSummaryView): Promise<void> {
    const recipients = new Set([view.requester.aadObjectId, ...(view.approver ? [view.approver.aadObjectId] : [])]);
    for (const aadObjectId of recipients) {
      await this.messenger.sendToPerson(aadObjectId, (locale) => renderCard('runSummary', runSummaryCardData(view, locale), locale));
    }
  }

  async deadlineAtRisk(view: RunProgressView): Promise<void> {
    await this.messenger.sendToPerson(view.requester.aadObjectId, (locale) =>
      t(locale, 'runDeadlineWarning', { customer: view.customerName, date: day(view.commitmentEndDate) }),
    );
  }
}

/** The progress card as a reader sees it; also the answer to a Retry/Cancel click. */
export function runProgressCard(view: RunProgressView, locale: Locale): AdaptiveCard {
  return renderCard('runProgress', runProgressCardData(view, locale), locale);
}

export function runProgressCardData(view: RunProgressView, locale: Locale): RunProgressCardData {
  const { users } = view;
  const parked = view.status === 'parked' && view.parked;
  return {
    runId: view.runId,
    version: view.version,
    title: t(locale, 'runCardTitle', { customer: view.customerName }),
    subtitle: t(locale, 'runCardSubtitle', { plan: planTitles(view.purchase) }),
    statusText: t(locale, STATUS_TEXT[view.status]),
    stepText: t(locale, STEP_TEXT[view.step]),
    usersText: usersText(view, locale),
    elapsedText: duration(view.elapsedMs, locale),
    endsText: t(locale, view.deadlineAtRisk ? 'runEndsSoon' : 'runEndsOn', { date: day(view.commitmentEndDate) }),
    purchaseText: boughtText(view, locale),
    progressBar: progressBar(users.moved, users.total),
    progressColor: parked ? 'Attention' : 'Accent',
    steps: stepLines(view, locale),
    parkedText: parked ? t(locale, PARK_TEXT[parked.code], { detail: parked.detail }) : '',
    problems: view.problems.map((problem) => ({
      text: t(locale, PROBLEM_TEXT[problem.code], { user: problem.userPrincipalName ?? problem.userId, detail: problem.detail }),
    })),
    cancelNote: view.actions.cancel || view.status === 'cancelled' ? cancelNote(view, locale) : '',
    waitText: view.waiting ? waitText(view.waiting, locale) : '',
    outcomeText: view.status === 'completed' ? outcomeLine(view, locale) : '',
    showRetry: view.actions.retry,
    showRetryViaPartnerCenter: view.actions.retryViaPartnerCenter,
    showCancel: view.actions.cancel,
  };
}

export function runSummaryCardData(view: RunSummaryView, locale: Locale): RunSummaryCardData {
  const facts = [
    { title: t(locale, 'runPurchaseLabel'), value: purchaseText(view.purchase, locale) },
    { title: t(locale, 'runUsersLabel'), value: usersText(view, locale) },
    { title: t(locale, 'runSummaryKaizala'), value: view.outcome ? outcomeText(view, view.outcome, locale) : '' },
    { title: t(locale, 'runSummarySubscriptions'), value: view.newSubscriptionIds.join(', ') },
    { title: t(locale, 'runSummaryDuration'), value: duration(view.elapsedMs, locale) },
    { title: t(locale, 'runSummaryFinished'), value: minute(view.finishedAt) },
  ];
  return {
    title: t(locale, 'runSummaryTitle', { customer: view.customerName }),
    intro: t(locale, view.usersLeftBehind > 0 ? 'runSummaryIntroPartial' : 'runSummaryIntro', { plan: planTitles(view.purchase) }),
    facts: facts.filter((fact) => fact.value !== ''),
    notes: view.problems.map((problem) => ({
      text: t(locale, PROBLEM_TEXT[problem.code], { user: problem.userPrincipalName ?? problem.userId, detail: problem.detail }),
    })),
  };
}

function stepLines(view: RunProgressView, locale: Locale): RunProgressCardData['steps'] {
  const currentIndex = STEPS.indexOf(view.step);
  return STEPS.map((step, index) => {
    const done = index < currentIndex || view.status === 'completed';
    const current = index === currentIndex && view.status !== 'completed';
    const mark = done ? '✓' : current ? (view.status === 'parked' ? '⚠' : '▶') : '○';
    return { text: `${mark} ${stepName(view, step, locale)}`, current };
  });
}

/** A partial migration checks only its own users and keeps Kaizala Pro instead of suspending it. */
function stepName(view: RunProgressView, step: RunStep, locale: Locale): string {
  const left = view.usersLeftBehind;
  if (left > 0 && step === 'verify') return t(locale, 'runStepVerifyMoved');
  if (left > 0 && step === 'suspend') return t(locale, isOne(left, locale) ? 'runStepKeepOne' : 'runStepKeepOther', { users: left });
  return t(locale, STEP_TEXT[step]);
}

function isOne(count: number, locale: Locale): boolean {
  return new Intl.PluralRules(locale).select(count) === 'one';
}

function outcomeText(view: RunProgressView, outcome: KaizalaOutcome, locale: Locale): string {
  if (outcome !== 'kept') return t(locale, OUTCOME_TEXT[outcome]);
  const users = view.usersLeftBehind;
  return t(locale, isOne(users, locale) ? 'runOutcomeKeptOne' : 'runOutcomeKeptOther', { users, date: day(view.commitmentEndDate) });
}

/** The completed card's last word on Kaizala Pro: kept for the users left behind, or what happened to it. */
function outcomeLine(view: RunProgressView, locale: Locale): string {
  if (!view.outcome) return '';
  if (view.outcome !== 'kept') return `${t(locale, 'runSummaryKaizala')}: ${t(locale, OUTCOME_TEXT[view.outcome])}`;
  const users = view.usersLeftBehind;
  return t(locale, isOne(users, locale) ? 'runKeptLineOne' : 'runKeptLineOther', { users, date: day(view.commitmentEndDate) });
}

/** Why the run waits and when it tries again, e.g. "Graph answered 503 — retry 3 of 8 at 14:32 UTC". */
export function waitText(waiting: RunWait, locale: Locale): string {
  const time = minuteOrTime(waiting.until);
  if (waiting.kind === 'poll' || waiting.attempt === undefined || waiting.of === undefined) return t(locale, 'runWaitPoll', { reason: waiting.reason, time });
  const retry = { attempt: waiting.attempt, of: waiting.of, time };
  const cause = waiting.cause;
  const service = cause?.service ? SERVICE_NAMES[cause.service] : undefined;
  if (service && cause?.users !== undefined) {
    return t(locale, isOne(cause.users, locale) ? 'runWaitRetryUsersOne' : 'runWaitRetryUsersOther', { ...retry, service, users: cause.users });
  }
  if (service && cause?.status !== undefined) return t(locale, 'runWaitRetryStatus', { ...retry, service, status: cause.status });
  if (service) return t(locale, 'runWaitRetryNoAnswer', { ...retry, service });
  return t(locale, 'runWaitRetry', { ...retry, reason: waiting.reason });
}

function usersText(view: RunProgressView, locale: Locale): string {
  const moved = t(locale, 'runUsersProgress', { moved: view.users.moved, total: view.users.total });
  return view.users.failed > 0 ? `${moved} · ${t(locale, 'runUsersFailed', { count: view.users.failed })}` : moved;
}

/** A text bar: works in every Teams client, and the card test checks it stays one line of 20 cells. */
export function progressBar(moved: number, total: number): string {
  const share = total > 0 ? moved / total : 0;
  const filled = Math.round(share * BAR_CELLS);
  return `${'█'.repeat(filled)}${'░'.repeat(BAR_CELLS - filled)} ${Math.floor(share * 100)}%`;
}

function planTitles(purchase: RunPurchaseView): string {
  return purchase.lines.map((line) => line.title).join(', ');
}

/** What the card's "Bought" line says: decided by the purchase view's state alone, so no two lines disagree. */
function boughtText(view: RunProgressView, locale: Locale): string {
  const purchase = view.purchase;
  switch (purchase.state) {
    case 'bought':
      return purchaseText(purchase, locale);
    case 'orderCancelled':
      return t(locale, 'runOrderCancelledText', { orders: purchase.orderIds.join(', ') });
    case 'maybe':
      return t(locale, 'runMaybeBought', { cart: purchase.cartId ?? '' });
    case 'none':
      return t(locale, view.status === 'cancelled' || view.status === 'parked' ? 'runBoughtNothingFinal' : 'runBoughtNothing');
  }
}

function purchaseText(purchase: RunPurchaseView, locale: Locale): string {
  const lines = purchase.lines.map((line) => t(locale, 'runBoughtLine', { quantity: line.quantity, title: line.title })).join(', ');
  return purchase.orderIds.length > 0 ? `${lines} · ${t(locale, 'runBoughtOrders', { orders: purchase.orderIds.join(', ') })}` : lines;
}

/** What cancelling means (or meant, once cancelled), given what was bought: one sentence, never two that disagree. */
function cancelNote(view: RunProgressView, locale: Locale): string {
  const { purchase } = view;
  const cancelled = view.status === 'cancelled';
  if (purchase.state === 'bought') return t(locale, cancelled ? 'runCancelledAfterPurchase' : 'runCancelAfterPurchase', { purchase: purchaseText(purchase, locale) });
  if (purchase.state === 'maybe') return t(locale, cancelled ? 'runCancelledMaybePurchased' : 'runCancelMaybePurchased', { cart: purchase.cartId ?? '' });
  return t(locale, cancelled ? 'runCancelledNothingBought' : 'runCancelBeforePurchase');
}

export function duration(ms: number, locale: Locale): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds >= 3600) return t(locale, 'runDurationHours', { hours: Math.floor(seconds / 3600), minutes: Math.floor((seconds % 3600) / 60) });
  if (seconds >= 60) return t(locale, 'runDurationMinutes', { minutes: Math.floor(seconds / 60), seconds: seconds % 60 });
  return t(locale, 'runDurationSeconds', { seconds });
}

function day(iso: string): string {
  return iso.slice(0, 10);
}

function minute(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** "14:32 UTC" today, the full date and time on another day. */
function minuteOrTime(iso: string): string {
  return iso.slice(0, 10) === new Date().toISOString().slice(0, 10) ? `${iso.slice(11, 16)} UTC` : minute(iso);
}
