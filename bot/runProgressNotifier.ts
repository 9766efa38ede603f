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

const OUTCOME_TEXT: Record<KaizalaOutcome, StringKey> = {
  suspended: 'runOutcomeSuspended',
  alreadySuspended: 'runOutcomeAlreadySuspended',
  termEnded: 'runOutcomeTermEnded',
};

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
    purchaseText: view.purchase.state === 'bought' ? purchaseText(view.purchase, locale) : t(locale, 'runBoughtNothing'),
    progressBar: progressBar(users.moved, users.total),
    progressColor: view.status === 'completed' ? 'Good' : parked ? 'Attention' : 'Accent',
    steps: stepLines(view, locale),
    parkedText: parked ? t(locale, PARK_TEXT[parked.code], { detail: parked.detail }) : '',
    problems: view.problems.map((problem) => ({
      text: t(locale, PROBLEM_TEXT[problem.code], { user: problem.userPrincipalName ?? problem.userId, detail: problem.detail }),
    })),
    cancelNote: view.actions.cancel ? cancelNote(view.purchase, locale) : '',
    showRetry: view.actions.retry,
    showRetryViaPartnerCenter: view.actions.retryViaPartnerCenter,
    showCancel: view.actions.cancel,
  };
}

export function runSummaryCardData(view: RunSummaryView, locale: Locale): RunSummaryCardData {
  const facts = [
    { title: t(locale, 'runPurchaseLabel'), value: purchaseText(view.purchase, locale) },
    { title: t(locale, 'runUsersLabel'), value: usersText(view, locale) },
    { title: t(locale, 'runSummaryKaizala'), value: view.outcome ? t(locale, OUTCOME_TEXT[view.outcome]) : '' },
    { title: t(locale, 'runSummarySubscriptions'), value: view.newSubscriptionIds.join(', ') },
    { title: t(locale, 'runSummaryDuration'), value: duration(view.elapsedMs, locale) },
    { title: t(locale, 'runSummaryFinished'), value: minute(view.finishedAt) },
  ];
  return {
    title: t(locale, 'runSummaryTitle', { customer: view.customerName }),
    intro: t(locale, 'runSummaryIntro', { plan: planTitles(view.purchase) }),
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
    return { text: `${mark} ${t(locale, STEP_TEXT[step])}`, current };
  });
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

function purchaseText(purchase: RunPurchaseView, locale: Locale): string {
  const lines = purchase.lines.map((line) => t(locale, 'runBoughtLine', { quantity: line.quantity, title: line.title })).join(', ');
  return purchase.orderIds.length > 0 ? `${lines} · ${t(locale, 'runBoughtOrders', { orders: purchase.orderIds.join(', ') })}` : lines;
}

function cancelNote(purchase: RunPurchaseView, locale: Locale): string {
  if (purchase.state === 'bought') return t(locale, 'runCancelAfterPurchase', { purchase: purchaseText(purchase, locale) });
  if (purchase.state === 'maybe') return t(locale, 'runCancelMaybePurchased', { cart: purchase.cartId ?? '' });
  return t(locale, 'runCancelBeforePurchase');
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
