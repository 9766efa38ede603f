/**
 * Drives one run through its steps while this worker holds the customer's lease: each step's result is persisted
 * (compare-and-set, fenced by the lease token) before the next begins, so a crash anywhere resumes from the last
 * persisted state. Errors are classified once, here: park, wait and retry, or stop.
 */
import type { GraphClient } from '../graph/graphClient';
import { isApiError, isAuthFailure, isTokenAcquisitionError } from '../http/errors';
import type { Logger } from '../logging';
import type { PartnerCenterClient } from '../partnerCenter/partnerCenterClient';
import { LeaseLostError, type Lease, type LeaseManager } from '../store/lease';
import type { RunAuditLog } from './audit';
import type { CatalogResolver } from './catalogResolver';
import { LeaseKeeper, RunStoppedError } from './leaseKeeper';
import { createLicenseDirectory } from './licenseDirectory';
import { toProgressView, toSummaryView, type RunNotifier } from './notifier';
import type { ProgressReporter } from './progressReporter';
import type { Pacer } from '../http/pacing/pacer';
import { isDeadlineAtRisk, type KaizalaOutcome, type MigrationRun, type ParkCode, type RunStep, type RunWait } from './run';
import { ParkRun, RunContext, describeError, type StepResult } from './runContext';
import { FencedOutError, type RunRepository } from './runRepository';
import { backoffMs, type MigrationSettings } from './settings';
import { moveLicensesStep } from './steps/moveLicenses';
import { provisioningStep } from './steps/provisioning';
import { purchaseStep } from './steps/purchase';
import { suspendStep } from './steps/suspend';
import { verifyStep } from './steps/verify';
import { telemetry } from '../observability/telemetry';

type Step = (ctx: RunContext) => Promise<StepResult>;

const STEPS: Record<Exclude<RunStep, 'completed'>, Step> = {
  purchase: purchaseStep,
  provisioning: provisioningStep,
  moveLicenses: moveLicensesStep,
  verify: verifyStep,
  suspend: suspendStep,
};

export interface ExecutorDependencies {
  repository: RunRepository;
  audit: RunAuditLog;
  leases: LeaseManager;
  partnerCenter: PartnerCenterClient;
  graph: GraphClient;
  catalog: CatalogResolver;
  limiters: { graph: Pacer; partnerCenter: Pacer };
  notifier: RunNotifier;
  reporter: ProgressReporter;
  logger: Logger;
  settings: MigrationSettings;
  now: () => number;
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
}

export class RunExecutor {
  constructor(private readonly deps: ExecutorDependencies) {}

  /** Executes the run until it completes, parks, sleeps or this worker must stop; always frees the lease. */
  async execute(runId: string, lease: Lease, stopSignal: AbortSignal): Promise<void> {
    const { logger } = this.deps;
    const keeper = new LeaseKeeper(this.deps.leases, lease, logger, stopSignal);
    try {
      const claimed = await this.claim(runId, lease);
      if (!claimed) return;
      const ctx = this.context(claimed, keeper, stopSignal);
      await this.drive(ctx);
    } catch (error) {
      if (error instanceof LeaseLostError || error instanceof FencedOutError) {
        logger.warn('Migration run handed over: this worker lost its lease', { runId, error: error.message });
      } else if (error instanceof RunStoppedError) {
        logger.info('Migration run paused for shutdown', { runId });
      } else {
        logger.error('Migration run stopped without recording why (is the store reachable?); it resumes later', { runId, error });
      }
    } finally {
      await keeper.release().catch((error: unknown) => logger.warn('Could not release a migration lease', { runId, error }));
    }
  }

  /** Takes the run up under this tenure: fence, owner and attempt; a run no longer runnable is left alone. */
  private async claim(runId: string, lease: Lease): Promise<MigrationRun | undefined> {
    const nowIso = new Date(this.deps.now()).toISOString();
    let started = false;
    const claimed = await this.deps.repository.update(
      runId,
      (run) => {
        if (run.status !== 'queued' && run.status !== 'running') return undefined;
        started = true;
        return {
          ...run,
          status: 'running',
          version: run.status === 'queued' ? run.version + 1 : run.version,
          fence: lease.fencingToken,
          owner: lease.owner,
          attempt: run.attempt + 1,
          startedAt: run.startedAt ?? nowIso,
          wakeAt: undefined,
        };
      },
      lease.fencingToken,
    );
    if (!claimed || !started) return undefined;
    this.deps.reporter.report(claimed, true);
    return claimed;
  }

  private context(run: MigrationRun, keeper: LeaseKeeper, stopSignal: AbortSignal): RunContext {
    const { deps } = this;
    const licenses = createLicenseDirectory(run.licensePath, deps, run);
    return new RunContext(
      run,
      {
        partnerCenter: deps.partnerCenter,
        graph: deps.graph,
        catalog: deps.catalog,
        licenses,
        licenseLimiter: run.licensePath === 'graph' ? deps.limiters.graph : deps.limiters.partnerCenter,
      },
      deps.settings,
      deps.repository,
      deps.audit,
      keeper,
      deps.logger,
      deps.now,
      deps.sleep,
      stopSignal,
      (saved, force) => deps.reporter.report(saved, force),
    );
  }

  private async drive(ctx: RunContext): Promise<void> {
    for (;;) {
      ctx.checkpoint();
      const run = ctx.run;
      if (run.status !== 'running' || run.step === 'completed') return;
      await this.warnIfLate(ctx);
      let result: StepResult | { kind: 'park'; code: ParkCode; detail: string };
      try {
        result = await STEPS[run.step](ctx);
      } catch (error) {
        result = this.classify(ctx, error);
      }
      const stepRan = run.step;
      if (result.kind === 'retry') telemetry.runStepFinished(stepRan, 'retried');
      else if (result.kind === 'park') telemetry.runStepFinished(stepRan, 'failed');
      else if (result.kind === 'next' || result.kind === 'complete') telemetry.runStepFinished(stepRan, 'done');
      if (result.kind === 'retry') result = await this.countRetry(ctx, result);
      else if (ctx.run.transientFailures > 0 && (result.kind === 'next' || result.kind === 'wait')) {
        await ctx.save((latest) => ({ ...latest, transientFailures: 0 }));
      }
      // The card stops saying "waiting" once the step moved on (a new wait below replaces it instead).
      if (result.kind !== 'wait' && ctx.run.waiting) await ctx.save((latest) => ({ ...latest, waiting: undefined }));
      switch (result.kind) {
        case 'next':
          if (result.step !== ctx.run.step) await ctx.save((latest) => ({ ...latest, step: result.step }), true);
          break;
        case 'wait': {
          const waiting = waitOf(result, this.deps.now());
          if (result.ms <= this.deps.settings.inlineWaitMaxMs) {
            ctx.logger.debug('Migration run waits', { runId: run.id, step: run.step, ms: result.ms, reason: result.reason });
            // Not forced: the progress card shows the wait within its usual throttle.
            await ctx.save((latest) => ({ ...latest, waiting }));
            await ctx.sleep(result.ms);
            break;
          }
          await ctx.save((latest) => ({ ...latest, waiting, wakeAt: waiting.until }), true);
          ctx.logger.info('Migration run sleeps', { runId: run.id, step: run.step, until: ctx.run.wakeAt, reason: result.reason });
          return;
        }
        case 'park':
          await this.park(ctx, result.code, result.detail);
          return;
        case 'complete':
          await this.complete(ctx, result.outcome);
          return;
      }
    }
  }

  /** A failure that may clear: wait with back-off, or park once it happened too often in a row (counted in the run). */
  private async countRetry(
    ctx: RunContext,
    retry: Extract<StepResult, { kind: 'retry' }>,
  ): Promise<Extract<StepResult, { kind: 'wait' }> | { kind: 'park'; code: ParkCode; detail: string }> {
    const saved = await ctx.save((run) => ({ ...run, transientFailures: run.transientFailures + 1 }));
    const failures = saved.transientFailures;
    if (failures > this.deps.settings.maxTransientFailures) {
      return { kind: 'park', code: retry.park.code, detail: `${retry.park.detail} (${failures - 1} retries; last: ${retry.reason})` };
    }
    ctx.logger.warn('Migration step will be retried', { runId: saved.id, step: saved.step, failures, reason: retry.reason });
    return {
      kind: 'wait',
      ms: backoffMs(this.deps.settings, failures),
      reason: retry.reason,
      retry: { attempt: failures, of: this.deps.settings.maxTransientFailures, cause: retry.cause },
    };
  }

  /** Maps a step's error to what happens next; rethrows what means "stop now" (lease lost, shutdown, store down). */
  private classify(ctx: RunContext, error: unknown): StepResult | { kind: 'park'; code: ParkCode; detail: string } {
    if (error instanceof LeaseLostError || error instanceof FencedOutError || error instanceof RunStoppedError) throw error;
    if (error instanceof ParkRun) return { kind: 'park', code: error.code, detail: error.detail };
    if (isAuthFailure(error)) {
      // Never retried: the identity lacks a right in this customer's tenant. A human must grant it.
      return { kind: 'park', code: 'accessDenied', detail: `${ctx.run.customerName}: ${describeError(error)}` };
    }
    const transient = (isApiError(error) && error.retryable) || (isTokenAcquisitionError(error) && error.retryable);
    if (transient) {
      return {
        kind: 'retry',
        reason: describeError(error),
        park: { code: 'transientFailures', detail: `the ${ctx.run.step} step kept failing` },
        cause: isApiError(error) ? { service: error.service, status: error.status } : undefined,
      };
    }
    if (isApiError(error)) return { kind: 'park', code: 'rejected', detail: describeError(error) };
    // A bug or an answer we cannot read: retrying on every tick would only repeat it. (If the store itself is
    // down, writing the park fails too and the run simply resumes later.)
    ctx.logger.error('Unexpected error in a migration step', { runId: ctx.run.id, step: ctx.run.step, error });
    return { kind: 'park', code: 'internalError', detail: describeError(error) };
  }

  private async park(ctx: RunContext, code: ParkCode, detail: string): Promise<void> {
    const at = new Date(this.deps.now()).toISOString();
    await ctx.save(
      (run) => ({ ...run, status: 'parked', version: run.version + 1, parked: { code, detail, step: run.step, at }, wakeAt: undefined }),
      true,
    );
    ctx.logger.warn('Migration run parked', { runId: ctx.run.id, customer: ctx.run.customerName, step: ctx.run.step, code, detail });
  }

  private async complete(ctx: RunContext, outcome: KaizalaOutcome): Promise<void> {
    const at = new Date(this.deps.now()).toISOString();
    const saved = await ctx.save(
      (run) => ({
        ...run,
        status: 'completed',
        step: 'completed',
        version: run.version + 1,
        outcome,
        finishedAt: at,
        parked: undefined,
        wakeAt: undefined,
        suspendRequestId: undefined,
      }),
      true,
    );
    ctx.logger.info('Migration run completed', { runId: saved.id, customer: saved.customerName, outcome });
    try {
      await this.deps.notifier.completed(toSummaryView(saved, this.deps.now(), this.deps.settings.deadlineMarginDays));
    } catch (error) {
      ctx.logger.warn('Could not send the migration summary', { runId: saved.id, error });
    }
  }

  /** Warns the requester once when the Kaizala term ends within the margin (the run carries on regardless). */
  private async warnIfLate(ctx: RunContext): Promise<void> {
    const { settings, now, notifier } = this.deps;
    if (ctx.run.deadlineWarnedAt || !isDeadlineAtRisk(ctx.run, now(), settings.deadlineMarginDays)) return;
    const saved = await ctx.save((run) => ({ ...run, deadlineWarnedAt: new Date(now()).toISOString() }), true);
    try {
      await notifier.deadlineAtRisk(toProgressView(saved, now(), settings.deadlineMarginDays));
    } catch (error) {
      ctx.logger.warn('Could not send the deadline warning', { runId: saved.id, error });
    }
  }
}

/** What the progress card says while the run waits: the reason, the retry count, the time of the next attempt. */
function waitOf(result: Extract<StepResult, { kind: 'wait' }>, nowMs: number): RunWait {
  return {
    kind: result.retry ? 'retry' : 'poll',
    reason: result.reason,
    ...(result.retry ? { attempt: result.retry.attempt, of: result.retry.of, ...(result.retry.cause ? { cause: result.retry.cause } : {}) } : {}),
    until: new Date(nowMs + result.ms).toISOString(),
  };
}
