import { SendRateLimiter, TEAMS_SEND_LIMITS, type Clock, type RateRule } from '../../services/http/pacing/sendRateLimiter';

/** Teams' published limits (partner-center.md §5), which the default pacing must never reach. */
const TEAMS_PER_CONVERSATION: RateRule[] = [
  { limit: 7, windowMs: 1_000 },
  { limit: 8, windowMs: 2_000 },
  { limit: 60, windowMs: 30_000 },
  { limit: 1_800, windowMs: 3_600_000 },
];
const TEAMS_PER_TENANT: RateRule[] = [{ limit: 50, windowMs: 1_000 }];

/** Largest number of sends inside any window of the rule (windows are half-open: (t − w, t]). */
function busiestWindow(times: readonly number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let busiest = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while (sorted[start] <= sorted[end] - windowMs) start++;
    busiest = Math.max(busiest, end - start + 1);
  }
  return busiest;
}

function virtualClock(): Clock & { advance(ms: number): void } {
  let now = 1_000_000;
  return {
    now: () => now,
    sleep: async (ms) => {
      now += ms;
    },
    advance: (ms) => {
      now += ms;
    },
  };
}

/** Sends `count` messages one after another in virtual time; returns when each was granted. */
async function sendInTurn(limiter: SendRateLimiter, clock: Clock, targets: readonly { conversation: string; tenant: string }[]): Promise<number[]> {
  const times: number[] = [];
  for (const { conversation, tenant } of targets) {
    await limiter.acquire(conversation, tenant);
    times.push(clock.now());
  }
  return times;
}

describe('the send rate limiter', () => {
  it('keeps 2,000 sends to one conversation under every Teams per-conversation limit', async () => {
    const clock = virtualClock();
    const limiter = new SendRateLimiter(TEAMS_SEND_LIMITS, clock);
    const times = await sendInTurn(limiter, clock, Array.from({ length: 2_000 }, () => ({ conversation: 'a:megan', tenant: 'tenant' })));
    for (const rule of TEAMS_PER_CONVERSATION) expect(busiestWindow(times, rule.windowMs)).toBeLessThan(rule.limit);
    // …while not being needlessly slow: 50 sends fit in the first 30 seconds.
    expect(times[49] - times[0]).toBeLessThan(15_000);
  });

  it('keeps 1,200 sends to 300 conversations of one tenant under 50 per second, each conversation under its own limits', async () => {
    const clock = virtualClock();
    const limiter = new SendRateLimiter(TEAMS_SEND_LIMITS, clock);
    const targets = Array.from({ length: 1_200 }, (_, i) => ({ conversation: `a:person-${i % 300}`, tenant: 'tenant' }));
    const times = await sendInTurn(limiter, clock, targets);
    for (const rule of TEAMS_PER_TENANT) expect(busiestWindow(times, rule.windowMs)).toBeLessThan(rule.limit);
    for (let c = 0; c < 300; c++) {
      const mine = times.filter((_, i) => i % 300 === c);
      for (const rule of TEAMS_PER_CONVERSATION) expect(busiestWindow(mine, rule.windowMs)).toBeLessThan(rule.limit);
    }
    expect(times.at(-1)! - times[0]).toBeLessThan(31_000);
    // Spread out rather than in bursts, so arrival jitter cannot squeeze two bursts into one of Teams' windows.
    expect(busiestWindow(times, 100)).toBeLessThanOrEqual(4);
  });

  it('paces tenants independently', () => {
    const clock = virtualClock();
    const limiter = new SendRateLimiter(TEAMS_SEND_LIMITS, clock);
    for (let i = 0; i < 4; i++) expect(limiter.tryAcquire(`a:${i}`, 'tenant-1')).toBe(0);
    expect(limiter.tryAcquire('a:x', 'tenant-2')).toBe(0);
    expect(limiter.tryAcquire('a:y', 'tenant-1')).toBe(100);
  });

  it('after a 429 holds back only that conversation, until Retry-After has passed', () => {
    const clock = virtualClock();
    const limiter = new SendRateLimiter(TEAMS_SEND_LIMITS, clock);
    limiter.holdOff('a:megan', clock.now() + 3_000);
    expect(limiter.tryAcquire('a:megan', 'tenant')).toBe(3_000);
    expect(limiter.tryAcquire('a:alex', 'tenant')).toBe(0);
    clock.advance(3_000);
    expect(limiter.tryAcquire('a:megan', 'tenant')).toBe(0);
  });

  it('a conversation waiting for its own limit does not hold up the rest of the tenant', async () => {
    const clock = virtualClock();
    const limiter = new SendRateLimiter(TEAMS_SEND_LIMITS, clock);
    const start = clock.now();
    await sendInTurn(limiter, clock, Array.from({ length: 50 }, () => ({ conversation: 'a:busy', tenant: 'tenant' })));
    const afterBurst = clock.now();
    expect(limiter.tryAcquire('a:busy', 'tenant')).toBeGreaterThan(10_000);
    expect(limiter.tryAcquire('a:quiet', 'tenant')).toBe(0);
    expect(afterBurst - start).toBeLessThan(15_000);
  });

  it('acquire sleeps until the send may go', async () => {
    const clock = virtualClock();
    const limiter = new SendRateLimiter({ perConversation: [{ limit: 1, windowMs: 500 }], perTenant: [{ limit: 10, windowMs: 1_000 }] }, clock);
    const start = clock.now();
    await limiter.acquire('a:megan', 'tenant');
    await limiter.acquire('a:megan', 'tenant');
    expect(clock.now()).toBe(start + 500);
  });

  it('forgets conversations no window can see any more', () => {
    const clock = virtualClock();
    const limiter = new SendRateLimiter(TEAMS_SEND_LIMITS, clock);
    for (let i = 0; i < 999; i++) limiter.tryAcquire(`a:${i}`, `tenant-${i}`);
    clock.advance(3_600_001);
    limiter.tryAcquire('a:new', 'tenant-new');
    expect((limiter as unknown as { buckets: Map<string, unknown> }).buckets.size).toBe(2);
  });
});
