import { StoreConflictError, type Store, type StoredItem } from '../store/store';
import type { MigrationRun } from './run';

const TABLE = 'runs';
const MAX_CAS_ROUNDS = 8;

/** A writer whose lease tenure is older than the run's last writer: it must stop before doing anything else. */
export class FencedOutError extends Error {
  constructor(
    readonly runId: string,
    readonly token: number,
    readonly currentFence: number,
  ) {
    super(`Run ${runId}: writer with fencing token ${token} is fenced out (run written under token ${currentFence})`);
    this.name = 'FencedOutError';
  }
}

/** Returns the changed run, or undefined to leave the stored run as it is. */
export type RunMutation = (run: MigrationRun) => MigrationRun | undefined;

/** The `runs` table: every write is a compare-and-set, retried on conflict against the latest version. */
export class RunRepository {
  constructor(
    private readonly store: Store,
    private readonly now: () => number = Date.now,
  ) {}

  async get(runId: string): Promise<MigrationRun | undefined> {
    return (await this.store.get<MigrationRun>(TABLE, runId))?.value;
  }

  async list(): Promise<MigrationRun[]> {
    return (await this.store.list<MigrationRun>(TABLE)).map((item) => item.value);
  }

  /** Inserts a new run; undefined when a run with that id exists already. */
  async create(run: MigrationRun): Promise<MigrationRun | undefined> {
    try {
      return (await this.store.insert(TABLE, run.id, run)).value;
    } catch (error) {
      if (error instanceof StoreConflictError) return undefined;
      throw error;
    }
  }

  /**
   * Applies `mutate` to the latest stored run and writes it with compare-and-set, re-reading and re-applying on a
   * conflict. With `fence`, a run last written under a newer lease tenure raises FencedOutError instead.
   */
  async update(runId: string, mutate: RunMutation, fence?: number): Promise<MigrationRun | undefined> {
    for (let round = 0; round < MAX_CAS_ROUNDS; round++) {
      const current: StoredItem<MigrationRun> | undefined = await this.store.get<MigrationRun>(TABLE, runId);
      if (!current) return undefined;
      if (fence !== undefined && current.value.fence > fence) throw new FencedOutError(runId, fence, current.value.fence);
      const next = mutate(structuredClone(current.value));
      if (!next) return current.value;
      const stamped: MigrationRun = { ...next, updatedAt: new Date(this.now()).toISOString() };
      if (fence !== undefined) stamped.fence = Math.max(stamped.fence, fence);
      try {
        return (await this.store.replace(TABLE, runId, stamped, current.version)).value;
      } catch (error) {
        if (!(error instanceof StoreConflictError)) throw error;
      }
    }
    throw new StoreConflictError(TABLE, runId);
  }
}
