/**
 * The one home of pacing: a budget per external limit (Partner Center per partner, Graph writes per customer
 * tenant, Teams sends per tenant and per conversation), and the `Pacer` interface callers wait on before each
 * call. Pacing spaces calls just under the published limit (times a headroom), so a 429 is the exception and not
 * the way the limit is found. Two implementations share the slot arithmetic below: `InProcessPacer` (one process)
 * and `SharedPacer` (every instance on one store).
 */

/** A published limit: at most `limit` calls in any window of `windowMs`. */
export interface RateRule {
  limit: number;
  windowMs: number;
  /** Calls allowed back to back before the steady pace applies; 1 (the default) spaces every call evenly. */
  burst?: number;
}

/** One external limit; keys split it (one budget row per partner tenant, customer tenant or conversation). */
export interface BudgetSpec {
  /** Names the budget in the store; every instance must use the same name and rules. */
  name: string;
  rules: readonly RateRule[];
}

/** Waits for slots of one budget; implementations decide whether the budget is this process's or everyone's. */
export interface Pacer {
  /** Waits until a call under `key` may go, and takes its slot. */
  acquire(key: string): Promise<void>;
  /** The service answered 429: no call under `key` (by anyone sharing the budget) before `untilMs`. */
  pause(key: string, untilMs: number): Promise<void>;
}

/** Time as the pacers see it; tests pass a virtual clock. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * Fraction of each published limit the bot plans to use (RATE_HEADROOM). 0.98 keeps 2 % for clock skew between
 * instances and arrival jitter on the network, and costs 2 % of the best possible throughput.
 */
export const DEFAULT_HEADROOM = 0.98;

/** Partner Center: 500 requests/min per partner tenant (docs/partner-center.md §5). */
export function partnerCenterBudget(requestsPerMinute = 500): BudgetSpec {
  return { name: 'partnerCenter', rules: [{ limit: requestsPerMinute, windowMs: 60_000 }] };
}

/** Graph: 3,000 writes per 150 s per app per customer tenant (§5); assignLicense is one write. */
export const GRAPH_WRITES_BUDGET: BudgetSpec = { name: 'graphWrites', rules: [{ limit: 3_000, windowMs: 150_000 }] };

/**
 * Partner Center licenseupdates: Microsoft publishes no figure; the product budget is one per second per
 * customer (§5), already a chosen pace, so it is used as is.
 */
export const PARTNER_CENTER_LICENSE_UPDATES_BUDGET: BudgetSpec = { name: 'partnerCenterLicenseUpdates', rules: [{ limit: 1, windowMs: 1_000 }] };

/**
 * Teams, per bot per conversation: 7 per 1 s, 8 per 2 s, 60 per 30 s, 1,800 per hour; per app per tenant: 50 per
 * second ("Optimize your bot with rate limiting in Teams",
 * https://learn.microsoft.com/en-us/microsoftteams/platform/bots/how-to/rate-limit, also docs/partner-center.md §5).
 * A person's few alerts may go out close together (burst 3), a long series settles at the hourly pace.
 */
export const TEAMS_CONVERSATION_BUDGET: BudgetSpec = {
  name: 'teamsConversation',
  rules: [
    { limit: 7, windowMs: 1_000, burst: 3 },
    { limit: 8, windowMs: 2_000, burst: 3 },
    { limit: 60, windowMs: 30_000, burst: 10 },
    { limit: 1_800, windowMs: 3_600_000, burst: 10 },
  ],
};
export const TEAMS_TENANT_BUDGET: BudgetSpec = { name: 'teamsTenant', rules: [{ limit: 50, windowMs: 1_000 }] };

/** A budget's rules as a generic cell rate (GCRA): one emission interval and burst tolerance per rule. */
export interface Cell {
  emissionMs: number;
  toleranceMs: number;
}

/**
 * Each rule allows `allowed = ⌊limit × headroom⌋` calls per window. With emission interval T and tolerance
 * (b − 1)·T, any span shorter than the window holds fewer than b + window/T conforming calls, so
 * T = window / (allowed + 1 − b) keeps every window at `allowed` or fewer. Rounded up to a microsecond so that
 * floating point never lets `allowed + 1` calls fit.
 */
export function cellsOf(spec: BudgetSpec, headroom: number): Cell[] {
  if (!(headroom > 0 && headroom <= 1)) throw new RangeError(`Headroom must be in (0, 1], got ${headroom}`);
  return spec.rules.map((rule) => {
    if (!(rule.limit >= 1 && rule.windowMs > 0)) throw new RangeError(`Invalid rate rule ${JSON.stringify(rule)} of ${spec.name}`);
    const allowed = Math.max(1, Math.floor(rule.limit * headroom));
    const burst = Math.min(allowed, Math.max(1, Math.floor(rule.burst ?? 1)));
    const emissionMs = Math.ceil((rule.windowMs / (allowed + 1 - burst)) * 1_000) / 1_000;
    return { emissionMs, toleranceMs: (burst - 1) * emissionMs };
  });
}

/** What a budget row remembers: per rule the theoretical arrival time of the next call, and a pause. */
export interface BudgetState {
  tat: number[];
  pausedUntil: number;
}

export function emptyBudgetState(cells: readonly Cell[]): BudgetState {
  return { tat: cells.map(() => 0), pausedUntil: 0 };
}

/**
 * Books up to `count` consecutive slots, the first as early as every rule and the pause allow, the rest no more
 * than `horizonMs` after the first (so an instance never holds slots far ahead of use). Returns the new state
 * (the input is not changed) and the slot times, ascending; at least one slot.
 */
export function bookSlots(
  state: BudgetState,
  cells: readonly Cell[],
  now: number,
  count: number,
  horizonMs: number,
): { state: BudgetState; slots: number[] } {
  const tat = cells.map((_, i) => state.tat[i] ?? 0);
  const slots: number[] = [];
  for (let n = 0; n < Math.max(1, count); n++) {
    let at = Math.max(now, state.pausedUntil);
    cells.forEach((cell, i) => {
      at = Math.max(at, tat[i] - cell.toleranceMs);
    });
    if (slots.length > 0 && at - slots[0] > horizonMs) break;
    cells.forEach((cell, i) => {
      tat[i] = Math.max(tat[i], at) + cell.emissionMs;
    });
    slots.push(at);
  }
  return { state: { tat, pausedUntil: state.pausedUntil }, slots };
}

/**
 * One process's budget: slots are booked synchronously (so concurrent callers never overbook) and each caller
 * sleeps until its own. Enough for a single instance, for tests, and for budgets nobody else shares.
 */
export class InProcessPacer implements Pacer {
  private readonly cells: Cell[];
  private readonly states = new Map<string, BudgetState>();

  constructor(
    readonly spec: BudgetSpec,
    headroom: number = DEFAULT_HEADROOM,
    private readonly clock: Clock = systemClock,
  ) {
    this.cells = cellsOf(spec, headroom);
  }

  async acquire(key: string): Promise<void> {
    for (;;) {
      const now = this.clock.now();
      const booked = bookSlots(this.state(key), this.cells, now, 1, 0);
      this.states.set(key, booked.state);
      const slot = booked.slots[0];
      if (slot > now) await this.clock.sleep(slot - now);
      // A pause that arrived while this caller slept moves it behind the pause.
      if (slot >= this.state(key).pausedUntil) return;
    }
  }

  async pause(key: string, untilMs: number): Promise<void> {
    const state = this.state(key);
    this.states.set(key, { ...state, pausedUntil: Math.max(state.pausedUntil, untilMs) });
  }

  private state(key: string): BudgetState {
    return this.states.get(key) ?? emptyBudgetState(this.cells);
  }
}

/** Evenly spaced calls at `perSecond` per key, in this process (the migration runner's default license pace). */
export function evenPacer(name: string, perSecond: number, clock: Clock = systemClock): InProcessPacer {
  if (!(perSecond > 0)) throw new RangeError(`perSecond must be positive, got ${perSecond}`);
  return new InProcessPacer({ name, rules: [{ limit: 1, windowMs: 1_000 / perSecond }] }, 1, clock);
}
