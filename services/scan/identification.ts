/**
 * Is a subscription standalone Kaizala Pro? Its SKU id is not published (partner-center.md §6), so it is decided at
 * run time from signals that must agree: the offer name, the subscription's SKU as named by Partner Center's
 * provisioning status, by the legacy offer's `product.id` (get-an-offer-by-id: the Entra SKU id) and by the Graph SKU
 * whose subscriptionIds hold the subscription, and that SKU's user-facing service plans. When named SKUs disagree or
 * none is named, the answer is "needs review", never a guess.
 */
import type { KaizalaReview } from '../domain/expiring';
import type { SubscribedSku } from '../graph/types';
import type { PcSubscribedSku, Subscription } from '../partnerCenter/types';

/** A licence SKU of a customer tenant, read from Graph or (when Graph is refused) from Partner Center. */
export interface TenantSku {
  /** Lower case. */
  skuId: string;
  skuPartNumber: string;
  consumedUnits: number;
  servicePlanNames: string[];
  /** Graph only: the subscriptions behind the SKU, lower case; undefined when read from Partner Center. */
  subscriptionIds?: string[];
}

/** The SKU ids the services name for one subscription; undefined where a lookup failed or does not apply. */
export interface IdentificationSignals {
  /** Partner Center provisioning status `skuId` (App+User). */
  provisioningSkuId?: string;
  /** `product.id` of the subscription's legacy offer (`GET /offers/{offerId}?country=`, app-only). */
  offerProductId?: string;
}

export type Identification =
  | { kind: 'kaizalaPro'; sku: TenantSku }
  | { kind: 'needsReview'; review: KaizalaReview; sku?: TenantSku };

const KAIZALA = /kaizala/i;
const KAIZALA_PLAN = /^KAIZALA/i;
/** Mailbox, Office apps, Office for the web / SharePoint: user-facing workloads that make a SKU a suite. */
const SUITE_PLAN = /EXCHANGE|OFFICE|SHAREPOINT/i;
/**
 * Hidden plumbing plans (EXCHANGE_S_FOUNDATION, …) that many standalone SKUs carry (Stream, Intune, Power Automate):
 * no mailbox, no user-facing workload, so they never make a SKU a suite.
 */
const FOUNDATION_PLAN = /_FOUNDATION(_|$)/i;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** First filter (§1): the list API cannot filter, so subscriptions are picked locally by offer name. */
export function isKaizalaOfferName(offerName: string | undefined): boolean {
  return offerName !== undefined && KAIZALA.test(offerName);
}

/**
 * Microsoft's discovery test for Kaizala Pro subscriptions that will not renew (migrate-kaizala-pro-partner):
 * `autoRenewEnabled == false` plus an end date. The scan applies and reports it, and still lists a subscription that
 * fails it: hiding an expiring Kaizala subscription is worse than showing one that says it renews.
 */
export function meetsDiscoveryTest(subscription: Pick<Subscription, 'autoRenewEnabled'>, endDate: string | undefined): boolean {
  return subscription.autoRenewEnabled === false && endDate !== undefined;
}

/** Legacy offers are GUIDs and have an offer resource; NCE ids (PRODUCT:SKU:AVAILABILITY) do not. */
export function isLegacyOfferId(offerId: string | undefined): offerId is string {
  return offerId !== undefined && GUID.test(offerId);
}

/** Plans that make a SKU a suite: user-facing workloads, never `*_FOUNDATION` plumbing. */
export function suitePlansOf(servicePlanNames: readonly string[]): string[] {
  return servicePlanNames.filter((plan) => SUITE_PLAN.test(plan) && !FOUNDATION_PLAN.test(plan));
}

/**
 * Decides for one subscription already picked by its offer name; `skus` are the tenant's subscribed SKUs, undefined
 * when neither Graph nor Partner Center could list them (then the SKU is unknown, not absent).
 */
export function identifyKaizalaPro(subscriptionId: string, signals: IdentificationSignals, tenantSkus: readonly TenantSku[] | undefined): Identification {
  const skus = tenantSkus ?? [];
  const wantedSubscription = subscriptionId.toLowerCase();
  const linked = skus.filter((sku) => sku.subscriptionIds?.includes(wantedSubscription));
  const named: Array<{ source: string; skuId: string }> = [];
  if (signals.provisioningSkuId) named.push({ source: 'Partner Center provisioning', skuId: signals.provisioningSkuId.toLowerCase() });
  if (signals.offerProductId) named.push({ source: 'the offer\'s product.id', skuId: signals.offerProductId.toLowerCase() });

  const distinct = [...new Set(named.map((signal) => signal.skuId))];
  if (distinct.length > 1) {
    const said = named.map((signal) => `${signal.source} names ${signal.skuId}`).join('; ');
    return review('signalsDisagree', said, skuById(skus, named[0].skuId));
  }
  const namedSku = distinct[0];
  if (namedSku !== undefined && linked.length > 0 && !linked.some((sku) => sku.skuId === namedSku)) {
    return review('signalsDisagree', `${named.map((signal) => signal.source).join(' and ')} name${named.length > 1 ? '' : 's'} SKU ${namedSku}; Graph links the subscription to ${names(linked)}`, skuById(skus, namedSku));
  }
  if (namedSku === undefined && linked.length > 1) {
    return review('signalsDisagree', `Graph links the subscription to several SKUs (${names(linked)}) and Partner Center named none`);
  }
  const skuId = namedSku ?? linked[0]?.skuId;
  if (skuId === undefined) {
    return review('skuUnknown', 'no provisioning SKU or offer product from Partner Center and no Graph SKU lists this subscription');
  }
  const sku = skuById(skus, skuId);
  if (!sku && tenantSkus === undefined) return review('skuUnknown', `SKU ${skuId} is named, but the tenant's subscribed SKUs could not be read`);
  if (!sku) return review('skuNotInTenant', `SKU ${skuId} is not among the tenant's subscribed SKUs`);

  const kaizalaPlans = sku.servicePlanNames.filter((plan) => KAIZALA_PLAN.test(plan));
  const suitePlans = suitePlansOf(sku.servicePlanNames);
  if (kaizalaPlans.length === 0) {
    return review('noKaizalaPlan', `SKU ${sku.skuPartNumber} (${sku.skuId}) carries no Kaizala service plan`, sku);
  }
  if (suitePlans.length > 0) {
    return review('bundledWithSuite', `SKU ${sku.skuPartNumber} (${sku.skuId}) carries ${kaizalaPlans.join(', ')} next to ${suitePlans.join(', ')}`, sku);
  }
  return { kind: 'kaizalaPro', sku };
}

export function tenantSkuFromGraph(sku: SubscribedSku): TenantSku {
  return {
    skuId: sku.skuId.toLowerCase(),
    skuPartNumber: sku.skuPartNumber,
    consumedUnits: sku.consumedUnits,
    servicePlanNames: (sku.servicePlans ?? []).map((plan) => plan.servicePlanName),
    subscriptionIds: (sku.subscriptionIds ?? []).map((id) => id.toLowerCase()),
  };
}

export function tenantSkuFromPartnerCenter(sku: PcSubscribedSku): TenantSku {
  return {
    skuId: sku.productSku.id.toLowerCase(),
    skuPartNumber: sku.productSku.skuPartNumber,
    consumedUnits: sku.consumedUnits,
    servicePlanNames: (sku.servicePlans ?? []).map((plan) => plan.serviceName),
  };
}

function skuById(skus: readonly TenantSku[], skuId: string): TenantSku | undefined {
  return skus.find((sku) => sku.skuId === skuId);
}

function names(skus: readonly TenantSku[]): string {
  return skus.map((sku) => `${sku.skuPartNumber} (${sku.skuId})`).join(', ');
}

function review(reason: KaizalaReview['reason'], detail: string, sku?: TenantSku): Identification {
  return sku ? { kind: 'needsReview', review: { reason, detail }, sku } : { kind: 'needsReview', review: { reason, detail } };
}
