import { addYears, DAY_MS, isoDay, termEndsAtMs } from './clock';
import { skuById } from './catalog';
import type { SandboxDb } from './db';
import type { Knobs } from './knobs';
import { summarizeSubscription, type Ledger } from './ledger';
import type { LedgerChange, OrderRecord, SubscriptionRecord, SubscriptionStatus } from './model';
import { newSubscription, transitionSubscription } from './subscriptions';

/**
 * Time-driven changes, applied lazily whenever a customer is touched: orders complete, seats appear, suspended
 * legacy subscriptions are deprovisioned, terms end. Each change is ledgered at the time it was due, so the
 * result does not depend on when somebody looked.
 */
export class Lifecycle {
  constructor(
    private readonly db: SandboxDb,
    private readonly ledger: Ledger,
    private readonly knobs: () => Knobs,
  ) {}

  advance(customerId: string, nowMs: number): void {
    for (const order of this.db.pendingOrdersOf(customerId)) {
      if (Date.parse(order.dueAt) <= nowMs) this.completeOrder(order);
    }
    for (const subscription of this.db.subscriptionsOf(customerId)) {
      this.advanceSubscription(subscription, nowMs);
    }
  }

  private completeOrder(order: OrderRecord): void {
    const dueMs = Date.parse(order.dueAt);
    const changes: LedgerChange[] = [];
    if (order.fails) {
      order.status = 'cancelled';
    } else {
      const knobs = this.knobs();
      for (const line of order.lineItems) {
        const definition = skuById(line.skuId);
        if (!definition) continue;
        const subscription = newSubscription({
          id: line.subscriptionId,
          customerId: order.customerId,
          definition,
          channel: order.channel,
          quantity: line.quantity,
          orderId: order.id,
          startMs: dueMs,
          provisionedAtMs: dueMs + order.seatDelayMs,
          billingCycle: order.billingCycle,
          termDuration: line.termDuration,
          availabilityGeneration: knobs.availabilityGeneration,
          nceCancellationWindowDays: knobs.nceCancellationWindowDays,
        });
        subscription.offerId = line.offerId;
        this.db.putSubscription(subscription);
        changes.push({
          kind: 'subscription',
          subscriptionId: subscription.id,
          skuId: subscription.skuId,
          offerName: subscription.offerName,
          before: null,
          after: summarizeSubscription(subscription),
          consumedUnits: this.db.consumedUnits(order.customerId, subscription.skuId),
        });
      }
      order.status = 'completed';
    }
    this.db.putOrder(order);
    changes.unshift({
      kind: 'order',
      orderId: order.id,
      cartId: order.cartId,
      before: 'pending',
      after: order.status,
      lineItems: order.lineItems.map((line) => ({
        offerId: line.offerId,
        skuId: line.skuId,
        quantity: line.quantity,
        subscriptionId: line.subscriptionId,
      })),
    });
    this.ledger.appendLifecycle(order.customerId, order.fails ? 'orderFailed' : 'orderCompleted', changes, dueMs);
  }

  /** Applies every due transition in time order (a subscription may be suspended, then deleted, …). */
  private advanceSubscription(subscription: SubscriptionRecord, nowMs: number): void {
    for (;;) {
      const next = this.nextTransition(subscription);
      if (!next || next.atMs > nowMs) return;
      if (next.renew) {
        subscription.commitmentEndDate = isoDay(addYears(Date.parse(subscription.commitmentEndDate) + DAY_MS, subscription.termDuration === 'P3Y' ? 3 : 1) - DAY_MS);
        this.db.putSubscription(subscription);
        this.ledger.appendLifecycle(subscription.customerId, 'subscriptionRenewed', [], next.atMs);
        continue;
      }
      const changes = transitionSubscription(this.db, subscription, next.status, next.atMs);
      this.ledger.appendLifecycle(subscription.customerId, next.operation, changes, next.atMs);
    }
  }

  private nextTransition(
    subscription: SubscriptionRecord,
  ): { atMs: number; status: SubscriptionStatus; operation: string; renew?: boolean } | undefined {
    const knobs = this.knobs();
    const termEndMs = termEndsAtMs(subscription.commitmentEndDate);
    if (subscription.status === 'suspended') {
      const candidates: { atMs: number; status: SubscriptionStatus; operation: string }[] = [
        { atMs: termEndMs, status: 'deleted', operation: 'deletedAtTermEnd' },
      ];
      if (subscription.channel === 'legacy' && subscription.suspendedAt) {
        const deprovisionMs = Date.parse(subscription.suspendedAt) + knobs.deprovisionAfterDays * DAY_MS;
        candidates.push({ atMs: deprovisionMs, status: 'deleted', operation: 'deprovisioned' });
      }
      return candidates.sort((a, b) => a.atMs - b.atMs)[0];
    }
    if (subscription.status === 'active') {
      if (subscription.channel === 'nce' && subscription.autoRenewEnabled) {
        return { atMs: termEndMs, status: 'active', operation: 'subscriptionRenewed', renew: true };
      }
      return { atMs: termEndMs, status: knobs.postEndState, operation: 'termEnded' };
    }
    return undefined;
  }
}
