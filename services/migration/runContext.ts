import type { GraphClient } from '../graph/graphClient';
import { isApiError } from '../http/errors';
import type { Logger } from '../logging';
import type { PartnerCenterClient } from '../partnerCenter/partnerCenterClient';
import type { RunAuditDetails, RunAuditLog } from './audit';
import type { CatalogResolver } from './catalogResolver';
import type { LeaseKeeper } from './leaseKeeper';
import type { LicenseDirectory } from './licenseDirectory';
import type { Pacer } from '../http/pacing/pacer';
import type { KaizalaOutcome, MigrationRun, ParkCode, RunStep, RunWait } from './run';
import type { RunMutation, RunRepository } from './runRepository';
import type { MigrationSettings } from './settings';

/**
 * What a step decided. `wait`: nothing wrong, check again later (the step bounds it itself, e.g. by time since the
 * order). `retry`: something failed that may clear; counted in the run (across restarts) and parked with `park`
 * once it happened `maxTransientFailures` times in a row.
 */
export type StepResult =
  | { kind: 'next'; step: RunStep }
  | { kind: 'wait'; ms: number; reason: string; retry?: { attempt: number; of: number; cause?: RunWait['cause'] } }
  | { kind: 'retry'; reason: string; park: { code: ParkCode; detail: string }; cause?: RunWait['cause'] }
  | { kind: 'complete'; outcome: KaizalaOutcome };

/** Thrown anywhere inside a step: the run parks with this reason and waits for Retry (or Cancel). */
export class ParkRun extends Error {
  constructor(
    readonly code: ParkCode,
    readonly detail: string,
  ) {
    super(`${code}: ${detail}`);
    this.name = 'ParkRun';
  }
}

export interface RunClients {
  partnerCenter: PartnerCenterClient;
  graph: GraphClient;
  catalog: CatalogResolver;
  /** The run's license path, bound to its customer. */
  licenses: LicenseDirectory;
  licenseLimiter: Pacer;
}

/**
 * Everything a step may touch for one run in one tenure: the latest run (writes are fenced by the lease's token
 * and serialized), the clients, and `sideEffect`, the only way to call something that changes the world.
 */
export class RunContext {
  private latest: MigrationRun;
  private writes: Promise<unknown> = Promise.resolve();
  private readonly pollCounts = new Map<string, number>();

  constructor(
    run: MigrationRun,
    readonly clients: RunClients,
    readonly settings: MigrationSettings,
    private readonly repository: RunRepository,
    private readonly audit: RunAuditLog,
    private readonly keeper: LeaseKeeper,
    readonly logger: Logger,
    readonly now: () => number,
    private readonly sleeper: (ms: number, signal: AbortSignal) => Promise<void>,
    private readonly stopSignal: AbortSignal,
    private readonly onSaved: (run: MigrationRun, force: boolean) => void,
  ) {
    this.latest = run;
  }

  get run(): MigrationRun {
    return this.latest;
  }

  get attempt(): number {
    return this.latest.attempt;
  }

  nowIso(): string {
    return new Date(this.now()).toISOString();
  }

  /** Fenced, serialized compare-and-set on the run; `force` pushes the progress card past its throttle. */
  async save(mutate: RunMutation, force = false): Promise<MigrationRun> {
    const write = this.writes.then(async () => {
      this.keeper.throwIfLost(this.latest.id);
      const saved = await this.repository.update(this.latest.id, mutate, this.keeper.fencingToken);
      if (!saved) throw new Error(`Run ${this.latest.id} disappeared from the store`);
      this.latest = saved;
      this.onSaved(saved, force);
      return saved;
    });
    this.writes = write.catch(() => undefined);
    return write;
  }

  /** Throws if the run must stop (lease lost or runner stopping); no store read. */
  checkpoint(): void {
    this.keeper.throwIfLost(this.latest.id);
  }

  /**
   * Runs one external side effect: the lease is verified right before it (a worker that lost its lease stops
   * here), and an audit row records the outcome with the request and correlation ids.
   */
  async sideEffect<T>(
    operation: string,
    call: () => Promise<T>,
    describe: (result: T) => { msRequestId?: string; correlationId?: string; summary: string },
    context: { userId?: string; msRequestId?: string } = {},
  ): Promise<T> {
    await this.keeper.assertHeld(this.latest.id);
    const record = (details: Omit<RunAuditDetails, 'fence' | 'owner' | 'userId'>) =>
      this.audit.record({
        at: this.nowIso(),
        customerId: this.latest.customerId,
        customerName: this.latest.customerName,
        requestId: this.latest.id,
        action: operation,
        details: { ...details, userId: context.userId, fence: this.keeper.fencingToken, owner: this.keeper.lease.owner },
      });
    let result: T;
    try {
      result = await call();
    } catch (error) {
      await record({
        outcome: 'error',
        msRequestId: isApiError(error) ? error.requestId : context.msRequestId,
        correlationId: isApiError(error) ? error.correlationId : undefined,
        summary: describeError(error),
      });
      throw error;
    }
    const described = describe(result);
    await record({ outcome: 'ok', ...described, msRequestId: described.msRequestId ?? context.msRequestId });
    return result;
  }

  /** An abortable pause inside the run; the lease keeps being renewed meanwhile. */
  async sleep(ms: number): Promise<void> {
    await this.sleeper(ms, this.stopSignal);
    this.checkpoint();
  }

  /** Order and subscription ids recorded by the customer's other runs: never adopted by this one. */
  async claimedByOtherRuns(): Promise<Set<string>> {
    const claimed = new Set<string>();
    for (const other of await this.repository.list()) {
      if (other.id === this.latest.id || other.customerId !== this.latest.customerId) continue;
      for (const orderId of other.purchase.orderIds ?? []) claimed.add(orderId);
      for (const subscriptionId of Object.values(other.newSubscriptionIds ?? {})) claimed.add(subscriptionId);
    }
    return claimed;
  }

  /** Counts consecutive polls of one kind in this tenure, for back-off. */
  nextPoll(kind: string): number {
    const count = (this.pollCounts.get(kind) ?? 0) + 1;
    this.pollCounts.set(kind, count);
    return count;
  }

  resetPolls(kind: string): void {
    this.pollCounts.delete(kind);
  }
}

export function describeError(error: unknown): string {
  if (isApiError(error)) {
    const status = error.status === undefined ? 'no response' : `HTTP ${error.status}`;
    return `${error.method} ${error.path}: ${status} ${error.code}: ${error.description}`.slice(0, 300);
  }
  return (error instanceof Error ? error.message : String(error)).slice(0, 300);
}
