import type { SandboxDb } from './db';

/**
 * Seats counted against the pooled per-tenant cap of a Business SKU: every live subscription of the SKU in the
 * tenant (any partner or channel) plus orders still being provisioned.
 */
export function pooledSeatsInUse(db: SandboxDb, customerId: string, skuId: string): number {
  const subscribed = db
    .subscriptionsOf(customerId)
    .filter((subscription) => subscription.skuId === skuId && subscription.status !== 'deleted')
    .reduce((sum, subscription) => sum + subscription.quantity, 0);
  const ordering = db
    .pendingOrdersOf(customerId)
    .flatMap((order) => (order.fails ? [] : order.lineItems))
    .filter((line) => line.skuId === skuId)
    .reduce((sum, line) => sum + line.quantity, 0);
  return subscribed + ordering;
}
