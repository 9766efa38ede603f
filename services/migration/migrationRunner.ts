/**
 * The use case "run approved migrations": creates a run per approved request, and executes runs in the background
 * with a small worker pool, closest Kaizala end date first, one run per customer at a time, each owned by exactly
 * one worker through the customer's lease. Also the entry point for Retry and Cancel.
 */
import type { Person } from '../domain/people';
import type { MigrationRequest } from '../domain/request';
import type { GraphClient } from '../graph/graphClient';
import type { Logger } from '../logging';
import type { PartnerCenterClient } from '../partnerCenter/partnerCenterClient';
import { LeaseManager } from '../store/lease';
import type { Store } from '../store/store';
import { RunAuditLog } from './audit';
import { CatalogResolver } from './catalogResolver';
import { RunExecutor } from './executor';
import { toProgressView, type RunNotifier, type RunProgressView } from './notifier';
import { ProgressReporter } from './progressReporter';
import { evenPacer, systemClock, type Pacer } from '../http/pacing/pacer';
import { isFinished, mayHavePurchased, newRun, termEndMs, type MigrationRun } from './run';
import { decideCancel, decideRetry, type RunActionDecision, type RunActionRefusal, type RunActionRequest } from './runActions';
import { RunRepository } from './runRepository';
import { DEFAULT_MIGRATION_SETTINGS, type MigrationSettings } from './settings';
import { newCorrelationId, withCorrelation } from '../observability/correlation';
import { traced } from '../observability/telemetry';

export interface MigrationRunnerDependencies {
  store: Store;
  partnerCenter: PartnerCenterClient;
  graph: GraphClient;
  notifier: RunNotifier;
  logger: Logger;
  /** Who may retry or cancel a run besides its requester. */
  isApprover: (person: Person) => boolean;
  /** Defaults to a LeaseManager on `store`. */
  leases?: LeaseManager;
  /**
   * License writes per customer, per path; the composition root passes budgets shared by every instance.
   * Defaults to this process pacing at `graphAssignPerSecond` and `partnerCenterLicenseUpdatesPerSecond`.
   */
  licensePacers?: { graph: Pacer; partnerCenter: Pacer };
  now?: () => number;
  /** Abortable wait; resolves early when the signal aborts. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

export type StartRunResult =
  | { kind: 'started' | 'alreadyStarted'; runId: string }
  | { kind: 'notFound' }
  | { kind: 'notApproved'; status: string };

export type RunActionResult = { kind: 'done'; view: RunProgressView } | { kind: 'notFound' } | { kind: RunActionRefusal; view: RunProgressView };

export const CUSTOMER_LEASE_PREFIX = 'migration:customer:';

export class MigrationRunner {
  readonly settings: MigrationSettings;
  private readonly repository: RunRepository;
  private readonly leases: LeaseManager;
  private readonly reporter: ProgressReporter;
  private readonly executor: RunExecutor;
  private readonly now: () => number;
  private readonly active = new Map<string, { customerId: string; done: Promise<void> }>();
  private readonly stopController = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private lastRequestPollMs = 0;
  private pumping: Promise<void> | undefined;
  private pumpAgain = false;
  private stopped = false;

  constructor(
    private readonly deps: MigrationRunnerDependencies,
    settings: Partial<MigrationSettings> & Pick<MigrationSettings, 'ownerId'>,
  ) {
    this.settings = { ...DEFAULT_MIGRATION_SETTINGS, ...settings };
    validateSettings(this.settings);
    this.now = deps.now ?? Date.now;
    this.repository = new RunRepository(deps.store, this.now);
    this.leases = deps.leases ?? new LeaseManager(deps.store, this.now);
    this.reporter = new ProgressReporter({
      notifier: deps.notifier,
      logger: deps.logger,
      minIntervalMs: this.settings.progressMinIntervalMs,
      deadlineMarginDays: this.settings.deadlineMarginDays,
      now: this.now,
      rememberMessage: async (runId, message) => {
        await this.repository.update(runId, (run) => (run.progressMessage ? undefined : { ...run, progressMessage: message }));
      },
    });
    this.executor = new RunExecutor({
      repository: this.repository,
      audit: new RunAuditLog(deps.store),
      leases: this.leases,
      partnerCenter: deps.partnerCenter,
      graph: deps.graph,
      catalog: new CatalogResolver(deps.partnerCenter),
      limiters: deps.licensePacers ?? {
        graph: evenPacer('graphWrites', this.settings.graphAssignPerSecond, { now: this.now, sleep: systemClock.sleep }),
        partnerCenter: evenPacer('partnerCenterLicenseUpdates', this.settings.partnerCenterLicenseUpdatesPerSecond, { now: this.now, sleep: systemClock.sleep }),
      },
      notifier: deps.notifier,
      reporter: this.reporter,
      logger: deps.logger,
      settings: this.settings,
      now: this.now,
      sleep: deps.sleep ?? abortableSleep,
    });
  }

  /**
   * Creates the run of an approved request and returns at once; the work happens in the background. Calling it
   * again for the same request is harmless.
   */
  async startRun(requestId: string): Promise<StartRunResult> {
    const request = (await this.deps.store.get<MigrationRequest>('requests', requestId))?.value;
    if (!request) return { kind: 'notFound' };
    if (request.status !== 'approved') return { kind: 'notApproved', status: request.status };
    const created = await this.repository.create(newRun(request, this.settings.defaultLicensePath, new Date(this.now()).toISOString()));
    if (created) {
      this.deps.logger.info('Migration run queued', { runId: created.id, customer: created.customerName });
      this.reporter.report(created, true);
    }
    this.kick();
    return { kind: created ? 'started' : 'alreadyStarted', runId: requestId };
  }

  /** On startup: a run for every approved request that lacks one, then every unfinished run is picked up. */
  async resumeAll(): Promise<{ created: number; unfinished: number }> {
    const created = await this.createMissingRuns();
    const unfinished = (await this.repository.list()).filter((run) => !isFinished(run)).length;
    this.kick();
    return { created, unfinished };
  }

  /** Starts the background loop (due waits, runs orphaned by a dead instance, approvals whose start call was lost). */
  start(): void {
    if (this.timer || this.stopped) return;
    // Deliberately not unref'd: a started runner keeps its process alive until stop(), even while it only waits.
    this.timer = setInterval(() => this.tick(), this.settings.tickMs);
    this.kick();
  }

  /** Stops taking work, lets running runs reach their next checkpoint, frees their leases and flushes progress cards. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.stopController.abort();
    await this.pumping;
    await Promise.all([...this.active.values()].map((entry) => entry.done));
    await this.reporter.flushAll();
  }

  async getRun(runId: string): Promise<MigrationRun | undefined> {
    return this.repository.get(runId);
  }

  async view(runId: string): Promise<RunProgressView | undefined> {
    const run = await this.repository.get(runId);
    return run && this.toView(run);
  }

  async retry(request: RunActionRequest): Promise<RunActionResult> {
    const result = await this.act(request, (run, nowIso) => decideRetry(run, request, this.deps.isApprover, nowIso));
    if (result.kind === 'done') this.kick();
    return result;
  }

  async cancel(request: RunActionRequest): Promise<RunActionResult> {
    return this.act(request, (run, nowIso) => decideCancel(run, request, this.deps.isApprover, nowIso));
  }

  private async act(request: RunActionRequest, decide: (run: MigrationRun, nowIso: string) => RunActionDecision): Promise<RunActionResult> {
    let refused: RunActionRefusal | undefined;
    const nowIso = new Date(this.now()).toISOString();
    const saved = await this.repository.update(request.runId, (run) => {
      const decision = decide(run, nowIso);
      refused = decision.kind === 'change' ? undefined : decision.kind;
      return decision.kind === 'change' ? decision.run : undefined;
    });
    if (!saved) return { kind: 'notFound' };
    if (refused) return { kind: refused, view: this.toView(saved) };
    this.deps.logger.info('Migration run changed by a person', { runId: saved.id, status: saved.status, actor: request.actor.aadObjectId });
    this.reporter.report(saved, true);
    return { kind: 'done', view: this.toView(saved) };
  }

  private toView(run: MigrationRun): RunProgressView {
    return toProgressView(run, this.now(), this.settings.deadlineMarginDays);
  }

  private tick(): void {
    if (this.now() - this.lastRequestPollMs >= this.settings.requestPollMs) {
      this.lastRequestPollMs = this.now();
      this.createMissingRuns().then(
        () => this.kick(),
        (error: unknown) => this.deps.logger.warn('Could not look for approved requests', { error }),
      );
    }
    this.kick();
  }

  private async createMissingRuns(): Promise<number> {
    this.lastRequestPollMs = this.now();
    const requests = await this.deps.store.list<MigrationRequest>('requests');
    const existing = new Set((await this.repository.list()).map((run) => run.id));
    let created = 0;
    for (const { value: request } of requests) {
      if (request.status !== 'approved' || existing.has(request.id)) continue;
      const run = await this.repository.create(newRun(request, this.settings.defaultLicensePath, new Date(this.now()).toISOString()));
      if (run) {
        created++;
        this.reporter.report(run, true);
      }
    }
    return created;
  }

  /** Schedules a pump; overlapping calls collapse into one extra pass. */
  private kick(): void {
    if (this.stopped) return;
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = this.pump()
      .catch((error: unknown) => this.deps.logger.warn('Could not schedule migration runs', { error }))
      .finally(() => {
        this.pumping = undefined;
        if (this.pumpAgain) {
          this.pumpAgain = false;
          this.kick();
        }
      });
  }

  private async pump(): Promise<void> {
    if (this.stopped || this.active.size >= this.settings.concurrency) return;
    const busyCustomers = new Set([...this.active.values()].map((entry) => entry.customerId));
    const candidates = runnable(await this.repository.list(), this.now(), busyCustomers);
    for (const run of candidates) {
      if (this.stopped || this.active.size >= this.settings.concurrency) return;
      if (busyCustomers.has(run.customerId)) continue;
      const lease = await this.leases.acquire(`${CUSTOMER_LEASE_PREFIX}${run.customerId}`, this.settings.ownerId, this.settings.leaseTtlMs);
      if (!lease) continue;
      busyCustomers.add(run.customerId);
      // Each execution is one unit of work: its log lines and Partner Center / Graph calls share one correlation id.
      const done = withCorrelation(newCorrelationId(), () =>
        traced('migration.run', { 'kma.run_step': run.step }, () => this.executor.execute(run.id, lease, this.stopController.signal)),
      ).finally(() => {
        this.active.delete(run.id);
        this.kick();
      });
      this.active.set(run.id, { customerId: run.customerId, done });
    }
  }
}

/**
 * Runs that may execute now, closest Kaizala end date first. Per customer only one: a running run (even while it
 * sleeps) holds its customer, and so does a parked run whose checkout may have landed unrecorded, so that no
 * other run of the customer could take its order for its own.
 */
export function runnable(runs: MigrationRun[], nowMs: number, busyCustomers: ReadonlySet<string>): MigrationRun[] {
  const byCustomer = new Map<string, MigrationRun[]>();
  for (const run of runs) {
    if (isFinished(run) || busyCustomers.has(run.customerId)) continue;
    byCustomer.set(run.customerId, [...(byCustomer.get(run.customerId) ?? []), run]);
  }
  const picked: MigrationRun[] = [];
  for (const customerRuns of byCustomer.values()) {
    const ordered = [...customerRuns].sort(byDeadline);
    const started = ordered.filter((run) => run.status === 'running' || (run.status === 'parked' && mayHavePurchased(run)));
    const next = started.length > 0 ? started.find((run) => run.status === 'running') : ordered.find((run) => run.status === 'queued');
    if (next && (next.wakeAt === undefined || Date.parse(next.wakeAt) <= nowMs)) picked.push(next);
  }
  return picked.sort(byDeadline);
}

function byDeadline(a: MigrationRun, b: MigrationRun): number {
  return termEndMs(a.commitmentEndDate) - termEndMs(b.commitmentEndDate) || a.createdAt.localeCompare(b.createdAt);
}

function validateSettings(settings: MigrationSettings): void {
  const positive: Array<keyof MigrationSettings> = [
    'concurrency',
    'leaseTtlMs',
    'tickMs',
    'userConcurrency',
    'graphAssignPerSecond',
    'partnerCenterLicenseUpdatesPerSecond',
    'pollInitialMs',
    'pollMaxMs',
    'maxUserRounds',
  ];
  for (const name of positive) {
    const value = settings[name];
    if (typeof value !== 'number' || !(value > 0)) throw new RangeError(`Migration setting ${name} must be positive, got ${String(value)}`);
  }
  if (!settings.ownerId.trim()) throw new RangeError('Migration setting ownerId must not be empty');
}

export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const finish = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', finish);
      resolve();
    };
    const timer = setTimeout(finish, ms);
    signal.addEventListener('abort', finish, { once: true });
  });
}
