import type { ApiContext, ApiResult, ApiRoute } from './apiTypes';
import { EEA_COUNTRIES, resolveCatalogItem, skuById, skuByLegacyOfferId, isKaizala, soldInMarket, termsOf, type SkuDefinition } from './catalog';
import { DAY_MS } from './clock';
import { PartnerCenterError } from './errors';
import { asInteger, asRecord, asString } from './input';
import type {
  CartLineError,
  CartLineRecord,
  CartRecord,
  CustomerRecord,
  LedgerChange,
  OrderLineRecord,
  OrderRecord,
} from './model';
import { customerOf } from './pcCustomers';
import { collection, renderCart, renderOrder, renderOrderProvisioningStatus } from './pcRender';
import { pooledSeatsInUse } from './seatCap';

const BILLING_CYCLES = ['monthly', 'annual'];
const TERMS = ['P1M', 'P1Y', 'P3Y'];

export function isEducationApproved(customer: CustomerRecord): boolean {
  return customer.qualifications.some(
    (qualification) => qualification.qualification.toLowerCase() === 'education' && qualification.vettingStatus === 'Approved',
  );
}

/** Whether the NCE catalog currently sells this SKU to this customer. */
export function sellableToCustomer(ctx: ApiContext, definition: SkuDefinition, customer: CustomerRecord | null): boolean {
  if (!definition.nce) return false;
  if (definition.segment === 'education') {
    if (ctx.env.knobs().educationChannel !== 'nce') return false;
    if (customer && !isEducationApproved(customer)) return false;
  }
  return true;
}

function lineError(errorCode: number, errorDescription: string, additionalInformation?: Record<string, unknown>): CartLineError {
  return additionalInformation ? { errorCode, errorDescription, additionalInformation } : { errorCode, errorDescription };
}

/** Validates one cart line the way Partner Center does: problems become line errors, not HTTP errors. */
function validateLine(ctx: ApiContext, customer: CustomerRecord, raw: unknown, index: number, pending: Map<string, number>): CartLineRecord {
  const record = asRecord(raw) ?? {};
  const catalogItemId = asString(record.catalogItemId) ?? asString(record.catalogId) ?? '';
  const quantity = asInteger(record.quantity);
  const billingCycle = asString(record.billingCycle) ?? '';
  const termDuration = asString(record.termDuration);
  const line: CartLineRecord = {
    id: asInteger(record.id) ?? index,
    catalogItemId,
    quantity: quantity ?? 0,
    billingCycle,
  };
  if (termDuration) line.termDuration = termDuration;
  const currencyCode = asString(record.currencyCode);
  if (currencyCode) line.currencyCode = currencyCode;
  const provisioningContext = asRecord(record.provisioningContext);
  if (provisioningContext) line.provisioningContext = provisioningContext;

  const knobs = ctx.env.knobs();
  const resolved = resolveCatalogItem(catalogItemId, knobs.availabilityGeneration);
  if (!resolved || !resolved.current || !sellableToCustomer(ctx, resolved.definition, null)) {
    line.error = lineError(10001, 'CatalogItemIdIsNotValid');
    return line;
  }
  const { definition } = resolved;
  if (!soldInMarket(definition, customer.country)) {
    // The item belongs to another market's catalog (EEA suites outside the EEA, worldwide ones inside it).
    line.error = lineError(10001, 'CatalogItemIdIsNotValid');
    return line;
  }
  if (definition.enterpriseWithTeams && EEA_COUNTRIES.has(customer.country.toUpperCase()) && !holdsEnterpriseSuiteWithTeams(ctx, customer)) {
    line.error = lineError(
      10006,
      'UnableToProcessCartLineItem: new Enterprise customers in the EEA and Switzerland buy an EEA (no Teams) suite and a Teams standalone.',
    );
    return line;
  }
  if (definition.segment === 'education' && !isEducationApproved(customer)) {
    line.error = lineError(10006, 'UnableToProcessCartLineItem: the customer is not qualified for education offers.');
    return line;
  }
  if (quantity === undefined || quantity < 1) {
    line.error = lineError(10010, 'InvalidInput: quantity');
    return line;
  }
  if (!BILLING_CYCLES.includes(billingCycle.toLowerCase())) {
    line.error = lineError(10010, 'InvalidInput: billingCycle');
    return line;
  }
  if (termDuration && !TERMS.includes(termDuration.toUpperCase())) {
    line.error = lineError(10010, 'InvalidInput: termDuration');
    return line;
  }
  const offered = termsOf(definition).some(
    ([duration, cycle]) => cycle === billingCycle.toLowerCase() && (!termDuration || duration === termDuration.toUpperCase()),
  );
  if (!offered) {
    line.error = lineError(10010, `InvalidInput: the availability offers no ${termDuration ?? ''} ${billingCycle} term`.replace(/\s+/g, ' '));
    return line;
  }
  if (currencyCode && currencyCode.toUpperCase() !== 'USD' && currencyCode.toUpperCase() !== 'EUR') {
    line.error = lineError(10000, 'CurrencyIsNotSupported');
    return line;
  }
  const maximum = definition.nce?.maximumQuantity ?? 10000;
  let available = maximum;
  if (definition.nce?.pooledCap) {
    const alreadyInCart = pending.get(definition.skuId) ?? 0;
    available = Math.max(0, knobs.businessSeatCap - pooledSeatsInUse(ctx.env.db, customer.id, definition.skuId) - alreadyInCart);
  }
  if (quantity > available) {
    line.error = lineError(10015, 'MaxAllowedSeatsPerSubscriptionExceeded', { availableQuantity: available });
    return line;
  }
  pending.set(definition.skuId, (pending.get(definition.skuId) ?? 0) + quantity);
  return line;
}

/** An existing subscriber: the tenant holds a live enterprise suite with Teams (any partner or channel). */
function holdsEnterpriseSuiteWithTeams(ctx: ApiContext, customer: CustomerRecord): boolean {
  return ctx.env.db
    .subscriptionsOf(customer.id)
    .some((subscription) => ['active', 'pending'].includes(subscription.status) && skuById(subscription.skuId)?.enterpriseWithTeams === true);
}

/** The cart-level attestation, camelCase or PascalCase like every input. */
function cartAttestation(ctx: ApiContext): boolean | undefined {
  const body = asRecord(ctx.body);
  const value = body?.partnerOnRecordAttestationAccepted ?? body?.PartnerOnRecordAttestationAccepted;
  return typeof value === 'boolean' ? value : undefined;
}

function readLines(ctx: ApiContext, customer: CustomerRecord): CartLineRecord[] {
  const body = asRecord(ctx.body);
  const lines = body?.lineItems;
  if (!Array.isArray(lines) || lines.length === 0) {
    throw new PartnerCenterError(400, 800002, 'Invalid request input: a cart needs at least one line item.');
  }
  const pending = new Map<string, number>();
  return lines.map((line, index) => validateLine(ctx, customer, line, index, pending));
}

function cartChange(cart: CartRecord, before: string | null): LedgerChange {
  return {
    kind: 'cart',
    cartId: cart.id,
    before,
    after: cart.status,
    lineItems: cart.lineItems.map((line) => ({
      catalogItemId: line.catalogItemId,
      quantity: line.quantity,
      billingCycle: line.billingCycle,
      ...(line.termDuration ? { termDuration: line.termDuration } : {}),
      ...(line.error ? { errorCode: line.error.errorCode } : {}),
    })),
    ...(cart.partnerOnRecordAttestationAccepted === undefined ? {} : { partnerOnRecordAttestationAccepted: cart.partnerOnRecordAttestationAccepted }),
  };
}

function createCart(ctx: ApiContext): ApiResult {
  const customer = customerOf(ctx);
  const lineItems = readLines(ctx, customer);
  const now = new Date(ctx.nowMs).toISOString();
  const cart: CartRecord = {
    id: ctx.env.newId(),
    customerId: customer.id,
    status: 'Active',
    creationTimestamp: now,
    lastModifiedTimestamp: now,
    expirationTimestamp: new Date(ctx.nowMs + ctx.env.knobs().cartExpiryDays * DAY_MS).toISOString(),
    lineItems,
    checkoutResult: null,
  };
  const attestation = cartAttestation(ctx);
  if (attestation !== undefined) cart.partnerOnRecordAttestationAccepted = attestation;
  ctx.env.db.putCart(cart);
  return { status: 201, body: renderCart(cart), changes: [cartChange(cart, null)] };
}

function findCart(ctx: ApiContext): CartRecord {
  const cart = ctx.env.db.cart(customerOf(ctx).id, ctx.params.cartId);
  if (!cart) throw new PartnerCenterError(404, 800008, 'Unable to retrieve cart Id.');
  return cart;
}

function isExpired(ctx: ApiContext, cart: CartRecord): boolean {
  return cart.status === 'Active' && ctx.nowMs > Date.parse(cart.expirationTimestamp);
}

function getCart(ctx: ApiContext): ApiResult {
  return { status: 200, body: renderCart(findCart(ctx)) };
}

function updateCart(ctx: ApiContext): ApiResult {
  const customer = customerOf(ctx);
  const cart = findCart(ctx);
  if (isExpired(ctx, cart)) throw new PartnerCenterError(404, 800008, `Unable to retrieve cart Id: cart ${cart.id} has expired.`);
  if (cart.status !== 'Active') throw new PartnerCenterError(400, 800065, `Cannot checkout an already submitted cart ${cart.id}.`);
  cart.lineItems = readLines(ctx, customer);
  cart.lastModifiedTimestamp = new Date(ctx.nowMs).toISOString();
  ctx.env.db.putCart(cart);
  return { status: 200, body: renderCart(cart), changes: [cartChange(cart, 'Active')] };
}

function checkoutResultBody(ctx: ApiContext, cart: CartRecord): Record<string, unknown> {
  const orders = (cart.checkoutResult?.orderIds ?? [])
    .map((orderId) => ctx.env.db.order(cart.customerId, orderId))
    .filter((order): order is OrderRecord => order !== undefined)
    .map(renderOrder);
  return { orders, orderErrors: cart.checkoutResult?.orderErrors ?? [], attributes: { objectType: 'CartCheckoutResult' } };
}

/** Checkout-time checks the cart could not make: rotated availabilities, the pooled cap, eligibility. */
function recheckLines(ctx: ApiContext, customer: CustomerRecord, cart: CartRecord): { line: CartLineRecord; definition: SkuDefinition }[] {
  const knobs = ctx.env.knobs();
  const erroneous = cart.lineItems.find((line) => line.error);
  if (erroneous) {
    throw new PartnerCenterError(400, 800009, 'Error in Cart item(s).', [
      { lineItemId: erroneous.id, errorCode: erroneous.error?.errorCode },
    ]);
  }
  const requested = new Map<string, number>();
  return cart.lineItems.map((line) => {
    const resolved = resolveCatalogItem(line.catalogItemId, knobs.availabilityGeneration);
    if (!resolved || !resolved.current) {
      throw new PartnerCenterError(404, 400019, `Availability not found for catalog item ${line.catalogItemId}.`);
    }
    const { definition } = resolved;
    if (!sellableToCustomer(ctx, definition, customer)) {
      throw new PartnerCenterError(403, 2085, 'The offer is not eligible for purchase.');
    }
    if (definition.nce?.pooledCap) {
      const before = requested.get(definition.skuId) ?? 0;
      const remaining = Math.max(0, knobs.businessSeatCap - pooledSeatsInUse(ctx.env.db, customer.id, definition.skuId) - before);
      if (line.quantity > remaining) {
        throw new PartnerCenterError(
          403,
          800088,
          `The requested number of ${line.quantity} seat/s exceeded the remaining limit of ${remaining} seats allowed per subscription for the CatalogID - ${line.catalogItemId}`,
        );
      }
      requested.set(definition.skuId, before + line.quantity);
    }
    return { line, definition };
  });
}

function newOrder(
  ctx: ApiContext,
  customer: CustomerRecord,
  channel: 'nce' | 'legacy',
  billingCycle: string,
  cartId: string | null,
  lines: { offerId: string; definition: SkuDefinition; quantity: number; termDuration?: string }[],
): OrderRecord {
  const knobs = ctx.env.knobs();
  const order: OrderRecord = {
    id: ctx.env.newOrderId(),
    customerId: customer.id,
    channel,
    cartId,
    requestId: ctx.requestId,
    billingCycle: billingCycle.toLowerCase(),
    currencyCode: 'USD',
    status: 'pending',
    creationDate: new Date(ctx.nowMs).toISOString(),
    dueAt: new Date(ctx.nowMs + knobs.provisioningDelayMs).toISOString(),
    listedFrom: new Date(ctx.nowMs + knobs.orderListLagMs).toISOString(),
    seatDelayMs: knobs.seatProvisioningDelayMs,
    fails: ctx.fault.failOrder === true,
    lineItems: lines.map(
      (line, index): OrderLineRecord => ({
        lineItemNumber: index,
        offerId: line.offerId,
        skuId: line.definition.skuId,
        quantity: line.quantity,
        ...(line.termDuration ? { termDuration: line.termDuration } : {}),
        friendlyName: line.definition.title,
        subscriptionId: ctx.env.newId(),
      }),
    ),
  };
  ctx.env.db.putOrder(order);
  return order;
}

function orderChange(order: OrderRecord): LedgerChange {
  return {
    kind: 'order',
    orderId: order.id,
    cartId: order.cartId,
    before: null,
    after: order.status,
    lineItems: order.lineItems.map((line) => ({
      offerId: line.offerId,
      skuId: line.skuId,
      quantity: line.quantity,
      subscriptionId: line.subscriptionId,
    })),
  };
}

function checkout(ctx: ApiContext): ApiResult {
  const customer = customerOf(ctx);
  const cart = findCart(ctx);
  if (cart.status === 'Ordered' && !ctx.reexecution) {
    if (ctx.env.knobs().recheckoutMode === 'reject800065') {
      throw new PartnerCenterError(400, 800065, `Cannot checkout an already submitted cart ${cart.id}.`);
    }
    return { status: 201, body: checkoutResultBody(ctx, cart) };
  }
  if (isExpired(ctx, cart)) throw new PartnerCenterError(404, 800008, `Unable to retrieve cart Id: cart ${cart.id} has expired.`);
  const lines = recheckLines(ctx, customer, cart);
  const groups = new Map<string, typeof lines>();
  for (const entry of lines) {
    const key = entry.line.billingCycle.toLowerCase();
    groups.set(key, [...(groups.get(key) ?? []), entry]);
  }
  const orders = [...groups.entries()].map(([billingCycle, entries]) =>
    newOrder(
      ctx,
      customer,
      'nce',
      billingCycle,
      cart.id,
      entries.map(({ line, definition }) => ({
        offerId: line.catalogItemId,
        definition,
        quantity: line.quantity,
        termDuration: line.termDuration?.toUpperCase() ?? 'P1Y',
      })),
    ),
  );
  const before = cart.status;
  cart.status = 'Ordered';
  cart.lastModifiedTimestamp = new Date(ctx.nowMs).toISOString();
  cart.checkoutResult = { orderIds: orders.map((order) => order.id), orderErrors: [] };
  ctx.env.db.putCart(cart);
  return {
    status: 201,
    body: { orders: orders.map(renderOrder), orderErrors: [], attributes: { objectType: 'CartCheckoutResult' } },
    changes: [cartChange(cart, before), ...orders.map(orderChange)],
  };
}

function listOrders(ctx: ApiContext): ApiResult {
  const customer = customerOf(ctx);
  const orders = ctx.env.db
    .ordersOf(customer.id)
    .filter((order) => Date.parse(order.listedFrom) <= ctx.nowMs)
    .map(renderOrder);
  return { status: 200, body: collection(orders, { self: { uri: `/customers/${customer.id}/orders`, method: 'GET', headers: [] } }) };
}

function findOrder(ctx: ApiContext): OrderRecord {
  const order = ctx.env.db.order(customerOf(ctx).id, ctx.params.orderId);
  if (!order) throw new PartnerCenterError(404, 20000, 'Order Id not found.');
  return order;
}

function getOrder(ctx: ApiContext): ApiResult {
  return { status: 200, body: renderOrder(findOrder(ctx)) };
}

function getOrderProvisioningStatus(ctx: ApiContext): ApiResult {
  const order = findOrder(ctx);
  const subscriptions = ctx.env.db.subscriptionsOf(order.customerId);
  return { status: 200, body: renderOrderProvisioningStatus(order, subscriptions, ctx.nowMs) };
}

/** Legacy purchase (`POST /customers/{cid}/orders`): only education offers, and only on the legacy channel. */
function createLegacyOrder(ctx: ApiContext): ApiResult {
  const customer = customerOf(ctx);
  const body = asRecord(ctx.body);
  const rawLines = body?.lineItems;
  if (!Array.isArray(rawLines) || rawLines.length === 0) {
    throw new PartnerCenterError(400, 800002, 'Invalid request input: an order needs at least one line item.');
  }
  const billingCycle = asString(body?.billingCycle) ?? 'monthly';
  const lines = rawLines.map((raw) => {
    const record = asRecord(raw) ?? {};
    const offerId = asString(record.offerId) ?? '';
    const quantity = asInteger(record.quantity);
    const definition = skuByLegacyOfferId(offerId);
    if (!definition) throw new PartnerCenterError(400, 800004, 'Invalid offer Id.');
    if (isKaizala(definition.skuId) || definition.segment !== 'education' || ctx.env.knobs().educationChannel !== 'legacy') {
      throw new PartnerCenterError(403, 2091, 'The offer is no longer available for purchase.');
    }
    if (!isEducationApproved(customer)) throw new PartnerCenterError(403, 2085, 'The offer is not eligible for purchase.');
    if (quantity === undefined || quantity < 1) throw new PartnerCenterError(400, 3000, 'Invalid property: quantity.');
    return { offerId: definition.legacyOfferId, definition, quantity };
  });
  const order = newOrder(ctx, customer, 'legacy', billingCycle, null, lines);
  return { status: 201, body: renderOrder(order), changes: [orderChange(order)] };
}

const carts = '/customers/:customerId/carts';
const orders = '/customers/:customerId/orders';

export const commerceRoutes: ApiRoute[] = [
  {
    api: 'partnerCenter',
    method: 'POST',
    pattern: carts,
    operation: 'createCart',
    throttle: 'partnerCenter',
    mutating: true,
    handle: createCart,
  },
  { api: 'partnerCenter', method: 'GET', pattern: `${carts}/:cartId`, operation: 'getCart', throttle: 'partnerCenter', handle: getCart },
  {
    api: 'partnerCenter',
    method: 'PUT',
    pattern: `${carts}/:cartId`,
    operation: 'updateCart',
    throttle: 'partnerCenter',
    mutating: true,
    handle: updateCart,
  },
  {
    api: 'partnerCenter',
    method: 'POST',
    pattern: `${carts}/:cartId/checkout`,
    operation: 'checkout',
    throttle: 'partnerCenter',
    mutating: true,
    lock: {
      key: (ctx) => `cart:${ctx.params.cartId}`,
      holdMs: (knobs) => knobs.checkoutProcessingMs,
      busy: (ctx) => new PartnerCenterError(409, 800064, `Cart ${ctx.params.cartId} is being processed by another request.`),
    },
    handle: checkout,
  },
  { api: 'partnerCenter', method: 'GET', pattern: orders, operation: 'listOrders', throttle: 'partnerCenter', handle: listOrders },
  { api: 'partnerCenter', method: 'GET', pattern: `${orders}/:orderId`, operation: 'getOrder', throttle: 'partnerCenter', handle: getOrder },
  {
    api: 'partnerCenter',
    method: 'GET',
    pattern: `${orders}/:orderId/provisioningstatus`,
    operation: 'getOrderProvisioningStatus',
    throttle: 'partnerCenter',
    appUserOnly: 'directory',
    handle: getOrderProvisioningStatus,
  },
  {
    api: 'partnerCenter',
    method: 'POST',
    pattern: orders,
    operation: 'createOrder',
    throttle: 'partnerCenter',
    mutating: true,
    handle: createLegacyOrder,
  },
];
