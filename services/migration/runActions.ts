/**
 * Retry and Cancel of a run, with the same discipline as approvals: the handler passes ids and the card's version
 * only; the run is reloaded, the actor checked (the requester or an approver), the version compared, and the
 * change written with compare-and-set.
 */
import type { Person } from '../domain/people';
import type { LicensePath, MigrationRun } from './run';

export interface RunActionRequest {
  runId: string;
  /** The version the clicked card showed. */
  version: number;
  actor: Person;
  /** Retry only: move the licenses through this path from now on (e.g. Partner Center when Graph access is missing). */
  licensePath?: LicensePath;
}

export type RunActionRefusal = 'forbidden' | 'stale' | 'notAllowed';

export type RunActionDecision = { kind: 'change'; run: MigrationRun } | { kind: RunActionRefusal };

export function isRequesterOrApprover(run: MigrationRun, actor: Person, isApprover: (person: Person) => boolean): boolean {
  return actor.aadObjectId === run.requester.aadObjectId || isApprover(actor);
}

function refusal(run: MigrationRun, request: RunActionRequest, isApprover: (person: Person) => boolean): RunActionRefusal | undefined {
  if (!isRequesterOrApprover(run, request.actor, isApprover)) return 'forbidden';
  if (run.version !== request.version) return 'stale';
  return undefined;
}

/** A parked run goes back to work: failed users are tried again, and a cancelled order is bought anew. */
export function decideRetry(
  run: MigrationRun,
  request: RunActionRequest,
  isApprover: (person: Person) => boolean,
  nowIso: string,
): RunActionDecision {
  const refused = refusal(run, request, isApprover);
  if (refused) return { kind: refused };
  if (run.status !== 'parked') return { kind: 'notAllowed' };
  const orderFailed = run.parked?.code === 'orderFailed';
  return {
    kind: 'change',
    run: {
      ...run,
      status: 'running',
      version: run.version + 1,
      parked: undefined,
      wakeAt: undefined,
      transientFailures: 0,
      verifyRounds: 0,
      licensePath: request.licensePath ?? run.licensePath,
      users: run.users.map((user) => (user.state === 'failed' ? { id: user.id, state: 'pending', attempts: user.attempts, upn: user.upn } : user)),
      purchase: orderFailed
        ? {
            country: run.purchase.country,
            abandonedCarts: [
              ...run.purchase.abandonedCarts,
              ...(run.purchase.cartId ? [{ cartId: run.purchase.cartId, reason: `order ${(run.purchase.orderIds ?? []).join(', ')} cancelled` }] : []),
            ],
          }
        : { ...run.purchase, landingSince: run.purchase.landingSince === undefined ? undefined : nowIso },
      step: orderFailed ? 'purchase' : run.step,
      newSubscriptionIds: orderFailed ? undefined : run.newSubscriptionIds,
    },
  };
}

/**
 * A queued or parked run stops for good. Safe before the purchase; afterwards the card states what was bought (or
 * may have been), and nothing is undone: users already moved keep the new plan, the others keep Kaizala Pro.
 */
export function decideCancel(run: MigrationRun, request: RunActionRequest, isApprover: (person: Person) => boolean, nowIso: string): RunActionDecision {
  const refused = refusal(run, request, isApprover);
  if (refused) return { kind: refused };
  if (run.status !== 'parked' && run.status !== 'queued') return { kind: 'notAllowed' };
  return {
    kind: 'change',
    run: { ...run, status: 'cancelled', version: run.version + 1, wakeAt: undefined, finishedAt: nowIso, cancelledBy: request.actor },
  };
}
