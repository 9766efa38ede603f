import type { ApiContext, ApiResult, ApiRoute } from './apiTypes';
import { skuById, isKaizala } from './catalog';
import { termEndsAtMs } from './clock';
import { PartnerCenterError } from './errors';
import { asInteger, asRecord, asString } from './input';
import { summarizeSubscription } from './ledger';
import type { LedgerChange, PendingSubscriptionChange, SubscriptionRecord, SubscriptionStatus } from './model';
import { pageOf, readPageRequest } from './paging';
import { customerOf } from './pcCustomers';
import { collection, renderSubscription, renderSubscriptionProvisioningStatus } from './pcRender';
import { pooledSeatsInUse } from './seatCap';
import { newEtag, transitionSubscription } from './subscriptions';

function findSubscription(ctx: ApiContext): SubscriptionRecord {
  const customer = customerOf(ctx);
  const subscription = ctx.env.db.subscription(customer.id, ctx.params.subscriptionId.toLowerCase());
  if (!subscription || !subscription.partnerVisible) {
    throw new PartnerCenterError(404, 20003, 'This subscription is not found.');
  }
  return subscription;
}

function listSubscriptions(ctx: ApiContext): ApiResult {
  const customer = customerOf(ctx);
  const orderId = ctx.query.get('order_id') ?? ctx.query.get('orderId');
  const subscriptions = ctx.env.db
    .subscriptionsOf(customer.id)
    .filter((subscription) => subscription.partnerVisible && (!orderId || subscription.orderId === orderId))
    .map((subscription) => renderSubscription(subscription, customer.country, ctx.nowMs));
  const scope = `subscriptions:${customer.id}:${orderId ?? ''}`;
  const pageSize = ctx.env.knobs().subscriptionsPageSize;
  const page = readPageRequest(ctx, scope, { defaultSize: pageSize, maxSize: Math.max(pageSize, 1000) });
  const suffix = orderId ? `?order_id=${encodeURIComponent(orderId)}` : '';
  const body = pageOf(subscriptions, page, scope, {
    self: `/customers/${customer.id}/subscriptions${suffix}`,
    next: `/customers/${customer.id}/subscriptions${suffix ? `${suffix}&` : '?'}seekOperation=Next`,
  });
  return { status: 200, body };
}

/** A 202 PATCH finishes after N reads of the subscription. */
function settlePendingChange(ctx: ApiContext, subscription: SubscriptionRecord): LedgerChange[] {
  const pending = subscription.pendingChange;
  if (!pending) return [];
  if (pending.pollsRemaining > 1) {
    subscription.pendingChange = { ...pending, pollsRemaining: pending.pollsRemaining - 1 };
    ctx.env.db.putSubscription(subscription);
    return [];
  }
  return applyChange(ctx, subscription, pending);
}

function getSubscription(ctx: ApiContext): ApiResult {
  const subscription = findSubscription(ctx);
  const changes = settlePendingChange(ctx, subscription);
  return {
    status: 200,
    body: renderSubscription(subscription, customerOf(ctx).country, ctx.nowMs),
    changes,
  };
}

function unquoteEtag(value: string): string {
  return value.trim().replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
}

const SETTABLE_STATUSES: SubscriptionStatus[] = ['active', 'suspended', 'deleted'];

interface DesiredChange {
  status: SubscriptionStatus;
  quantity: number;
  autoRenewEnabled: boolean;
}

function readDesiredChange(ctx: ApiContext, subscription: SubscriptionRecord): DesiredChange {
  const body = asRecord(ctx.body);
  if (!body) throw new PartnerCenterError(400, 800002, 'Invalid request input: a subscription body is required.');
  const rawStatus = asString(body.status);
  const status = (rawStatus?.toLowerCase() ?? subscription.status) as SubscriptionStatus;
  const quantity = body.quantity === undefined ? subscription.quantity : asInteger(body.quantity);
  if (quantity === undefined) throw new PartnerCenterError(400, 3000, 'Invalid property: quantity.');
  // A body without autoRenewEnabled turns auto-renew off: the reason the docs insist on the full body.
  const autoRenewEnabled = typeof body.autoRenewEnabled === 'boolean' ? body.autoRenewEnabled : false;
  return { status, quantity, autoRenewEnabled };
}

/** Refuses what Partner Center refuses; returns nothing when the change is allowed. */
function validateChange(ctx: ApiContext, subscription: SubscriptionRecord, desired: DesiredChange): void {
  const current = subscription.status;
  if (current === 'deleted') throw new PartnerCenterError(400, 2011, 'Cannot update a subscription with deleted status.');
  const statusChanges = desired.status !== current;
  const quantityChanges = desired.quantity !== subscription.quantity;
  const autoRenewChanges = desired.autoRenewEnabled !== subscription.autoRenewEnabled;
  if (statusChanges && !SETTABLE_STATUSES.includes(desired.status)) {
    throw new PartnerCenterError(400, 800096, 'Cannot update the status for this subscription.');
  }
  if (current === 'suspended' && !statusChanges) {
    if (quantityChanges) {
      throw new PartnerCenterError(
        400,
        2001,
        'Subscription quantity cannot be increased or decreased while subscription is being suspended.',
      );
    }
    if (autoRenewChanges && desired.autoRenewEnabled) {
      throw new PartnerCenterError(400, 800091, 'Cannot update a subscription with suspended status.');
    }
  }
  if (statusChanges) {
    if (desired.status === 'suspended' && current !== 'active') {
      throw new PartnerCenterError(400, 800096, 'Cannot update the status for this subscription.');
    }
    if (desired.status === 'active') {
      if (current !== 'suspended' || ctx.nowMs >= termEndsAtMs(subscription.commitmentEndDate)) {
        throw new PartnerCenterError(400, 800096, 'Cannot update the status for this subscription.');
      }
    }
    if (desired.status === 'deleted') {
      if (subscription.channel !== 'nce' || !subscription.cancellationAllowedUntilDate) {
        throw new PartnerCenterError(400, 800096, 'Cannot update the status for this subscription.');
      }
      if (ctx.nowMs > Date.parse(subscription.cancellationAllowedUntilDate)) {
        const days = ctx.env.knobs().nceCancellationWindowDays;
        throw new PartnerCenterError(
          400,
          900117,
          `You have passed your ${days}-day cancellation window. We are unable to cancel your purchase.`,
        );
      }
    }
  }
  if (quantityChanges && desired.status === 'active') validateQuantity(ctx, subscription, desired.quantity);
  if (autoRenewChanges && desired.autoRenewEnabled && subscription.channel === 'legacy') {
    throw new PartnerCenterError(400, 800093, 'The subscription is not eligible to be auto-renewed.');
  }
}

function validateQuantity(ctx: ApiContext, subscription: SubscriptionRecord, quantity: number): void {
  const definition = skuById(subscription.skuId);
  if (isKaizala(subscription.skuId) || !definition) {
    throw new PartnerCenterError(400, 2006, `Updates on subscriptions for offer ${subscription.offerId} are not allowed.`);
  }
  const maximum = definition.nce?.maximumQuantity ?? 10000;
  if (quantity < 1 || quantity > maximum) {
    throw new PartnerCenterError(400, 2002, 'Subscription quantity is not within minimum and maximum allowed quantity.');
  }
  if (
    quantity < subscription.quantity &&
    subscription.channel === 'nce' &&
    subscription.cancellationAllowedUntilDate &&
    ctx.nowMs > Date.parse(subscription.cancellationAllowedUntilDate)
  ) {
    throw new PartnerCenterError(400, 800090, 'Subscription quantity cannot be decreased.');
  }
  if (definition.nce?.pooledCap && quantity > subscription.quantity) {
    const cap = ctx.env.knobs().businessSeatCap;
    const inUse = pooledSeatsInUse(ctx.env.db, subscription.customerId, subscription.skuId);
    const remaining = Math.max(0, cap - inUse);
    const requested = quantity - subscription.quantity;
    if (requested > remaining) {
      throw new PartnerCenterError(
        403,
        800088,
        `The requested number of ${requested} seat/s exceeded the remaining limit of ${remaining} seats allowed per subscription for the CatalogID - ${subscription.offerId}`,
      );
    }
  }
}

function applyChange(ctx: ApiContext, subscription: SubscriptionRecord, desired: DesiredChange): LedgerChange[] {
  const before = summarizeSubscription(subscription);
  subscription.quantity = desired.quantity;
  subscription.autoRenewEnabled = desired.autoRenewEnabled;
  if (desired.status !== subscription.status) {
    const changes = transitionSubscription(ctx.env.db, subscription, desired.status, ctx.nowMs);
    const first = changes[0];
    if (first?.kind === 'subscription') first.before = before;
    return changes;
  }
  subscription.pendingChange = null;
  subscription.etag = newEtag();
  ctx.env.db.putSubscription(subscription);
  return [
    {
      kind: 'subscription',
      subscriptionId: subscription.id,
      skuId: subscription.skuId,
      offerName: subscription.offerName,
      before,
      after: summarizeSubscription(subscription),
      consumedUnits: ctx.env.db.consumedUnits(subscription.customerId, subscription.skuId),
    },
  ];
}

function patchSubscription(ctx: ApiContext): ApiResult {
  const customer = customerOf(ctx);
  const subscription = findSubscription(ctx);
  const body = asRecord(ctx.body);
  const attributes = asRecord(body?.attributes);
  const ifMatchHeader = ctx.headers['if-match'];
  const presented = (Array.isArray(ifMatchHeader) ? ifMatchHeader[0] : ifMatchHeader) ?? asString(attributes?.etag);
  if (ctx.fault.staleEtag || !presented || unquoteEtag(presented) !== subscription.etag) {
    throw new PartnerCenterError(400, 2055, 'Etag is no longer valid');
  }
  if (subscription.pendingChange) {
    throw new PartnerCenterError(409, 900278, 'An operation is already pending on this subscription. Try again later.');
  }
  const desired = readDesiredChange(ctx, subscription);
  validateChange(ctx, subscription, desired);
  const unchanged =
    desired.status === subscription.status &&
    desired.quantity === subscription.quantity &&
    desired.autoRenewEnabled === subscription.autoRenewEnabled;
  if (unchanged) {
    return { status: 200, body: renderSubscription(subscription, customer.country, ctx.nowMs) };
  }
  const polls = ctx.fault.accepted202?.polls ?? ctx.env.knobs().patchAcceptedPolls;
  if (polls > 0) {
    const pending: PendingSubscriptionChange = { ...desired, pollsRemaining: polls };
    subscription.pendingChange = pending;
    subscription.etag = newEtag();
    ctx.env.db.putSubscription(subscription);
    return {
      status: 202,
      headers: { Location: `/customers/${customer.id}/subscriptions/${subscription.id}` },
      changes: [
        {
          kind: 'subscription',
          subscriptionId: subscription.id,
          skuId: subscription.skuId,
          offerName: subscription.offerName,
          before: summarizeSubscription(subscription),
          after: summarizeSubscription(subscription),
          consumedUnits: ctx.env.db.consumedUnits(customer.id, subscription.skuId),
        },
      ],
    };
  }
  const changes = applyChange(ctx, subscription, desired);
  return { status: 200, body: renderSubscription(subscription, customer.country, ctx.nowMs), changes };
}

function getProvisioningStatus(ctx: ApiContext): ApiResult {
  return { status: 200, body: renderSubscriptionProvisioningStatus(findSubscription(ctx), ctx.nowMs) };
}

/** Microsoft prescribes no upgrade or transition path off Kaizala; other subscriptions have none in the sandbox. */
function getUpgrades(ctx: ApiContext): ApiResult {
  findSubscription(ctx);
  return { status: 200, body: collection([]) };
}

function getTransitionEligibilities(ctx: ApiContext): ApiResult {
  findSubscription(ctx);
  return { status: 200, body: collection([]) };
}

const sub = '/customers/:customerId/subscriptions/:subscriptionId';

export const subscriptionRoutes: ApiRoute[] = [
  {
    api: 'partnerCenter',
    method: 'GET',
    pattern: '/customers/:customerId/subscriptions',
    operation: 'listSubscriptions',
    throttle: 'partnerCenter',
    handle: listSubscriptions,
  },
  { api: 'partnerCenter', method: 'GET', pattern: sub, operation: 'getSubscription', throttle: 'partnerCenter', handle: getSubscription },
  {
    api: 'partnerCenter',
    method: 'PATCH',
    pattern: sub,
    operation: 'patchSubscription',
    throttle: 'partnerCenter',
    mutating: true,
    handle: patchSubscription,
  },
  {
    api: 'partnerCenter',
    method: 'GET',
    pattern: `${sub}/provisioningstatus`,
    operation: 'getSubscriptionProvisioningStatus',
    throttle: 'partnerCenter',
    appUserOnly: 'directory',
    handle: getProvisioningStatus,
  },
  { api: 'partnerCenter', method: 'GET', pattern: `${sub}/upgrades`, operation: 'getUpgrades', throttle: 'partnerCenter', handle: getUpgrades },
  {
    api: 'partnerCenter',
    method: 'GET',
    pattern: `${sub}/transitionEligibilities`,
    operation: 'getTransitionEligibilities',
    throttle: 'partnerCenter',
    handle: getTransitionEligibilities,
  },
];
