/**
 * Step 5: suspend the Kaizala Pro subscription — never before a verification of this same attempt passed, and
 * only after a fresh re-verification right before the call. After the term has ended there is nothing to
 * suspend: the run reports that instead. A partial migration (users left behind) completes here without suspending.
 */
import { randomUUID } from 'node:crypto';
import { hasErrorCode } from '../../http/errors';
import { POLL_TIMED_OUT_CODE } from '../../partnerCenter/partnerCenterClient';
import { keepsKaizala, termEndMs } from '../run';
import { ParkRun, describeError, type RunContext, type StepResult } from '../runContext';
import { inspectKaizala, isClear } from './verify';

export async function suspendStep(ctx: RunContext): Promise<StepResult> {
  const run = ctx.run;
  const pc = ctx.clients.partnerCenter;
  if (run.verifiedInAttempt !== ctx.attempt) return { kind: 'next', step: 'verify' };
  // A partial migration promised the users left behind their Kaizala Pro until it ends: never suspended.
  if (keepsKaizala(run)) return { kind: 'complete', outcome: 'kept' };
  if (ctx.now() > termEndMs(run.commitmentEndDate)) return { kind: 'complete', outcome: 'termEnded' };

  const subscription = await pc.getSubscription(run.customerId, run.kaizalaSubscriptionId);
  const status = subscription.status.toLowerCase();
  if (status === 'suspended') return { kind: 'complete', outcome: run.suspendRequestId ? 'suspended' : 'alreadySuspended' };
  if (status !== 'active') return { kind: 'complete', outcome: 'termEnded' };

  if (!isClear(await inspectKaizala(ctx))) {
    await ctx.save((latest) => ({ ...latest, verifiedInAttempt: undefined }));
    return { kind: 'next', step: 'verify' };
  }

  const requestId = run.suspendRequestId ?? randomUUID();
  if (!run.suspendRequestId) await ctx.save((latest) => ({ ...latest, suspendRequestId: requestId }));
  try {
    await ctx.sideEffect(
      'suspendSubscription',
      () => pc.suspendSubscription(run.customerId, run.kaizalaSubscriptionId, requestId),
      (result) => ({
        msRequestId: result.requestId,
        correlationId: result.correlationId,
        summary: `subscription ${run.kaizalaSubscriptionId} is ${result.data.status}`,
      }),
      { msRequestId: requestId },
    );
  } catch (error) {
    if (hasErrorCode(error, '800082', '900278', POLL_TIMED_OUT_CODE)) {
      // Not ready or a change still pending: read again later (an answer came, so the next PATCH gets a new id).
      await ctx.save((latest) => ({ ...latest, suspendRequestId: undefined }));
      return {
        kind: 'retry',
        reason: `suspension not possible yet: ${error.code}`,
        park: { code: 'suspendRefused', detail: `Partner Center keeps answering ${error.code} (not ready or a change pending); try again later` },
      };
    }
    if (hasErrorCode(error, '800096', '2011', '800091')) {
      const now = await pc.getSubscription(run.customerId, run.kaizalaSubscriptionId);
      if (now.status.toLowerCase() === 'suspended') return { kind: 'complete', outcome: 'suspended' };
      throw new ParkRun('suspendRefused', `${describeError(error)}; the subscription is ${now.status}`);
    }
    throw error;
  }
  return { kind: 'complete', outcome: 'suspended' };
}
