/**
 * The port through which runs reach people. services/ knows nothing of Teams or cards: bot/runProgressNotifier.ts
 * renders these views and sends or updates the messages.
 */
import type { Person } from '../domain/people';
import {
  hasPurchased,
  isDeadlineAtRisk,
  mayHavePurchased,
  userCounts,
  type KaizalaOutcome,
  type LicensePath,
  type MigrationRun,
  type ParkCode,
  type ProgressMessageRef,
  type RunStatus,
  type RunStep,
  type RunWait,
  type UserProblemCode,
} from './run';

export interface RunUserProblemView {
  userId: string;
  userPrincipalName?: string;
  code: UserProblemCode;
  detail: string;
}

/** What was bought, so a Cancel button can say it plainly. */
export interface RunPurchaseView {
  /**
   * bought: an order exists · maybe: a checkout may have landed · none: nothing was bought · orderCancelled:
   * Partner Center cancelled the order, so nothing was bought either (`orderIds` names the cancelled order).
   */
  state: 'bought' | 'maybe' | 'none' | 'orderCancelled';
  orderIds: string[];
  cartId?: string;
  /** What was (or is to be) bought, line by line. */
  lines: Array<{ title: string; quantity: number }>;
}

export interface RunProgressView {
  runId: string;
  version: number;
  requester: Person;
  approver?: Person;
  requesterLocale: string;
  customerName: string;
  planTitle: string;
  quantity: number;
  status: RunStatus;
  step: RunStep;
  users: { total: number; moved: number; failed: number; pending: number };
  /** Since the run first started (or was created, while queued). */
  elapsedMs: number;
  commitmentEndDate: string;
  deadlineAtRisk: boolean;
  licensePath: LicensePath;
  purchase: RunPurchaseView;
  parked?: { code: ParkCode; detail: string; step: RunStep };
  /** At most 10, failed users first. */
  problems: RunUserProblemView[];
  outcome?: KaizalaOutcome;
  /** A partial migration: Kaizala Pro holders left behind, who keep it until `commitmentEndDate` (never suspended). */
  usersLeftBehind: number;
  /** While the run backs off or polls: why, and when it tries again. */
  waiting?: RunWait;
  actions: { retry: boolean; retryViaPartnerCenter: boolean; cancel: boolean };
}

export interface RunSummaryView extends RunProgressView {
  finishedAt: string;
  /** The subscriptions bought, one per line. */
  newSubscriptionIds: string[];
}

export interface RunNotifier {
  /**
   * Shows the run's state: the first call sends the progress card (`existing` undefined) and returns where it
   * landed, later calls update that message in place. Undefined when the person cannot be reached.
   */
  progress(view: RunProgressView, existing: ProgressMessageRef | undefined): Promise<ProgressMessageRef | undefined>;
  /** The run completed: summary to the requester and the approver. */
  completed(view: RunSummaryView): Promise<void>;
  /** The run may not finish before the Kaizala term ends (or it already ended). */
  deadlineAtRisk(view: RunProgressView): Promise<void>;
}

/** For processes without Teams (the crash harness worker, tests). */
export const silentRunNotifier: RunNotifier = {
  progress: async () => undefined,
  completed: async () => undefined,
  deadlineAtRisk: async () => undefined,
};

const MAX_PROBLEMS = 10;

export function toProgressView(run: MigrationRun, nowMs: number, deadlineMarginDays: number): RunProgressView {
  const since = Date.parse(run.startedAt ?? run.createdAt);
  const purchase = purchaseView(run);
  const parked = run.status === 'parked' ? run.parked : undefined;
  const problems = run.users
    .filter((user) => user.problem)
    .sort((a, b) => Number(b.state === 'failed') - Number(a.state === 'failed'))
    .slice(0, MAX_PROBLEMS)
    .map((user) => ({
      userId: user.id,
      userPrincipalName: user.upn,
      code: user.problem?.code ?? 'rejected',
      detail: user.problem?.detail ?? '',
    }));
  return {
    runId: run.id,
    version: run.version,
    requester: run.requester,
    approver: run.approver,
    requesterLocale: run.requesterLocale,
    customerName: run.customerName,
    planTitle: run.plan.title,
    quantity: run.quantity,
    status: run.status,
    step: run.step,
    users: userCounts(run),
    elapsedMs: Math.max(0, nowMs - since),
    commitmentEndDate: run.commitmentEndDate,
    deadlineAtRisk: !['completed', 'cancelled'].includes(run.status) && isDeadlineAtRisk(run, nowMs, deadlineMarginDays),
    licensePath: run.licensePath,
    purchase,
    parked: parked && { code: parked.code, detail: parked.detail, step: parked.step },
    problems,
    outcome: run.outcome,
    usersLeftBehind: run.usersLeftBehind ?? 0,
    ...(run.status === 'running' && run.waiting ? { waiting: run.waiting } : {}),
    actions: {
      retry: run.status === 'parked',
      retryViaPartnerCenter: run.status === 'parked' && run.licensePath === 'graph' && isLicenseStep(run.step),
      cancel: run.status === 'parked' || run.status === 'queued',
    },
  };
}

/**
 * The one place that decides what a run's cards say about money, from the run's facts: an order that Partner
 * Center cancelled (the run parked on it, and stays so after Cancel) bought nothing, whatever ids were recorded.
 */
export function purchaseView(run: MigrationRun): RunPurchaseView {
  const orderCancelled = run.parked?.code === 'orderFailed' && hasPurchased(run);
  return {
    state: orderCancelled ? 'orderCancelled' : hasPurchased(run) ? 'bought' : mayHavePurchased(run) ? 'maybe' : 'none',
    orderIds: run.purchase.orderIds ?? [],
    cartId: run.purchase.cartId,
    lines: run.lines.map((line) => ({ title: line.title, quantity: line.quantity })),
  };
}

export function toSummaryView(run: MigrationRun, nowMs: number, deadlineMarginDays: number): RunSummaryView {
  return {
    ...toProgressView(run, nowMs, deadlineMarginDays),
    finishedAt: run.finishedAt ?? new Date(nowMs).toISOString(),
    newSubscriptionIds: Object.values(run.newSubscriptionIds ?? {}),
  };
}

function isLicenseStep(step: RunStep): boolean {
  return step === 'provisioning' || step === 'moveLicenses' || step === 'verify';
}
