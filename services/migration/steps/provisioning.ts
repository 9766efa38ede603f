/**
 * Step 2: wait (with back-off, the lease released meanwhile) until every order is completed, each line's
 * subscription exists and the tenant shows enough free seats of each new SKU for every user still to move.
 */
import { offerPrefix } from '../catalogResolver';
import type { RunLine } from '../run';
import { ParkRun, type RunContext, type StepResult } from '../runContext';
import { backoffMs } from '../settings';

export async function provisioningStep(ctx: RunContext): Promise<StepResult> {
  const run = ctx.run;
  const orderIds = run.purchase.orderIds ?? [];
  if (orderIds.length === 0) return { kind: 'next', step: 'purchase' };

  if (Object.keys(run.newSubscriptionIds ?? {}).length < run.lines.length) {
    const found = await findSubscriptions(ctx, orderIds);
    if (typeof found === 'string') return waitForProvisioning(ctx, found);
    await ctx.save((latest) => ({ ...latest, newSubscriptionIds: found }));
  }

  for (const line of run.lines) {
    const { free, needed } = await seatBalance(ctx, line);
    if (free < needed) {
      // Seats appear only once provisioned, and other subscriptions of the SKU blur the count: wait, bounded.
      return waitForProvisioning(ctx, `${free} free ${line.title} seats of ${needed} needed`);
    }
  }
  ctx.resetPolls('provisioning');
  return { kind: 'next', step: 'moveLicenses' };
}

/** skuId → subscription id for every line, or why not yet. Parks when an order failed. */
async function findSubscriptions(ctx: RunContext, orderIds: string[]): Promise<Record<string, string> | string> {
  const pc = ctx.clients.partnerCenter;
  const run = ctx.run;
  const items = run.purchase.catalogItems ?? {};
  const lineOf = (offerId: string | undefined): RunLine | undefined =>
    run.lines.find((line) => items[line.skuId] && offerId?.toLowerCase().startsWith(offerPrefix(items[line.skuId])));
  const found: Record<string, string> = {};
  for (const orderId of orderIds) {
    const order = await pc.getOrder(run.customerId, orderId);
    const status = order.status.toLowerCase();
    if (status === 'cancelled') {
      throw new ParkRun('orderFailed', `order ${orderId} was cancelled by Partner Center: nothing was bought; Retry places a new order`);
    }
    if (status !== 'completed') return `order ${orderId} is ${order.status}`;
    for (const item of order.lineItems ?? []) {
      const line = lineOf(item.offerId);
      if (line && item.subscriptionId) found[line.skuId] = item.subscriptionId;
    }
    if (run.lines.every((line) => found[line.skuId])) continue;
    for (const subscription of await pc.listSubscriptions(run.customerId, { orderId })) {
      const line = lineOf(subscription.offerId);
      if (line && !found[line.skuId]) found[line.skuId] = subscription.id;
    }
  }
  const missing = run.lines.filter((line) => !found[line.skuId]);
  if (missing.length > 0) return `the ${missing.map((line) => line.title).join(', ')} subscription is not visible yet`;
  return found;
}

/**
 * Free seats of a line's SKU, and how many of its users still to move need one. The subscribed SKUs (one call)
 * usually settle it: free seats for every user still to move, or fewer seats in the tenant than this line bought
 * (its order is not provisioned yet). Only in between does it matter who already holds the SKU, and only then
 * are users' licenses read (on the Partner Center path, one call per user).
 */
export async function seatBalance(ctx: RunContext, line: RunLine): Promise<{ free: number; needed: number }> {
  const licenses = ctx.clients.licenses;
  const done = new Set(ctx.run.users.filter((user) => user.state === 'done').map((user) => user.id));
  const toMove = line.userIds.filter((id) => !done.has(id));
  const seats = await licenses.seats(line.skuId);
  const free = (seats?.enabled ?? 0) - (seats?.consumed ?? 0);
  if (free >= toMove.length || (seats?.enabled ?? 0) < line.quantity) return { free, needed: toMove.length };
  const holding = await licenses.holdersAmong(line.skuId, toMove);
  return { free, needed: toMove.length - holding.size };
}

function waitForProvisioning(ctx: RunContext, reason: string): StepResult {
  const since = Date.parse(ctx.run.purchase.orderedAt ?? ctx.run.updatedAt);
  if (ctx.now() - since > ctx.settings.provisioningTimeoutMs) {
    throw new ParkRun('provisioningTimeout', `${reason} ${Math.round((ctx.now() - since) / 60_000)} min after the order`);
  }
  return { kind: 'wait', ms: backoffMs(ctx.settings, ctx.nextPoll('provisioning')), reason };
}
