/**
 * Step 1: buy the replacement plan exactly once (one cart, one line per SKU: a suite without Teams and its Teams
 * standalone are bought together, under one approval and one checkout). Each line buys a term its availability
 * offers, never an assumed one, and the partner-of-record attestation is sent on the cart. The cart id and both MS-RequestIds
 * are persisted before the calls they belong to; an uncertain outcome is reconciled through the cart, the orders
 * and the subscriptions, never by buying again, and a cart that is ordered is never checked out a second time. A
 * new cart is built only after reconciliation shows the old one bought nothing.
 */
import { randomUUID } from 'node:crypto';
import { billingCountry } from '../../catalog/tenantDirectory';
import { hasErrorCode, isApiError } from '../../http/errors';
import type { CartLineItemRequest } from '../../partnerCenter/types';
import { offerPrefix, type CartTerm, type CatalogQuery } from '../catalogResolver';
import type { MigrationRun, PurchaseState, RunLine } from '../run';
import { ParkRun, describeError, type RunContext, type StepResult } from '../runContext';
import { backoffMs } from '../settings';

const SEAT_CAP_CODES = ['800067', '800088'];
const NOT_ELIGIBLE_CODES = ['2006', '2085', '2091'];
const BLOCKED_CODES = ['800066', '800089', '13605', '800073', '800074', '800075', '800070'];
const ATTESTATION_CODES = ['900203', '900206'];
/** Orders and subscriptions of our cart are never older than the cart, give or take clock skew. */
const CLOCK_SKEW_MS = 5 * 60_000;
const UNUSABLE_STATUSES = ['cancelled', 'deleted', 'suspended', 'expired', 'disabled'];

/** New carts after reconciliation showed the last one bought nothing, before a person must look. */
const MAX_CART_REBUILDS = 3;

const NEXT_PROVISIONING: StepResult = { kind: 'next', step: 'provisioning' };
const AGAIN: StepResult = { kind: 'next', step: 'purchase' };

/** Goes round for a new cart, a bounded number of times in one tenure. */
function rebuild(ctx: RunContext, why: string): StepResult {
  if (ctx.nextPoll('cartRebuilt') > MAX_CART_REBUILDS) {
    throw new ParkRun('cartRejected', `${MAX_CART_REBUILDS} new carts in a row were refused; last: ${why}`);
  }
  return AGAIN;
}

export async function purchaseStep(ctx: RunContext): Promise<StepResult> {
  const purchase = ctx.run.purchase;
  if ((purchase.orderIds?.length ?? 0) > 0) return NEXT_PROVISIONING;
  if (purchase.cartId) {
    const status = await cartStatus(ctx, purchase.cartId);
    if (status === 'ordered') return landed(ctx, `cart ${purchase.cartId} is ordered`);
    if (status === 'active') return checkout(ctx);
    await abandonCart(ctx, 'cart not found');
  }
  if (!ctx.run.purchase.cartRequestId || !ctx.run.purchase.catalogItems) {
    const { catalogItems, catalogTerms } = await resolveCatalogItems(ctx);
    const adopted = await findAdoptableOrders(ctx, catalogItems);
    if (adopted) {
      await ctx.save((latest) => withPurchase(latest, { catalogItems, catalogTerms }));
      await recordOrders(ctx, adopted, true);
      return NEXT_PROVISIONING;
    }
    await ctx.save((latest) => withPurchase(latest, { catalogItems, catalogTerms, cartRequestId: randomUUID() }));
  }
  return (await createCart(ctx)) ?? checkout(ctx);
}

async function cartStatus(ctx: RunContext, cartId: string): Promise<'ordered' | 'active' | 'missing'> {
  try {
    const cart = await ctx.clients.partnerCenter.getCart(ctx.run.customerId, cartId);
    return cart.status.toLowerCase() === 'ordered' ? 'ordered' : 'active';
  } catch (error) {
    if (isApiError(error) && error.status === 404) return 'missing';
    throw error;
  }
}

/** Resolves every line's catalog item and term (availability ids are re-read, product and SKU cached). */
async function resolveCatalogItems(ctx: RunContext): Promise<{ catalogItems: Record<string, string>; catalogTerms: Record<string, CartTerm> }> {
  const run = ctx.run;
  const country = run.purchase.country ?? (await customerCountry(ctx));
  const catalogItems: Record<string, string> = {};
  const catalogTerms: Record<string, CartTerm> = {};
  for (const line of run.lines) {
    const item = await ctx.clients.catalog.resolve(catalogQuery(run, line, country));
    if (!item) {
      throw new ParkRun('catalogItemNotFound', `no purchasable catalog item for ${line.title} (skuId ${line.skuId}) in market ${country}`);
    }
    catalogItems[line.skuId] = item.catalogItemId;
    catalogTerms[line.skuId] = item.term;
  }
  if (!run.purchase.country) await ctx.save((latest) => withPurchase(latest, { country }));
  return { catalogItems, catalogTerms };
}

/** A run persisted before terms were recorded bought a one-year term billed monthly; keep that for its cart. */
const TERM_OF_OLDER_RUNS: CartTerm = { termDuration: 'P1Y', billingCycle: 'monthly' };

/** Creates the cart of the persisted intent (re-sent with the same MS-RequestId); a StepResult when it cannot. */
async function createCart(ctx: RunContext): Promise<StepResult | undefined> {
  const pc = ctx.clients.partnerCenter;
  const run = ctx.run;
  const { cartRequestId, catalogItems, catalogTerms, attestation } = run.purchase as PurchaseState & {
    cartRequestId: string;
    catalogItems: Record<string, string>;
  };
  const lines: CartLineItemRequest[] = run.lines.map((line) => {
    const term = catalogTerms?.[line.skuId] ?? TERM_OF_OLDER_RUNS;
    return {
      catalogItemId: catalogItems[line.skuId],
      quantity: line.quantity,
      billingCycle: term.billingCycle,
      termDuration: term.termDuration,
      // Only SKUs that enforce it want the line attestation; the catalog says so with 10012 / 900203 / 900206.
      ...(attestation ? { attestationAccepted: true } : {}),
    };
  });
  const created = await ctx.sideEffect(
    'createCart',
    // The partner transacts as partner of record for every cart it builds; the create-cart request marks it required.
    () => pc.createCart(run.customerId, lines, cartRequestId, { partnerOnRecordAttestationAccepted: true }),
    (result) => ({
      msRequestId: result.requestId,
      correlationId: result.correlationId,
      summary: `cart ${result.data.id} ${result.data.status}: ${lines
        .map((line) => `${line.quantity} × ${line.catalogItemId} (${line.termDuration}, ${line.billingCycle})`)
        .join(', ')}`,
    }),
    { msRequestId: cartRequestId },
  );
  const cart = created.data;
  const lineError = cart.lineItems?.find((item) => item.error)?.error;
  if (!lineError) {
    await ctx.save((latest) =>
      withPurchase(latest, { cartId: cart.id, cartCreatedAt: cart.creationTimestamp, checkoutRequestId: undefined, checkoutSentAt: undefined }),
    );
    return undefined;
  }
  const code = String(lineError.errorCode);
  await ctx.save((latest) => abandoned(latest, cart.id, `line error ${code}`));
  switch (code) {
    case '10015': {
      const available = lineError.additionalInformation?.availableQuantity;
      throw new ParkRun('seatCap', `10015 MaxAllowedSeatsPerSubscriptionExceeded: ${run.quantity} requested, ${available ?? 'unknown'} still allowed`);
    }
    case '10006':
      throw new ParkRun('notEligible', `10006 ${lineError.errorDescription}`);
    case '10012':
      await ctx.save((latest) => withPurchase(latest, { attestation: true }));
      return rebuild(ctx, '10012 AttestationNotAccepted');
    case '10001':
      for (const line of run.lines) ctx.clients.catalog.invalidate(catalogQuery(run, line, run.purchase.country ?? ctx.settings.defaultCountry));
      if (ctx.nextPoll('catalogItemInvalid') <= 1) return rebuild(ctx, '10001 CatalogItemIdIsNotValid');
      throw new ParkRun('catalogItemNotFound', `10001 CatalogItemIdIsNotValid: ${Object.values(catalogItems).join(', ')}`);
    default:
      throw new ParkRun('cartRejected', `${code} ${lineError.errorDescription}`);
  }
}

async function checkout(ctx: RunContext): Promise<StepResult> {
  const pc = ctx.clients.partnerCenter;
  if (!ctx.run.purchase.checkoutRequestId) {
    await ctx.save((latest) => withPurchase(latest, { checkoutRequestId: randomUUID(), checkoutSentAt: ctx.nowIso() }));
  }
  const { cartId, checkoutRequestId } = ctx.run.purchase as PurchaseState & { cartId: string; checkoutRequestId: string };
  let orderIds: string[];
  try {
    const result = await ctx.sideEffect(
      'checkout',
      () => pc.checkoutCart(ctx.run.customerId, cartId, checkoutRequestId),
      (answer) => ({
        msRequestId: answer.requestId,
        correlationId: answer.correlationId,
        summary: `cart ${cartId}: orders [${(answer.data.orders ?? []).map((order) => order.id).join(', ')}] errors [${(answer.data.orderErrors ?? [])
          .map((error) => error.code)
          .join(', ')}]`,
      }),
      { msRequestId: checkoutRequestId },
    );
    orderIds = (result.data.orders ?? []).map((order) => order.id);
    const orderError = result.data.orderErrors?.[0];
    if (orderIds.length === 0 && orderError) throw parkForCode(String(orderError.code), orderError.description);
  } catch (error) {
    return afterCheckoutError(ctx, error);
  }
  if (orderIds.length === 0) return landed(ctx, 'checkout answered without an order');
  await recordOrders(ctx, orderIds, false);
  return NEXT_PROVISIONING;
}

async function afterCheckoutError(ctx: RunContext, error: unknown): Promise<StepResult> {
  if (error instanceof ParkRun) throw error;
  const cartId = ctx.run.purchase.cartId ?? '';
  if (hasErrorCode(error, '800065')) return landed(ctx, 'checkout answered 800065 (already submitted)');
  if (hasErrorCode(error, '800060', '800064')) {
    // "Landed or landing": the next pass reads the cart again and never buys anew while it may be ordered.
    return {
      kind: 'retry',
      reason: `checkout answered ${error.code}`,
      park: { code: 'purchaseUnknown', detail: `cart ${cartId} stays busy (${error.code}); nothing more will be bought` },
    };
  }
  if (hasErrorCode(error, '400019', '800008', ...ATTESTATION_CODES)) {
    const status = await cartStatus(ctx, cartId);
    if (status === 'ordered') return landed(ctx, `cart ordered although checkout answered ${error.code}`);
    if (error.code === '400019') {
      for (const line of ctx.run.lines) ctx.clients.catalog.invalidate(catalogQuery(ctx.run, line, ctx.run.purchase.country ?? ctx.settings.defaultCountry));
    }
    await ctx.save((latest) => {
      const next = abandoned(latest, cartId, `checkout ${error.code}`);
      return ATTESTATION_CODES.includes(error.code) ? withPurchase(next, { attestation: true }) : next;
    });
    return rebuild(ctx, `checkout ${error.code}`);
  }
  if (isApiError(error) && (error.status === undefined || error.status >= 500)) {
    // The checkout may or may not have landed; the next pass reconciles through the cart before anything else.
    return {
      kind: 'retry',
      reason: `checkout outcome unknown: ${describeError(error)}`,
      park: { code: 'transientFailures', detail: `the checkout of cart ${cartId} kept failing; the next attempt checks the cart first` },
    };
  }
  if (isApiError(error) && !error.retryable) {
    const parked = parkForCode(error.code, error.description);
    if (parked.code !== 'rejected') throw parked;
  }
  throw error;
}

function parkForCode(code: string, description: string): ParkRun {
  if (SEAT_CAP_CODES.includes(code)) return new ParkRun('seatCap', `${code} ${description}`);
  if (NOT_ELIGIBLE_CODES.includes(code)) return new ParkRun('notEligible', `${code} ${description}`);
  if (BLOCKED_CODES.includes(code)) return new ParkRun('purchaseBlocked', `${code} ${description}`);
  if (code === '800009') return new ParkRun('cartRejected', `${code} ${description}`);
  return new ParkRun('rejected', `checkout ${code} ${description}`);
}

/** The checkout landed (or may have): find its order(s) in the lists, which lag; never check out an ordered cart again. */
async function landed(ctx: RunContext, why: string): Promise<StepResult> {
  if (!ctx.run.purchase.landingSince) await ctx.save((latest) => withPurchase(latest, { landingSince: ctx.nowIso() }));
  const run = ctx.run;
  const items = run.purchase.catalogItems ?? {};
  const since = Date.parse(run.purchase.cartCreatedAt ?? run.purchase.checkoutSentAt ?? run.createdAt) - CLOCK_SKEW_MS;
  const orderIds = await ordersCoveringLines(ctx, {
    sinceMs: since,
    includeUndated: true,
    usable: () => true,
    matches: (line, offerId, quantity) => offerId?.toLowerCase() === items[line.skuId]?.toLowerCase() && quantity === line.quantity,
  });
  if (orderIds) {
    await recordOrders(ctx, orderIds, true);
    return NEXT_PROVISIONING;
  }
  const waitedMs = ctx.now() - Date.parse(ctx.run.purchase.landingSince ?? ctx.nowIso());
  if (waitedMs > ctx.settings.purchaseLandingTimeoutMs) {
    throw new ParkRun(
      'purchaseUnknown',
      `${why}, but no order shows after ${Math.round(waitedMs / 60_000)} min (cart ${run.purchase.cartId}); nothing more will be bought`,
    );
  }
  return { kind: 'wait', ms: backoffMs(ctx.settings, ctx.nextPoll('landing')), reason: `${why}; its order is not listed yet` };
}

/** Orders or subscriptions of the plan made after the request by someone else (a crashed attempt, a human). */
async function findAdoptableOrders(ctx: RunContext, catalogItems: Record<string, string>): Promise<string[] | undefined> {
  const run = ctx.run;
  const prefixes = Object.fromEntries(Object.entries(catalogItems).map(([skuId, item]) => [skuId, offerPrefix(item)]));
  const done = new Set(run.users.filter((user) => user.state === 'done').map((user) => user.id));
  return ordersCoveringLines(ctx, {
    sinceMs: Date.parse(run.requestCreatedAt),
    includeUndated: false,
    usable: (status) => !UNUSABLE_STATUSES.includes(status.toLowerCase()),
    matches: (line, offerId, quantity) =>
      (offerId?.toLowerCase().startsWith(prefixes[line.skuId] ?? '\u0000') ?? false) &&
      (quantity ?? 0) >= line.userIds.filter((id) => !done.has(id)).length,
  });
}

interface OrderSearch {
  sinceMs: number;
  /** Whether orders or subscriptions without a date count (only when looking for our own cart's order). */
  includeUndated: boolean;
  usable: (status: string) => boolean;
  matches: (line: RunLine, offerId: string | undefined, quantity: number | undefined) => boolean;
}

/**
 * The orders (not claimed by the customer's other runs) that cover every line of the run, one order per line;
 * undefined while some line is uncovered, a park when a line could belong to several orders.
 */
async function ordersCoveringLines(ctx: RunContext, search: OrderSearch): Promise<string[] | undefined> {
  const pc = ctx.clients.partnerCenter;
  const run = ctx.run;
  const claimed = await ctx.claimedByOtherRuns();
  const recent = (date: string | undefined) => (date === undefined ? search.includeUndated : Date.parse(date) >= search.sinceMs);
  const candidates = new Map(run.lines.map((line) => [line.skuId, new Set<string>()]));
  for (const order of await pc.listOrders(run.customerId)) {
    if (claimed.has(order.id) || !recent(order.creationDate) || !search.usable(order.status)) continue;
    for (const line of run.lines) {
      if (order.lineItems?.some((item) => search.matches(line, item.offerId, item.quantity))) candidates.get(line.skuId)?.add(order.id);
    }
  }
  for (const subscription of await pc.listSubscriptions(run.customerId)) {
    const orderId = subscription.orderId;
    if (!orderId || claimed.has(orderId) || claimed.has(subscription.id)) continue;
    if (!recent(subscription.creationDate ?? subscription.effectiveStartDate) || !search.usable(subscription.status)) continue;
    for (const line of run.lines) {
      if (search.matches(line, subscription.offerId, subscription.quantity)) candidates.get(line.skuId)?.add(orderId);
    }
  }
  const found = [...candidates.values()];
  const ambiguous = found.find((orderIds) => orderIds.size > 1);
  if (ambiguous) {
    throw new ParkRun('purchaseAmbiguous', `several orders of ${run.plan.title} could be this request's: ${[...ambiguous].join(', ')}`);
  }
  const covered = found.filter((orderIds) => orderIds.size === 1).length;
  if (covered === 0) return undefined;
  if (covered < run.lines.length) {
    if (!search.includeUndated) {
      throw new ParkRun('purchaseAmbiguous', `only ${covered} of ${run.lines.length} plans of this request were already bought; a person must decide`);
    }
    return undefined;
  }
  return [...new Set(found.flatMap((orderIds) => [...orderIds]))];
}

async function recordOrders(ctx: RunContext, orderIds: string[], adopted: boolean): Promise<void> {
  await ctx.save((latest) => withPurchase(latest, { orderIds, adopted, orderedAt: ctx.nowIso(), landingSince: undefined }), true);
  ctx.resetPolls('landing');
}

async function customerCountry(ctx: RunContext): Promise<string> {
  const customer = await ctx.clients.partnerCenter.getCustomer(ctx.run.customerId);
  return billingCountry(customer.billingProfile) ?? ctx.settings.defaultCountry;
}

function catalogQuery(run: MigrationRun, line: RunLine, country: string): CatalogQuery {
  return { country, skuId: line.skuId, segment: run.plan.family === 'education' ? 'education' : undefined, title: line.title };
}

function withPurchase(run: MigrationRun, change: Partial<PurchaseState>): MigrationRun {
  return { ...run, purchase: { ...run.purchase, ...change } };
}

/** Forgets a cart that bought nothing, keeping its id for the record. */
function abandoned(run: MigrationRun, cartId: string, reason: string): MigrationRun {
  return withPurchase(run, {
    abandonedCarts: [...run.purchase.abandonedCarts, { cartId, reason }],
    cartId: undefined,
    cartRequestId: undefined,
    cartCreatedAt: undefined,
    catalogItems: undefined,
    catalogTerms: undefined,
    checkoutRequestId: undefined,
    checkoutSentAt: undefined,
    landingSince: undefined,
  });
}

async function abandonCart(ctx: RunContext, reason: string): Promise<void> {
  const cartId = ctx.run.purchase.cartId;
  if (cartId) await ctx.save((latest) => abandoned(latest, cartId, reason));
}
