import type { ApiContext, ApiResult, ApiRoute } from './apiTypes';
import { availabilityIdFor, catalogItemIdFor, isKaizala, productsOf, SKUS, soldInMarket, termsOf, type SkuDefinition } from './catalog';
import { PartnerCenterError } from './errors';
import type { CustomerRecord } from './model';
import { isEducationApproved, sellableToCustomer } from './pcCommerce';
import { collection, link } from './pcRender';

function country(ctx: ApiContext): string {
  const value = ctx.query.get('country');
  if (!value || !/^[a-z]{2}$/i.test(value)) {
    throw new PartnerCenterError(400, 800002, "Invalid request input: the 'country' query parameter is required.");
  }
  return value.toUpperCase();
}

function scopedCustomer(ctx: ApiContext): CustomerRecord | null {
  return ctx.customer;
}

/** What the catalog of the requested country sells (to the scoped customer, if any). */
function sellable(ctx: ApiContext): SkuDefinition[] {
  const market = country(ctx);
  return SKUS.filter((definition) => sellableToCustomer(ctx, definition, scopedCustomer(ctx)) && soldInMarket(definition, market));
}

function renderProduct(definition: SkuDefinition, countryCode: string): Record<string, unknown> {
  const productId = definition.nce?.productId ?? '';
  return {
    id: productId,
    title: definition.title,
    description: `${definition.title} (sandbox catalog entry)`,
    productType: { id: 'OnlineServices', displayName: 'OnlineServices' },
    isMicrosoftProduct: true,
    publisherName: 'Microsoft Corporation',
    links: {
      skus: link(`/products/${productId}/skus?country=${countryCode}`),
      self: link(`/products/${productId}?country=${countryCode}`),
    },
    attributes: { objectType: 'Product' },
  };
}

function renderSku(definition: SkuDefinition, countryCode: string): Record<string, unknown> {
  const nce = definition.nce;
  const productId = nce?.productId ?? '';
  const skuId = nce?.catalogSkuId ?? '';
  return {
    id: skuId,
    productId,
    title: definition.title,
    description: `${definition.title}: ${definition.servicePlans.map((plan) => plan.name).join(', ')}`,
    minimumQuantity: 1,
    maximumQuantity: nce?.maximumQuantity ?? 10000,
    isTrial: false,
    supportedBillingCycles: ['annual', 'monthly'],
    purchasePrerequisites: [],
    inventoryVariables: [],
    provisioningVariables: [],
    actions: [],
    dynamicAttributes: {
      provisioningId: definition.skuId,
      isMicrosoftProduct: true,
      isAddon: false,
      hasAddOns: false,
      prerequisiteSkus: [],
      upgradeTargetOffers: [],
      segment: definition.segment,
    },
    links: {
      availabilities: link(`/products/${productId}/skus/${skuId}/availabilities?country=${countryCode}`),
      self: link(`/products/${productId}/skus/${skuId}?country=${countryCode}`),
    },
    attributes: { objectType: 'Sku' },
  };
}

function renderAvailability(definition: SkuDefinition, countryCode: string, generation: number): Record<string, unknown> {
  const nce = definition.nce;
  const availabilityId = availabilityIdFor(definition, generation) ?? '';
  const refunds = [{ sequenceId: 0, type: 'Full', expiresAfter: 'P7D' }];
  const term = (duration: string, billingCycle: string, description: string) => ({
    duration,
    billingCycle,
    description,
    cancellationPolicies: [{ refunds, description: 'Full refund within 7 days of purchase.' }],
  });
  return {
    id: availabilityId,
    productId: nce?.productId,
    skuId: nce?.catalogSkuId,
    catalogItemId: catalogItemIdFor(definition, generation),
    defaultCurrency: { code: 'USD', symbol: '$' },
    segment: definition.segment,
    country: countryCode,
    isPurchasable: true,
    isRenewable: true,
    terms: termsOf(definition).map(([duration, billingCycle]) =>
      term(duration, billingCycle, `${duration === 'P1Y' ? 'One-Year' : 'One-Month'} commitment for ${billingCycle} billing`),
    ),
    links: {
      self: link(`/products/${nce?.productId}/skus/${nce?.catalogSkuId}/availabilities/${availabilityId}?country=${countryCode}`),
    },
    attributes: { objectType: 'Availability' },
  };
}

function findProductSkus(ctx: ApiContext): SkuDefinition[] {
  const sellableIds = new Set(sellable(ctx).map((definition) => definition.skuId));
  const found = productsOf(ctx.params.productId).filter((definition) => sellableIds.has(definition.skuId));
  if (found.length === 0) throw new PartnerCenterError(404, 1000, `Not found: product ${ctx.params.productId}.`);
  return found;
}

function findSku(ctx: ApiContext): SkuDefinition {
  const definition = findProductSkus(ctx).find((candidate) => candidate.nce?.catalogSkuId === ctx.params.skuId);
  if (!definition) throw new PartnerCenterError(404, 1000, `Not found: sku ${ctx.params.skuId}.`);
  return definition;
}

function listProducts(ctx: ApiContext): ApiResult {
  const countryCode = country(ctx);
  const targetView = ctx.query.get('targetView');
  if (!targetView) throw new PartnerCenterError(400, 800002, "Invalid request input: 'targetView' is required.");
  if (targetView.toLowerCase() !== 'onlineservices') return { status: 200, body: collection([]) };
  const segment = ctx.query.get('targetSegment')?.toLowerCase();
  const seen = new Set<string>();
  const items = sellable(ctx)
    .filter((definition) => !segment || definition.segment === segment)
    .filter((definition) => {
      const productId = definition.nce?.productId ?? '';
      if (seen.has(productId)) return false;
      seen.add(productId);
      return true;
    })
    .map((definition) => renderProduct(definition, countryCode));
  return { status: 200, body: collection(items) };
}

function getProduct(ctx: ApiContext): ApiResult {
  const countryCode = country(ctx);
  return { status: 200, body: renderProduct(findProductSkus(ctx)[0], countryCode) };
}

function listSkus(ctx: ApiContext): ApiResult {
  const countryCode = country(ctx);
  return { status: 200, body: collection(findProductSkus(ctx).map((definition) => renderSku(definition, countryCode))) };
}

function getSku(ctx: ApiContext): ApiResult {
  return { status: 200, body: renderSku(findSku(ctx), country(ctx)) };
}

function listAvailabilities(ctx: ApiContext): ApiResult {
  const countryCode = country(ctx);
  const generation = ctx.env.knobs().availabilityGeneration;
  return { status: 200, body: collection([renderAvailability(findSku(ctx), countryCode, generation)]) };
}

function renderOffer(ctx: ApiContext, definition: SkuDefinition, countryCode: string): Record<string, unknown> {
  const purchasable =
    !isKaizala(definition.skuId) &&
    definition.segment === 'education' &&
    ctx.env.knobs().educationChannel === 'legacy' &&
    (!ctx.customer || isEducationApproved(ctx.customer));
  return {
    id: definition.legacyOfferId,
    name: definition.title,
    description: definition.title,
    minimumQuantity: 1,
    maximumQuantity: 10000,
    rank: 0,
    uri: `/v1/offers/${definition.legacyOfferId}`,
    locale: 'en-US',
    country: countryCode,
    category: { id: 'OnlineServices', name: 'Online Services', rank: 0, locale: 'en-US', country: countryCode },
    prerequisiteOffers: [],
    isAddOn: false,
    hasAddOns: false,
    isAvailableForPurchase: purchasable,
    billing: 'license',
    supportedBillingCycles: ['monthly', 'annual'],
    isAutoRenewable: purchasable,
    upgradeTargetOffers: [],
    conversionTargetOffers: [],
    reselleeQualifications: definition.segment === 'education' ? ['Education'] : [],
    isTrial: false,
    product: { id: definition.skuId, name: definition.title, unit: 'Licenses' },
    unitType: 'Licenses',
    links: { self: link(`/v1/offers/${definition.legacyOfferId}`) },
    attributes: { objectType: 'Offer' },
  };
}

function listOffers(ctx: ApiContext): ApiResult {
  const countryCode = country(ctx);
  return { status: 200, body: collection(SKUS.map((definition) => renderOffer(ctx, definition, countryCode))) };
}

function getOffer(ctx: ApiContext): ApiResult {
  const countryCode = ctx.query.get('country')?.toUpperCase() ?? 'US';
  const definition = SKUS.find((candidate) => candidate.legacyOfferId === ctx.params.offerId.toLowerCase());
  if (!definition) throw new PartnerCenterError(404, 1000, `Not found: offer ${ctx.params.offerId}.`);
  return { status: 200, body: renderOffer(ctx, definition, countryCode) };
}

function catalogRoutesUnder(prefix: string): ApiRoute[] {
  const route = (pattern: string, operation: ApiRoute['operation'], handle: ApiRoute['handle']): ApiRoute => ({
    api: 'partnerCenter',
    method: 'GET',
    pattern: `${prefix}${pattern}`,
    operation,
    throttle: 'none',
    handle,
  });
  return [
    route('/products', 'listProducts', listProducts),
    route('/products/:productId', 'getProduct', getProduct),
    route('/products/:productId/skus', 'listSkus', listSkus),
    route('/products/:productId/skus/:skuId', 'getSku', getSku),
    route('/products/:productId/skus/:skuId/availabilities', 'listAvailabilities', listAvailabilities),
    route('/offers', 'listOffers', listOffers),
    route('/offers/:offerId', 'getOffer', getOffer),
  ];
}

export const catalogRoutes: ApiRoute[] = [...catalogRoutesUnder(''), ...catalogRoutesUnder('/customers/:customerId')];
