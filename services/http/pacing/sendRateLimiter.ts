/** Teams sends: this process's sliding windows per conversation and tenant, plus the budgets all instances share. */
import { systemClock, type Clock, type Pacer, type RateRule } from './pacer';

export type { Clock, RateRule } from './pacer';
export { systemClock } from './pacer';

export interface SendRateLimits {
  /** Per bot per conversation. */
  perConversation: readonly RateRule[];
  /** Per app per tenant: every conversation of the tenant shares it. */
  perTenant: readonly RateRule[];
}

/**
 * Below Teams' published limits (per conversation 7/1 s, 8/2 s, 60/30 s, 1,800/h; per app per tenant 50/s). Teams
 * counts requests when they arrive, and arrival times drift from send times by network and retry jitter, so sends
 * are also spread out (at most one per 200 ms per conversation, four per 100 ms per tenant) rather than released in
 * bursts that jitter could squeeze into one window. The rest of the headroom covers other code paths' sends.
 */
export const TEAMS_SEND_LIMITS: SendRateLimits = {
  perConversation: [
    { limit: 1, windowMs: 200 },
    { limit: 7, windowMs: 2_000 },
    { limit: 50, windowMs: 30_000 },
    { limit: 1_500, windowMs: 3_600_000 },
  ],
  perTenant: [
    { limit: 4, windowMs: 100 },
    { limit: 40, windowMs: 1_000 },
  ],
};

/**
 * Budgets every instance shares (SharedPacer over the store): Teams' limits per conversation and per tenant,
 * consulted after this process's own pacing, so two instances together stay under them too.
 */
export interface SharedSendBudgets {
  perConversation: Pacer;
  perTenant: Pacer;
}

interface Bucket {
  rules: readonly RateRule[];
  /** Send times granted, ascending. */
  grants: number[];
  /** No grant before this time (a 429 asked us to wait). */
  heldUntil: number;
}

/**
 * Paces proactive sends per conversation and per tenant. A send is granted only at the moment every rule of its
 * conversation and its tenant allows it, and the check and the booking happen in one synchronous step, so
 * concurrent callers cannot overbook. Nothing is booked ahead: a conversation that must wait (its own limit, a
 * 429) never holds up other conversations of the tenant. With several bot instances the shared budgets
 * (TEAMS_CONVERSATION_BUDGET, TEAMS_TENANT_BUDGET in pacer.ts) keep their sum under Teams' limits.
 */
export class SendRateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private grantsSinceSweep = 0;
  private readonly longestWindowMs: number;

  constructor(
    private readonly limits: SendRateLimits = TEAMS_SEND_LIMITS,
    private readonly clock: Clock = systemClock,
    private readonly shared?: SharedSendBudgets,
  ) {
    for (const rule of [...limits.perConversation, ...limits.perTenant]) {
      if (!(rule.limit >= 1 && rule.windowMs > 0)) throw new RangeError(`Invalid rate rule ${JSON.stringify(rule)}`);
    }
    this.longestWindowMs = Math.max(...[...limits.perConversation, ...limits.perTenant].map((r) => r.windowMs));
  }

  /** Waits until this send may go, and books it (in this process, then in the shared budgets). */
  async acquire(conversation: string, tenant: string): Promise<void> {
    for (;;) {
      const waitMs = this.tryAcquire(conversation, tenant);
      if (waitMs === 0) break;
      await this.clock.sleep(waitMs);
    }
    if (this.shared) {
      await this.shared.perConversation.acquire(conversation);
      await this.shared.perTenant.acquire(tenant);
    }
  }

  /** Books the send now and returns 0, or returns how long to wait before asking again. */
  tryAcquire(conversation: string, tenant: string): number {
    const now = this.clock.now();
    const buckets = [this.bucket(`c:${conversation}`, this.limits.perConversation), this.bucket(`t:${tenant}`, this.limits.perTenant)];
    const allowedAt = Math.max(...buckets.map(earliestGrant));
    if (allowedAt > now) return allowedAt - now;
    for (const bucket of buckets) bucket.grants.push(now);
    if (++this.grantsSinceSweep >= 1_000) this.sweep(now);
    return 0;
  }

  /** Teams answered 429 for the conversation: no send to it before `untilMs`, in this process. */
  holdOff(conversation: string, untilMs: number): void {
    const bucket = this.bucket(`c:${conversation}`, this.limits.perConversation);
    bucket.heldUntil = Math.max(bucket.heldUntil, untilMs);
  }

  /**
   * Teams answered 429 for the conversation: no send to it before `untilMs` from any instance. Only the
   * conversation is held: Teams does not say which limit it was, and holding the whole tenant for one busy chat
   * would stall every other person's alerts.
   */
  async throttled(conversation: string, untilMs: number): Promise<void> {
    this.holdOff(conversation, untilMs);
    await this.shared?.perConversation.pause(conversation, untilMs);
  }

  private bucket(id: string, rules: readonly RateRule[]): Bucket {
    let bucket = this.buckets.get(id);
    if (!bucket) {
      bucket = { rules, grants: [], heldUntil: 0 };
      this.buckets.set(id, bucket);
    }
    return bucket;
  }

  /** Forgets grants no window can see any more, and buckets left empty, so memory follows current traffic. */
  private sweep(now: number): void {
    this.grantsSinceSweep = 0;
    for (const [id, bucket] of this.buckets) {
      const firstLive = bucket.grants.findIndex((t) => t > now - this.longestWindowMs);
      bucket.grants.splice(0, firstLive === -1 ? bucket.grants.length : firstLive);
      if (bucket.grants.length === 0 && bucket.heldUntil <= now) this.buckets.delete(id);
    }
  }
}

/** Each rule allows a send once the `limit`-th most recent grant has left its window. */
function earliestGrant(bucket: Bucket): number {
  let at = bucket.heldUntil;
  for (const rule of bucket.rules) {
    if (bucket.grants.length >= rule.limit) at = Math.max(at, bucket.grants[bucket.grants.length - rule.limit] + rule.windowMs);
  }
  return at;
}
