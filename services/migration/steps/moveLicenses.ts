/**
 * Step 3: per user, one call that adds the new plan and removes Kaizala Pro, then a read-back that decides what is
 * really there. Nobody is ever left without a license: Kaizala is removed only from a user holding the new plan or
 * in the same call that adds it. A user done is persisted at once, so a crash never repeats their call, and a
 * repeated call could not change anything anyway: every call is chosen from a fresh read.
 */
import { randomUUID } from 'node:crypto';
import { parseErrorData } from '../../http/errorBody';
import { errorNamesOf, isApiError, isAuthFailure, type ApiError } from '../../http/errors';
import type { LicenseChange, UserLicenses } from '../licenseDirectory';
import { targetSkus, type MigrationRun, type UserProblemCode, type UserProgress } from '../run';
import { ParkRun, describeError, type RunContext, type StepResult } from '../runContext';
import { seatBalance } from './provisioning';

type UserOutcome = 'done' | 'failed' | 'retryLater';

export async function moveLicensesStep(ctx: RunContext): Promise<StepResult> {
  const pending = ctx.run.users.filter((user) => user.state === 'pending').map((user) => user.id);
  for (const line of ctx.run.lines) {
    const { free, needed } = await seatBalance(ctx, line);
    if (needed > free) throw new ParkRun('notEnoughSeats', `${free} free ${line.title} seats for ${needed} users still to move`);
  }

  const targets = targetSkus(ctx.run);
  const retryLater = await forEachUser(ctx, pending, targets);
  const failed = ctx.run.users.filter((user) => user.state === 'failed');
  const names = failed.map((user) => user.upn ?? user.id).slice(0, 5);
  const summary = `${failed.length} of ${ctx.run.users.length} users could not be moved (${names.join(', ')}${failed.length > 5 ? ', …' : ''})`;
  if (retryLater.length > 0) {
    return {
      kind: 'retry',
      reason: `${retryLater.length} users hit transient errors`,
      park: { code: 'usersNeedAttention', detail: `${summary}; ${retryLater.length} kept failing transiently` },
      cause: { service: ctx.clients.licenses.path, users: retryLater.length },
    };
  }
  if (failed.length > 0) throw new ParkRun('usersNeedAttention', `${summary}; everyone else moved, Kaizala stays active`);
  return { kind: 'next', step: 'verify' };
}

/** Moves users with a small pool; the first error that must stop the run (park, lease) stops the others too. */
async function forEachUser(ctx: RunContext, userIds: string[], targets: ReadonlyMap<string, string[]>): Promise<string[]> {
  const queue = [...userIds];
  const retryLater: string[] = [];
  let stopping: unknown;
  const worker = async () => {
    while (queue.length > 0 && stopping === undefined) {
      const userId = queue.shift() as string;
      try {
        if ((await moveUser(ctx, userId, targets.get(userId) ?? [ctx.run.plan.skuId])) === 'retryLater') retryLater.push(userId);
      } catch (error) {
        stopping ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(ctx.settings.userConcurrency, queue.length) }, worker));
  if (stopping !== undefined) throw stopping;
  return retryLater;
}

/** `newSkus`: the user's new plan, and the Teams standalone bought with a suite without Teams; all of them count as "new". */
async function moveUser(ctx: RunContext, userId: string, newSkus: readonly string[]): Promise<UserOutcome> {
  const { licenses, licenseLimiter } = ctx.clients;
  const kaizala = ctx.run.kaizalaSkuId;
  let lastError: { transient: boolean; text: string; triedToAdd: boolean } | undefined;
  // Graph calls are not persisted one by one (the read-back makes them safe); their count lands with the outcome.
  let unpersistedCalls = 0;
  // Partner Center shows no group inheritance on licenses: a refused removal teaches it, then the loop goes on as on Graph.
  let kaizalaInheritedPerError = false;
  const finish = (outcome: 'done' | UserProblemCode, detail = '', held?: UserLicenses): Promise<UserOutcome> =>
    outcome === 'done' ? done(ctx, userId, unpersistedCalls) : fail(ctx, userId, outcome, detail, held, unpersistedCalls);

  for (let round = 1; ; round++) {
    ctx.checkpoint();
    const held = await licenses.readUser(userId);
    if (!held.exists) return finish('userNotFound', 'the user no longer exists in the tenant');
    const missing = newSkus.filter((skuId) => !held.skuIds.has(skuId));
    const hasNew = missing.length === 0;
    const hasKaizala = held.skuIds.has(kaizala);
    const kaizalaFromGroupOnly = hasKaizala && (held.inheritedOnly.has(kaizala) || kaizalaInheritedPerError);
    if (hasNew && !hasKaizala) return finish('done');
    if (hasNew && kaizalaFromGroupOnly) {
      return finish('groupInherited', 'holds the new plan; Kaizala Pro comes from a group and must be removed from the group', held);
    }
    if (!hasNew && held.usageLocation === null) {
      return finish('noUsageLocation', 'no usage location: set it in the admin center, then Retry', held);
    }
    if (!hasNew && lastError && !lastError.transient && lastError.triedToAdd) {
      // Graph says "no seats" only in its message text; the seat count tells without parsing text.
      for (const skuId of missing) {
        const seats = await licenses.seats(skuId);
        const free = (seats?.enabled ?? 0) - (seats?.consumed ?? 0);
        if (free < 1) throw new ParkRun('notEnoughSeats', `no free seats of ${lineTitle(ctx.run, skuId)} left: ${lastError.text}`);
      }
    }
    if (round > ctx.settings.maxUserRounds) {
      if (lastError?.transient) return 'retryLater';
      const code: UserProblemCode = hasKaizala && !hasNew ? 'stuck' : 'rejected';
      return finish(code, lastError?.text ?? `still holds ${describeHeld(hasNew, hasKaizala)} after ${round - 1} calls`, held);
    }

    const change: LicenseChange = {
      add: hasNew ? undefined : missing,
      // Never remove Kaizala from a user lacking the new plan unless this very call adds it.
      remove: hasKaizala && !kaizalaFromGroupOnly ? kaizala : undefined,
    };
    const requestId = randomUUID();
    if (licenses.path === 'partnerCenter') {
      await ctx.save((run) => withUser(run, userId, (user) => ({ ...user, attempts: user.attempts + 1, requestId })));
    }
    else unpersistedCalls++;
    await licenseLimiter.acquire(ctx.run.customerId);
    try {
      await ctx.sideEffect(
        licenses.path === 'graph' ? 'assignLicense' : 'licenseUpdates',
        () => licenses.change(userId, change, requestId),
        (result) => ({
          msRequestId: licenses.path === 'partnerCenter' ? result.requestId : undefined,
          correlationId: result.correlationId,
          summary: `user ${userId}: add [${(change.add ?? []).join(', ')}] remove [${change.remove ?? ''}]`,
        }),
        { userId, msRequestId: licenses.path === 'partnerCenter' ? requestId : undefined },
      );
      lastError = undefined;
    } catch (error) {
      const understood = understandFailure(error);
      if ('noSeats' in understood) {
        throw new ParkRun('notEnoughSeats', `no free seats of ${missing.map((skuId) => lineTitle(ctx.run, skuId)).join(', ')} left: ${understood.text}`);
      }
      if ('problem' in understood && understood.problem === 'groupInherited' && change.remove !== undefined) {
        kaizalaInheritedPerError = true;
        continue;
      }
      if ('problem' in understood) return finish(understood.problem, understood.text, held);
      lastError = { ...understood, triedToAdd: change.add !== undefined };
    }
  }
}

export type Understood = { problem: UserProblemCode; text: string } | { noSeats: true; text: string } | { transient: boolean; text: string };

/**
 * Classifies a failed license call: no seats (stops the run), a user problem, or an error the read-back settles
 * (`retryable` already carries the service's `isRetryable` when it sends one). Throws what must stop the run.
 */
export function understandFailure(error: unknown): Understood {
  if (!isApiError(error) || isAuthFailure(error)) throw error;
  const text = describeError(error);
  const reason = licenseErrorReason(error);
  if (reason === 'noSeats') return { noSeats: true, text };
  if (reason) return { problem: reason, text };
  return { transient: error.retryable, text };
}

const QUOTA_EXCEEDED = /^LicenseQuotaExceeded/i;
const NO_SEATS_CODE = '60012';
const USAGE_LOCATION = /usage\s*location/i;

/**
 * What a license error says, read the documented way first: code 60012 and the `"LicenseQuotaExceededException :
 * …"` data entry (assign-licenses-to-a-user), or `errorName`. Microsoft documents no name for a missing usage
 * location or a group-inherited license; both are caught by the pre-read above, and otherwise recognised from the
 * service's words (a public report shows "License assignment cannot be done for user with invalid usage location.").
 */
export function licenseErrorReason(error: ApiError): 'noSeats' | 'noUsageLocation' | 'groupInherited' | undefined {
  const entries = parseErrorData(error.data);
  const names = errorNamesOf(error);
  if (error.code === NO_SEATS_CODE || names.some((name) => QUOTA_EXCEEDED.test(name))) return 'noSeats';
  const words = [...names, ...entries.map((entry) => entry.message), error.description];
  if (words.some((text) => USAGE_LOCATION.test(text))) return 'noUsageLocation';
  if (words.some((text) => /inherit/i.test(text) && /group/i.test(text))) return 'groupInherited';
  return undefined;
}

async function done(ctx: RunContext, userId: string, calls: number): Promise<UserOutcome> {
  await ctx.save((run) => withUser(run, userId, (user) => ({ id: user.id, state: 'done', attempts: user.attempts + calls })));
  return 'done';
}

async function fail(
  ctx: RunContext,
  userId: string,
  code: UserProblemCode,
  detail: string,
  held: UserLicenses | undefined,
  calls: number,
): Promise<UserOutcome> {
  await ctx.save((run) =>
    withUser(run, userId, (user) => ({
      ...user,
      attempts: user.attempts + calls,
      state: 'failed',
      requestId: undefined,
      upn: held?.userPrincipalName ?? user.upn,
      problem: { code, detail: detail.slice(0, 200) },
    })),
  );
  return 'failed';
}

function withUser(run: MigrationRun, userId: string, change: (user: UserProgress) => UserProgress): MigrationRun {
  return { ...run, users: run.users.map((user) => (user.id === userId ? change(user) : user)) };
}

function describeHeld(hasNew: boolean, hasKaizala: boolean): string {
  if (hasNew && hasKaizala) return 'both licenses';
  if (hasKaizala) return 'only Kaizala Pro';
  return 'neither license';
}

function lineTitle(run: MigrationRun, skuId: string): string {
  return run.lines.find((line) => line.skuId === skuId)?.title ?? skuId;
}
