/**
 * Is a subscription standalone Kaizala Pro? Its SKU id is not published (partner-center.md §6), so it is decided at
 * run time from signals that must agree: the offer name, the subscription's SKU (Partner Center provisioning status,
 * corroborated by the Graph SKU whose subscriptionIds hold the subscription) and that SKU's service plans. When they
 * disagree or one is missing, the answer is "needs review", never a guess.
 */
import type { KaizalaReview } from '../domain/expiring';
import type { SubscribedSku } from '../graph/types';
import type { PcSubscribedSku } from '../partnerCenter/types';

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

export type Identification =
  | { kind: 'kaizalaPro'; sku: TenantSku }
  | { kind: 'needsReview'; review: KaizalaReview; sku?: TenantSku };

const KAIZALA = /kaizala/i;
const KAIZALA_PLAN = /^KAIZALA/i;
/** Exchange, Office apps and Office for the web / SharePoint: a SKU with any of them is a suite, not standalone Kaizala. */
const SUITE_PLAN = /EXCHANGE|OFFICE|SHAREPOINT/i;

/** First filter (§1): the list API cannot filter, so subscriptions are picked locally by offer name. */
export function isKaizalaOfferName(offerName: string | undefined): boolean {
  return offerName !== undefined && KAIZALA.test(offerName);
}

/**
 * Decides for one subscription already picked by its offer name. `provisioningSkuId` is Partner Center's
 * provisioning-status skuId (undefined when it could not be read); `skus` are the tenant's subscribed SKUs.
 */
export function identifyKaizalaPro(subscriptionId: string, provisioningSkuId: string | undefined, skus: readonly TenantSku[]): Identification {
  const wantedSubscription = subscriptionId.toLowerCase();
  const provisioned = provisioningSkuId?.toLowerCase();
  const linked = skus.filter((sku) => sku.subscriptionIds?.includes(wantedSubscription));

  if (provisioned !== undefined && linked.length > 0 && !linked.some((sku) => sku.skuId === provisioned)) {
    return review('signalsDisagree', `Partner Center provisioning names SKU ${provisioned}; Graph links the subscription to ${names(linked)}`, skuById(skus, provisioned));
  }
  if (provisioned === undefined && linked.length > 1) {
    return review('signalsDisagree', `Graph links the subscription to several SKUs (${names(linked)}) and Partner Center gave no provisioning SKU`);
  }
  const skuId = provisioned ?? linked[0]?.skuId;
  if (skuId === undefined) {
    return review('skuUnknown', 'no provisioning SKU from Partner Center and no Graph SKU lists this subscription');
  }
  const sku = skuById(skus, skuId);
  if (!sku) return review('skuNotInTenant', `SKU ${skuId} is not among the tenant's subscribed SKUs`);

  const kaizalaPlans = sku.servicePlanNames.filter((plan) => KAIZALA_PLAN.test(plan));
  const suitePlans = sku.servicePlanNames.filter((plan) => SUITE_PLAN.test(plan));
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
