import { randomBytes } from 'node:crypto';
import { addYears, DAY_MS, isoDay } from './clock';
import { catalogItemIdFor, type SkuDefinition } from './catalog';
import type { SandboxDb } from './db';
import { revokeSku } from './licenses';
import { summarizeSubscription } from './ledger';
import type { LedgerChange, SubscriptionRecord, SubscriptionStatus } from './model';

/** ETags are opaque and change on every write. */
export function newEtag(): string {
  return randomBytes(12).toString('base64');
}

export interface NewSubscriptionInput {
  id: string;
  customerId: string;
  definition: SkuDefinition;
  channel: 'legacy' | 'nce';
  quantity: number;
  orderId: string;
  startMs: number;
  provisionedAtMs: number;
  billingCycle: string;
  termDuration?: string;
  availabilityGeneration: number;
  nceCancellationWindowDays: number;
  partnerVisible?: boolean;
}

/** Last (inclusive) day of a P1M, P1Y or P3Y term starting at `startMs`. */
function termEndMs(startMs: number, termDuration: string | undefined): number {
  if (termDuration === 'P3Y') return addYears(startMs, 3) - DAY_MS;
  if (termDuration === 'P1M') {
    const date = new Date(startMs);
    date.setUTCMonth(date.getUTCMonth() + 1);
    return date.getTime() - DAY_MS;
  }
  return addYears(startMs, 1) - DAY_MS;
}

export function newSubscription(input: NewSubscriptionInput): SubscriptionRecord {
  const { definition } = input;
  const isNce = input.channel === 'nce';
  const startDay = isoDay(input.startMs);
  const record: SubscriptionRecord = {
    id: input.id,
    customerId: input.customerId,
    skuId: definition.skuId,
    channel: input.channel,
    offerId: isNce
      ? (catalogItemIdFor(definition, input.availabilityGeneration) ?? definition.legacyOfferId)
      : definition.legacyOfferId,
    offerName: definition.title,
    friendlyName: definition.title,
    quantity: input.quantity,
    status: 'active',
    autoRenewEnabled: isNce,
    billingCycle: input.billingCycle,
    creationDate: new Date(input.startMs).toISOString(),
    effectiveStartDate: startDay,
    commitmentEndDate: isoDay(termEndMs(input.startMs, isNce ? (input.termDuration ?? 'P1Y') : 'P1Y')),
    orderId: input.orderId,
    etag: newEtag(),
    suspendedAt: null,
    provisionedAt: new Date(input.provisionedAtMs).toISOString(),
    partnerVisible: input.partnerVisible ?? true,
    pendingChange: null,
  };
  if (isNce) {
    record.termDuration = input.termDuration ?? 'P1Y';
    record.cancellationAllowedUntilDate = new Date(input.startMs + input.nceCancellationWindowDays * DAY_MS).toISOString();
  }
  return record;
}

/**
 * Moves a subscription to a new status and saves it. Returns the ledger changes, including the licenses that
 * vanish when the last subscription of a SKU is deleted.
 */
export function transitionSubscription(
  db: SandboxDb,
  subscription: SubscriptionRecord,
  status: SubscriptionStatus,
  atMs: number,
): LedgerChange[] {
  const before = summarizeSubscription(subscription);
  subscription.status = status;
  subscription.etag = newEtag();
  subscription.pendingChange = null;
  if (status === 'suspended') subscription.suspendedAt = new Date(atMs).toISOString();
  if (status === 'active') subscription.suspendedAt = null;
  if (status === 'suspended' || status === 'deleted' || status === 'expired' || status === 'disabled') {
    subscription.autoRenewEnabled = false;
  }
  db.putSubscription(subscription);
  const changes: LedgerChange[] = [
    {
      kind: 'subscription',
      subscriptionId: subscription.id,
      skuId: subscription.skuId,
      offerName: subscription.offerName,
      before,
      after: summarizeSubscription(subscription),
      consumedUnits: db.consumedUnits(subscription.customerId, subscription.skuId),
    },
  ];
  if (status === 'deleted') {
    const remaining = db
      .subscriptionsOf(subscription.customerId)
      .some((other) => other.skuId === subscription.skuId && other.status !== 'deleted');
    if (!remaining) changes.push(...revokeSku(db, subscription.customerId, subscription.skuId));
  }
  return changes;
}
