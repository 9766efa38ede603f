/**
 * The persisted state machine of one migration run (table `runs`, key = the request id). Every field a crashed
 * worker needs to carry on without repeating a side effect lives here: idempotency keys are written before the
 * call they belong to, results right after it.
 */
import type { Person } from '../domain/people';
import type { ChosenPlan, MigrationRequest } from '../domain/request';

/** queued: approved, never started · running: eligible to execute (maybe waiting until `wakeAt`) · parked: needs a human. */
export type RunStatus = 'queued' | 'running' | 'parked' | 'completed' | 'cancelled';

export type RunStep = 'purchase' | 'provisioning' | 'moveLicenses' | 'verify' | 'suspend' | 'completed';
export const RUN_STEPS: readonly RunStep[] = ['purchase', 'provisioning', 'moveLicenses', 'verify', 'suspend', 'completed'];

/** How licenses move: Graph assignLicense (app-only) or Partner Center licenseupdates (App+User). */
export type LicensePath = 'graph' | 'partnerCenter';
export const LICENSE_PATHS: readonly LicensePath[] = ['graph', 'partnerCenter'];

/** Why a run waits for a human. Each has a localized explanation in the bot. */
export type ParkCode =
  | 'accessDenied'
  | 'seatCap'
  | 'notEligible'
  | 'purchaseBlocked'
  | 'cartRejected'
  | 'catalogItemNotFound'
  | 'purchaseUnknown'
  | 'purchaseAmbiguous'
  | 'orderFailed'
  | 'provisioningTimeout'
  | 'notEnoughSeats'
  | 'usersNeedAttention'
  | 'otherKaizalaHolders'
  | 'kaizalaStillConsumed'
  | 'suspendRefused'
  | 'transientFailures'
  | 'rejected'
  | 'internalError';

export type UserProblemCode = 'noUsageLocation' | 'groupInherited' | 'stuck' | 'rejected' | 'userNotFound';

/** One SKU to buy and assign, and the users who get it (education requests have one per faculty/student kind). */
export interface RunLine {
  /** Entra skuId, lower case. */
  skuId: string;
  title: string;
  quantity: number;
  userIds: string[];
}

export interface UserProgress {
  /** Graph object id. */
  id: string;
  state: 'pending' | 'done' | 'failed';
  /** License calls made for this user so far (all rounds, all attempts). */
  attempts: number;
  /** MS-RequestId of the licenseupdates call in flight (Partner Center path), persisted before sending. */
  requestId?: string;
  /** Known once read; kept for failed users so reports can name them. */
  upn?: string;
  problem?: { code: UserProblemCode; detail: string };
}

export interface PurchaseState {
  /** Catalog market the item was resolved in. */
  country?: string;
  /** Entra skuId → PRODUCT:SKU:AVAILABILITY of its cart line (availability ids rotate: re-resolved for every cart). */
  catalogItems?: Record<string, string>;
  /** Entra skuId → the term its cart line buys, as the chosen availability offers it (never assumed). */
  catalogTerms?: Record<string, { termDuration: string; billingCycle: string }>;
  /** The catalog asked for the partner-of-record attestation (900203/900206/10012): send it on the next cart. */
  attestation?: boolean;
  /** MS-RequestId of the create-cart call, persisted before it. */
  cartRequestId?: string;
  cartId?: string;
  /** Server time the cart was created: orders of this cart cannot be older. */
  cartCreatedAt?: string;
  /** MS-RequestId of the checkout, persisted before it; reused only to re-check out the same, still active cart. */
  checkoutRequestId?: string;
  checkoutSentAt?: string;
  /** Since when the checkout is known to have landed (or may have) without its order being found yet. */
  landingSince?: string;
  /** The order(s) of this run's purchase; set once the purchase is certain. */
  orderIds?: string[];
  /** When the order became known (provisioning is bounded from here). */
  orderedAt?: string;
  /** True when the order was found rather than placed by this run's own checkout reply. */
  adopted?: boolean;
  /** Carts given up after reconciliation showed they bought nothing. */
  abandonedCarts: Array<{ cartId: string; reason: string }>;
}

/** `kept`: a partial migration never suspends: Kaizala Pro stays active for the users left behind until it ends. */
export type KaizalaOutcome = 'suspended' | 'alreadySuspended' | 'termEnded' | 'kept';

/** Why the run sleeps until `until`: a transient failure being retried, or a poll (provisioning, a landing order). */
export interface RunWait {
  kind: 'retry' | 'poll';
  /** Plain text facts as logged (English); the bot words the card from the fields below when it can. */
  reason: string;
  /** What failed, when known (retries). */
  cause?: { service?: 'graph' | 'partnerCenter'; status?: number; users?: number };
  /** Retries only: this is retry `attempt` of at most `of` before the run parks. */
  attempt?: number;
  of?: number;
  /** When the next attempt is due. */
  until: string;
}

export interface ParkedState {
  code: ParkCode;
  /** Plain text facts (ids, counts, API codes); the bot adds the localized explanation. */
  detail: string;
  step: RunStep;
  at: string;
}

/** Where the progress card landed (same shape as the bot's SentMessage), so it can be updated in place. */
export interface ProgressMessageRef {
  conversationKey: string;
  activityId: string;
}

export interface MigrationRun {
  id: string;
  requestId: string;
  /** When the request was made: only purchases after it can be this request's. */
  requestCreatedAt: string;
  /** Increases on every status change only; cards carry it so a stale card cannot retry or cancel. */
  version: number;
  status: RunStatus;
  step: RunStep;
  customerId: string;
  customerName: string;
  tenantId: string;
  kaizalaSubscriptionId: string;
  kaizalaSkuId: string;
  commitmentEndDate: string;
  plan: ChosenPlan;
  quantity: number;
  lines: RunLine[];
  requester: Person;
  requesterLocale: string;
  approver?: Person;
  licensePath: LicensePath;
  users: UserProgress[];
  purchase: PurchaseState;
  /** Entra skuId → the subscription the order created for it. */
  newSubscriptionIds?: Record<string, string>;
  /** Run users found without the new plan or with Kaizala at verification, sent back to the move step. */
  verifyRounds: number;
  /** The attempt whose fresh verification allows the suspension; a new attempt verifies again. */
  verifiedInAttempt?: number;
  suspendRequestId?: string;
  /** From the request: Kaizala Pro holders left behind (a partial migration); > 0 = never suspend, outcome `kept`. */
  usersLeftBehind?: number;
  outcome?: KaizalaOutcome;
  /** Set while the run backs off or polls, cleared by the next step result: shown on the progress card. */
  waiting?: RunWait;
  parked?: ParkedState;
  /** Fencing token of the lease tenure that last wrote this run; a lower token may no longer write. */
  fence: number;
  owner?: string;
  /** Increases each time a worker takes the run up. */
  attempt: number;
  /** The run sleeps until then (provisioning, landing orders, back-off); the lease is free meanwhile. */
  wakeAt?: string;
  /** Consecutive transient failures of the current step. */
  transientFailures: number;
  createdAt: string;
  startedAt?: string;
  updatedAt: string;
  finishedAt?: string;
  deadlineWarnedAt?: string;
  progressMessage?: ProgressMessageRef;
  cancelledBy?: Person;
}

/** A run for an approved request, queued, with every user still to move. */
export function newRun(request: MigrationRequest, licensePath: LicensePath, nowIso: string): MigrationRun {
  const lines: RunLine[] =
    request.lines && request.lines.length > 0
      ? request.lines.map((line) => ({ skuId: line.skuId.toLowerCase(), title: line.title, quantity: line.quantity, userIds: [...new Set(line.userIds)] }))
      : [{ skuId: request.plan.skuId.toLowerCase(), title: request.plan.title, quantity: request.quantity, userIds: [...new Set(request.userIds)] }];
  return {
    id: request.id,
    requestId: request.id,
    requestCreatedAt: request.createdAt,
    version: 1,
    status: 'queued',
    step: 'purchase',
    customerId: request.customerId,
    customerName: request.customerName,
    tenantId: request.tenantId,
    kaizalaSubscriptionId: request.kaizalaSubscriptionId,
    kaizalaSkuId: request.kaizalaSkuId.toLowerCase(),
    commitmentEndDate: request.commitmentEndDate,
    plan: { ...request.plan, skuId: request.plan.skuId.toLowerCase() },
    quantity: request.quantity,
    lines,
    requester: request.requester,
    requesterLocale: request.requesterLocale,
    approver: request.decidedBy,
    licensePath,
    users: [...new Set(lines.flatMap((line) => line.userIds))].map((id) => ({ id, state: 'pending', attempts: 0 })),
    purchase: { abandonedCarts: [] },
    ...(request.usersLeftBehind ? { usersLeftBehind: request.usersLeftBehind } : {}),
    verifyRounds: 0,
    fence: 0,
    attempt: 0,
    transientFailures: 0,
    createdAt: nowIso,
    updatedAt: nowIso,
  };
}

/** A partial migration: users holding Kaizala Pro stay behind, so the subscription must stay active. */
export function keepsKaizala(run: Pick<MigrationRun, 'usersLeftBehind'>): boolean {
  return (run.usersLeftBehind ?? 0) > 0;
}

export function isFinished(run: MigrationRun): boolean {
  return run.status === 'completed' || run.status === 'cancelled';
}

/** Whether the new plan was bought (or adopted) for this run. */
export function hasPurchased(run: MigrationRun): boolean {
  return (run.purchase.orderIds?.length ?? 0) > 0;
}

/**
 * Each user's target skuIds: one per line naming them (one suite SKU, plus the Teams standalone bought next to a
 * suite without Teams).
 */
export function targetSkus(run: MigrationRun): Map<string, string[]> {
  const targets = new Map<string, string[]>();
  for (const line of run.lines) for (const userId of line.userIds) targets.set(userId, [...(targets.get(userId) ?? []), line.skuId]);
  return targets;
}

/** A checkout may have landed although no order is recorded yet. */
export function mayHavePurchased(run: MigrationRun): boolean {
  return !hasPurchased(run) && run.purchase.checkoutRequestId !== undefined;
}

export function userCounts(run: MigrationRun): { total: number; moved: number; failed: number; pending: number } {
  let moved = 0;
  let failed = 0;
  for (const user of run.users) {
    if (user.state === 'done') moved++;
    else if (user.state === 'failed') failed++;
  }
  return { total: run.users.length, moved, failed, pending: run.users.length - moved - failed };
}

const DAY_MS = 86_400_000;

/** The Kaizala term ends at the end of the UTC day of `commitmentEndDate` (inclusive). */
export function termEndMs(commitmentEndDate: string): number {
  const parsed = Date.parse(commitmentEndDate);
  if (Number.isNaN(parsed)) return Number.POSITIVE_INFINITY;
  const day = new Date(parsed);
  return Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate()) + DAY_MS - 1;
}

/** The run cannot be relied on to finish in time: the term ends within `marginDays` (or already ended). */
export function isDeadlineAtRisk(run: Pick<MigrationRun, 'commitmentEndDate'>, nowMs: number, marginDays: number): boolean {
  return nowMs >= termEndMs(run.commitmentEndDate) - marginDays * DAY_MS;
}
