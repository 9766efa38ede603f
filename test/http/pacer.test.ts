import {
  bookSlots,
  cellsOf,
  emptyBudgetState,
  InProcessPacer,
  partnerCenterBudget,
  TEAMS_CONVERSATION_BUDGET,
  TEAMS_TENANT_BUDGET,
  type BudgetSpec,
  type Pacer,
} from '../../services/http/pacing/pacer';
import { SendRateLimiter } from '../../services/http/pacing/sendRateLimiter';
import { SharedPacer } from '../../services/http/pacing/sharedPacer';
import { openSqliteStore } from '../../services/store';
import type { Store } from '../../services/store/store';
import { busiestWindow, VirtualClock } from './virtualClock';

/** `count` calls through `pacer` from `workers` concurrent callers; the virtual times they were let through. */
async function drive(pacer: Pacer, key: string, count: number, clock: VirtualClock, workers = 4): Promise<number[]> {
  const times: number[] = [];
  let left = count;
  const worker = async () => {
    while (left > 0) {
      left--;
      await pacer.acquire(key);
      times.push(clock.now());
    }
  };
  await Promise.all(Array.from({ length: workers }, worker));
  return times;
}

describe('the slot arithmetic', () => {
  it('spaces a one-rule budget evenly at the limit times the headroom', () => {
    const [cell] = cellsOf(partnerCenterBudget(500), 0.98);
    expect(cell.emissionMs).toBeCloseTo(60_000 / 490, 2);
    expect(cell.toleranceMs).toBe(0);
  });

  it('never lets more than limit × headroom calls into any window, for every rule of every budget, with bursts', () => {
    for (const spec of [TEAMS_CONVERSATION_BUDGET, TEAMS_TENANT_BUDGET, partnerCenterBudget(500)]) {
      const cells = cellsOf(spec, 0.98);
      let state = emptyBudgetState(cells);
      const slots: number[] = [];
      let now = 0;
      for (let i = 0; i < 3_000; i++) {
        const booked = bookSlots(state, cells, now, 1, 0);
        state = booked.state;
        slots.push(booked.slots[0]);
        now = booked.slots[0];
      }
      for (const rule of spec.rules) expect(busiestWindow(slots, rule.windowMs)).toBeLessThanOrEqual(Math.floor(rule.limit * 0.98));
      // A one-rule budget is used to the full.
      if (spec.rules.length === 1) expect(busiestWindow(slots, spec.rules[0].windowMs)).toBe(Math.floor(spec.rules[0].limit * 0.98));
    }
  });

  it('books a batch no longer than the horizon, and never before a pause ends', () => {
    const cells = cellsOf({ name: 'x', rules: [{ limit: 10, windowMs: 1_000 }] }, 1);
    const booked = bookSlots({ tat: [0], pausedUntil: 5_000 }, cells, 1_000, 50, 250);
    expect(booked.slots).toEqual([5_000, 5_100, 5_200]);
  });
});

describe('the in-process pacer', () => {
  it('lets concurrent callers through no faster than the budget', async () => {
    const clock = new VirtualClock();
    const pacer = new InProcessPacer(partnerCenterBudget(500), 0.98, clock);
    const times = await clock.run(drive(pacer, 'partner', 1_200, clock));
    expect(busiestWindow(times, 60_000)).toBe(490);
    // …and no slower: 1,200 calls take 1,199 emission intervals.
    expect(Math.max(...times) - Math.min(...times)).toBeLessThan(1_200 * (60_000 / 490));
  });

  it('holds every caller of the key after a pause, and only that key', async () => {
    const clock = new VirtualClock();
    const pacer = new InProcessPacer(partnerCenterBudget(500), 0.98, clock);
    const start = clock.now();
    await pacer.pause('partner-a', start + 5_000);
    const [a, b] = await clock.run(Promise.all([pacer.acquire('partner-a').then(() => clock.now()), pacer.acquire('partner-b').then(() => clock.now())]));
    expect(a).toBe(start + 5_000);
    expect(b).toBe(start);
  });
});

describe('budgets shared through the store', () => {
  let store: Store;
  beforeEach(() => {
    store = openSqliteStore(':memory:');
  });
  afterEach(async () => {
    await store.close();
  });

  it('two pacers on one store never exceed the budget together, and share it about evenly', async () => {
    const clock = new VirtualClock();
    const spec = partnerCenterBudget(500);
    const first = new SharedPacer(store, spec, { clock, headroom: 0.98 });
    const second = new SharedPacer(store, spec, { clock, headroom: 0.98 });
    const [a, b] = await clock.run(Promise.all([drive(first, 'partner', 700, clock), drive(second, 'partner', 700, clock)]));
    const all = [...a, ...b];
    expect(all).toHaveLength(1_400);
    expect(busiestWindow(all, 60_000)).toBeLessThanOrEqual(490);
    // Not slower than one budget's pace (allowing one batch horizon of slack at the start).
    expect(Math.max(...all) - Math.min(...all)).toBeLessThan(1_400 * (60_000 / 490) + 250);
    // Neither instance starves the other: while both wait, they alternate batches.
    const firstMinute = (times: number[]) => times.filter((t) => t < Math.min(...all) + 60_000).length;
    expect(firstMinute(a)).toBeGreaterThan(200);
    expect(firstMinute(b)).toBeGreaterThan(200);
  });

  it('would exceed the budget without the store: two in-process pacers each use all of it', async () => {
    // The control for the test above: per-process pacing is what the shared budget fixes.
    const clock = new VirtualClock();
    const spec = partnerCenterBudget(500);
    const [a, b] = await clock.run(
      Promise.all([drive(new InProcessPacer(spec, 0.98, clock), 'partner', 700, clock), drive(new InProcessPacer(spec, 0.98, clock), 'partner', 700, clock)]),
    );
    expect(busiestWindow([...a, ...b], 60_000)).toBeGreaterThan(900);
  });

  it('a 429 with Retry-After on one instance pauses the budget for every instance', async () => {
    const clock = new VirtualClock();
    const spec: BudgetSpec = { name: 'graphWrites', rules: [{ limit: 20, windowMs: 1_000 }] };
    const first = new SharedPacer(store, spec, { clock, headroom: 1 });
    const second = new SharedPacer(store, spec, { clock, headroom: 1 });
    await clock.run(drive(second, 'tenant-1', 5, clock, 1));
    const throttledAt = clock.now();
    await first.pause('tenant-1', throttledAt + 10_000);
    const [fromSecond, fromFirst, otherTenant] = await clock.run(
      Promise.all([drive(second, 'tenant-1', 3, clock, 1), drive(first, 'tenant-1', 3, clock, 1), drive(second, 'tenant-2', 1, clock, 1)]),
    );
    for (const t of [...fromSecond, ...fromFirst]) expect(t).toBeGreaterThanOrEqual(throttledAt + 10_000);
    // Other keys of the budget (other customer tenants) are not held.
    expect(otherTenant[0]).toBeLessThan(throttledAt + 1_000);
  });

  it('a pause written while another instance holds booked slots makes it book again behind the pause', async () => {
    const clock = new VirtualClock();
    const spec: BudgetSpec = { name: 'pc', rules: [{ limit: 10, windowMs: 1_000 }] };
    // A long horizon makes the second instance book its whole batch before the pause.
    const first = new SharedPacer(store, spec, { clock, headroom: 1, horizonMs: 5_000 });
    const start = clock.now();
    const calls = drive(first, 'partner', 10, clock, 10);
    const paused = (async () => {
      await clock.sleep(150);
      await first.pause('partner', start + 3_000);
    })();
    const [times] = await clock.run(Promise.all([calls, paused]));
    const early = times.filter((t) => t < start + 3_000);
    // Only the slots due before the pause was noted went out; the rest waited for it.
    expect(early.length).toBeLessThanOrEqual(2);
    expect(times.filter((t) => t >= start + 3_000)).toHaveLength(10 - early.length);
  });

  it("two instances' Teams sends together stay under 50 per second per tenant", async () => {
    const clock = new VirtualClock();
    const instance = () =>
      new SendRateLimiter(undefined, clock, {
        perConversation: new SharedPacer(store, TEAMS_CONVERSATION_BUDGET, { clock }),
        perTenant: new SharedPacer(store, TEAMS_TENANT_BUDGET, { clock }),
      });
    const sendAll = async (limiter: SendRateLimiter, name: string) => {
      const times: number[] = [];
      await Promise.all(
        Array.from({ length: 100 }, async (_, person) => {
          for (let i = 0; i < 3; i++) {
            await limiter.acquire(`a:${name}-${person}`, 'tenant');
            times.push(clock.now());
          }
        }),
      );
      return times;
    };
    const [a, b] = await clock.run(Promise.all([sendAll(instance(), 'a'), sendAll(instance(), 'b')]));
    // Each instance alone paces at 40/s; together, unshared, they would send 80/s.
    expect(busiestWindow([...a, ...b], 1_000)).toBeLessThanOrEqual(49);
    expect(busiestWindow([...a, ...b], 1_000)).toBeGreaterThanOrEqual(45);
  });

  it('keeps each budget and key in its own row, so budgets never borrow from each other', async () => {
    const clock = new VirtualClock();
    const pc = new SharedPacer(store, partnerCenterBudget(500), { clock });
    const teams = new SharedPacer(store, TEAMS_TENANT_BUDGET, { clock });
    await clock.run(Promise.all([pc.acquire('p'), teams.acquire('t'), teams.acquire('t2')]));
    const rows = (await store.list('meta', { prefix: 'pace:' })).map((row) => row.key);
    expect(rows).toEqual(['pace:partnerCenter:p', 'pace:teamsTenant:t', 'pace:teamsTenant:t2']);
  });
});
