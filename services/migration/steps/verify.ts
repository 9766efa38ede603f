/**
 * Step 4: a fresh read proves the move is complete: nobody holds Kaizala Pro, its consumed units are 0, and every
 * user of the run holds every SKU bought for them (the suite, and the Teams standalone next to a suite without
 * Teams). Only then may the subscription be suspended (and the suspend step reads
 * again right before its call).
 */
import { keepsKaizala, type MigrationRun } from '../run';
import { ParkRun, type RunContext, type StepResult } from '../runContext';

export interface KaizalaCheck {
  /** Run users still holding Kaizala or lacking one of their new SKUs. */
  runUsersToMove: string[];
  /** Kaizala holders outside the run (listable on the Graph path only). */
  otherHolders: Array<{ id: string; userPrincipalName?: string }>;
  consumed: number;
}

export function isClear(check: KaizalaCheck): boolean {
  return check.runUsersToMove.length === 0 && check.otherHolders.length === 0 && check.consumed === 0;
}

export async function inspectKaizala(ctx: RunContext): Promise<KaizalaCheck> {
  const run = ctx.run;
  const licenses = ctx.clients.licenses;
  const runUserIds = run.users.map((user) => user.id);
  const inRun = new Set(runUserIds);
  const allHolders = await licenses.allHolders(run.kaizalaSkuId);
  const kaizalaInRun = allHolders
    ? new Set(allHolders.map((holder) => holder.id).filter((id) => inRun.has(id)))
    : await licenses.holdersAmong(run.kaizalaSkuId, runUserIds);
  // A user may be on two lines (a suite without Teams and its Teams standalone): every line's SKU must be there.
  const lacking = new Set<string>();
  for (const line of run.lines) {
    const holders = await licenses.holdersAmong(line.skuId, line.userIds);
    for (const id of line.userIds) if (!holders.has(id)) lacking.add(id);
  }
  const seats = await licenses.seats(run.kaizalaSkuId);
  return {
    runUsersToMove: runUserIds.filter((id) => kaizalaInRun.has(id) || lacking.has(id)),
    otherHolders: (allHolders ?? []).filter((holder) => !inRun.has(holder.id)),
    consumed: seats?.consumed ?? 0,
  };
}

export async function verifyStep(ctx: RunContext): Promise<StepResult> {
  const check = await inspectKaizala(ctx);
  // A partial migration leaves Kaizala Pro to the users it does not move: only its own users must be done.
  if (isClear(check) || (keepsKaizala(ctx.run) && check.runUsersToMove.length === 0)) {
    await ctx.save((run) => ({ ...run, verifiedInAttempt: ctx.attempt }), true);
    return { kind: 'next', step: 'suspend' };
  }
  if (check.runUsersToMove.length > 0) {
    if (ctx.run.verifyRounds >= ctx.settings.maxVerifyRounds) {
      throw new ParkRun('kaizalaStillConsumed', `${check.runUsersToMove.length} users of this request still hold Kaizala Pro or lack the new plan after ${ctx.run.verifyRounds} rounds`);
    }
    const toMove = new Set(check.runUsersToMove);
    await ctx.save((run) => backToMove(run, toMove), true);
    return { kind: 'next', step: 'moveLicenses' };
  }
  if (check.otherHolders.length > 0) {
    const names = check.otherHolders.slice(0, 5).map((holder) => holder.userPrincipalName ?? holder.id);
    throw new ParkRun(
      'otherKaizalaHolders',
      `${check.otherHolders.length} users outside this request still hold Kaizala Pro (${names.join(', ')}${check.otherHolders.length > 5 ? ', …' : ''}); suspending would cut them off`,
    );
  }
  // Consumed seats without a visible holder: directory lag, or holders this path cannot list.
  return {
    kind: 'retry',
    reason: `${check.consumed} Kaizala Pro seats still consumed`,
    park: { code: 'kaizalaStillConsumed', detail: `${check.consumed} Kaizala Pro seats are still consumed although no user of this request holds one` },
  };
}

function backToMove(run: MigrationRun, userIds: ReadonlySet<string>): MigrationRun {
  return {
    ...run,
    verifyRounds: run.verifyRounds + 1,
    verifiedInAttempt: undefined,
    users: run.users.map((user) => (userIds.has(user.id) ? { ...user, state: 'pending', problem: undefined } : user)),
  };
}
