/**
 * A budget every bot instance shares through the store: one row per budget and key holds the cell-rate state
 * (`BudgetState`), changed only by compare-and-set, so two instances can never book the same slot. To keep store
 * traffic small an instance books its waiting callers' slots in batches (at most `horizonMs` of slots at once) and
 * books the next batch only when the last one is nearly used, so it never holds slots far ahead of the others.
 * A pause (429 with Retry-After) is written to the row; the other instances see it on their next booking, at the
 * latest `horizonMs` plus one store round trip later, and callers holding earlier slots book again.
 */
import { StoreConflictError, type Store } from '../../store/store';
import { bookSlots, cellsOf, DEFAULT_HEADROOM, emptyBudgetState, systemClock, type BudgetSpec, type BudgetState, type Cell, type Clock, type Pacer } from './pacer';

const TABLE = 'meta';
/** Booking rounds lost to other instances before giving up (each loss means someone else booked: progress). */
const MAX_CONFLICTS = 50;

export interface SharedPacerOptions {
  headroom?: number;
  clock?: Clock;
  /** Longest stretch of slots booked in one round; also bounds how late another instance sees a pause. */
  horizonMs?: number;
}

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

export class SharedPacer implements Pacer {
  private readonly cells: Cell[];
  private readonly clock: Clock;
  private readonly horizonMs: number;
  private readonly queues = new Map<string, Waiter[]>();
  private readonly pumping = new Set<string>();
  /** The latest pause seen per key (own or read from the row). */
  private readonly pausedUntil = new Map<string, number>();

  constructor(
    private readonly store: Store,
    readonly spec: BudgetSpec,
    options: SharedPacerOptions = {},
  ) {
    this.cells = cellsOf(spec, options.headroom ?? DEFAULT_HEADROOM);
    this.clock = options.clock ?? systemClock;
    this.horizonMs = options.horizonMs ?? 250;
  }

  acquire(key: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue(key).push({ resolve, reject });
      this.startPump(key);
    });
  }

  async pause(key: string, untilMs: number): Promise<void> {
    this.notePause(key, untilMs);
    await this.update(key, (state) => (state.pausedUntil >= untilMs ? undefined : { ...state, pausedUntil: untilMs }));
  }

  private queue(key: string): Waiter[] {
    let queue = this.queues.get(key);
    if (!queue) {
      queue = [];
      this.queues.set(key, queue);
    }
    return queue;
  }

  private startPump(key: string): void {
    if (this.pumping.has(key)) return;
    this.pumping.add(key);
    this.pump(key).catch((error: unknown) => {
      // The store failed: the waiting calls fail with it rather than go out unpaced.
      this.pumping.delete(key);
      for (const waiter of this.queue(key).splice(0)) waiter.reject(error);
    });
  }

  /** Books slots for the waiting callers, a batch per store round, until nobody waits. */
  private async pump(key: string): Promise<void> {
    const queue = this.queue(key);
    while (queue.length > 0) {
      let slots: number[] = [];
      await this.update(key, (state, now) => {
        const booked = bookSlots(state, this.cells, now, queue.length, this.horizonMs);
        slots = booked.slots;
        return booked.state;
      });
      for (const [i, waiter] of queue.splice(0, slots.length).entries()) this.release(key, waiter, slots[i]);
      const untilLast = slots[slots.length - 1] - this.horizonMs - this.clock.now();
      if (untilLast > 0) await this.clock.sleep(untilLast);
    }
    // In the same synchronous step as the last check, so a caller arriving now starts a new pump.
    this.queues.delete(key);
    this.pumping.delete(key);
  }

  private release(key: string, waiter: Waiter, slot: number): void {
    const wait = slot - this.clock.now();
    const go = (): void => {
      if (slot < (this.pausedUntil.get(key) ?? 0)) {
        // Paused after this slot was booked: book again behind the pause.
        this.queue(key).unshift(waiter);
        this.startPump(key);
      } else {
        waiter.resolve();
      }
    };
    if (wait <= 0) go();
    else this.clock.sleep(wait).then(go, waiter.reject);
  }

  /**
   * Read-modify-write of the key's row with compare-and-set; `change` returns the new state or undefined for no
   * write. Retries when another instance wrote in between.
   */
  private async update(key: string, change: (state: BudgetState, now: number) => BudgetState | undefined): Promise<void> {
    const rowKey = `pace:${this.spec.name}:${key}`;
    for (let conflicts = 0; ; conflicts++) {
      const current = await this.store.get<BudgetState>(TABLE, rowKey);
      const state = current ? normalized(current.value, this.cells) : emptyBudgetState(this.cells);
      this.notePause(key, state.pausedUntil);
      const next = change(state, this.clock.now());
      if (next === undefined) return;
      try {
        if (current) await this.store.replace(TABLE, rowKey, next, current.version);
        else await this.store.insert(TABLE, rowKey, next);
        return;
      } catch (error) {
        if (!(error instanceof StoreConflictError) || conflicts >= MAX_CONFLICTS) throw error;
      }
    }
  }

  private notePause(key: string, untilMs: number): void {
    if (untilMs > (this.pausedUntil.get(key) ?? 0)) this.pausedUntil.set(key, untilMs);
  }
}

/** A row written with other rules (another version of the bot) keeps what fits and starts the rest fresh. */
function normalized(value: BudgetState, cells: readonly Cell[]): BudgetState {
  const tat = cells.map((_, i) => (typeof value.tat?.[i] === 'number' ? value.tat[i] : 0));
  return { tat, pausedUntil: typeof value.pausedUntil === 'number' ? value.pausedUntil : 0 };
}
