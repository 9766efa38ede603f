import type { PartnerCenterClient } from '../partnerCenter/partnerCenterClient';
import type { CatalogAvailability } from '../partnerCenter/types';

/** The term a cart line buys, exactly as the availability offers it. */
export interface CartTerm {
  termDuration: string;
  billingCycle: string;
}

export interface ResolvedItem {
  /** PRODUCT:SKU:AVAILABILITY for a cart line. */
  catalogItemId: string;
  productId: string;
  catalogSkuId: string;
  /** One of the availability's own terms: never a term it does not offer. */
  term: CartTerm;
}

export interface CatalogQuery {
  country: string;
  /** Entra skuId of the plan (the catalog SKU's provisioningId). */
  skuId: string;
  segment?: string;
  /** Fallback match when no SKU carries the provisioning id. */
  title?: string;
}

/** What the run prefers to buy when the availability offers it: a one-year commitment, billed monthly. */
const PREFERRED: CartTerm = { termDuration: 'P1Y', billingCycle: 'monthly' };

/**
 * The term to buy from an availability: the preferred one, else another billing cycle of a one-year term, else the
 * first term it offers. Undefined when it lists no term with a duration (nothing can be bought safely from it).
 */
export function chooseTerm(availability: Pick<CatalogAvailability, 'terms'>): CartTerm | undefined {
  const terms = (availability.terms ?? []).filter((term) => typeof term.duration === 'string' && term.duration !== '');
  const same = (a: string | undefined, b: string) => (a ?? '').toLowerCase() === b.toLowerCase();
  const chosen =
    terms.find((term) => same(term.duration, PREFERRED.termDuration) && same(term.billingCycle, PREFERRED.billingCycle)) ??
    terms.find((term) => same(term.duration, PREFERRED.termDuration)) ??
    terms[0];
  if (!chosen) return undefined;
  // A term without its billing cycle is billed monthly (the only cycle every NCE seat term supports).
  return { termDuration: chosen.duration, billingCycle: (chosen.billingCycle ?? 'monthly').toLowerCase() };
}

/**
 * Resolves a plan's Entra skuId to a purchasable catalog item. The product/SKU pair is cached (walking the catalog
 * costs a call per product); the availability is re-read every time because availability ids rotate.
 */
export class CatalogResolver {
  private readonly cache = new Map<string, { productId: string; catalogSkuId: string }>();

  constructor(private readonly partnerCenter: PartnerCenterClient) {}

  async resolve(query: CatalogQuery): Promise<ResolvedItem | undefined> {
    const key = cacheKey(query);
    const cached = this.cache.get(key);
    if (cached) {
      const availabilities = await this.partnerCenter.listAvailabilities(cached.productId, cached.catalogSkuId, query.country, query.segment);
      const purchasable = availabilities.filter((availability) => availability.isPurchasable !== false && chooseTerm(availability));
      const availability =
        purchasable.find((candidate) => candidate.terms?.some((term) => term.duration === PREFERRED.termDuration)) ?? purchasable[0];
      const term = availability && chooseTerm(availability);
      if (availability && term) {
        return {
          catalogItemId: availability.catalogItemId || `${cached.productId}:${cached.catalogSkuId}:${availability.id}`,
          ...cached,
          term,
        };
      }
      this.cache.delete(key);
    }
    const found = await this.partnerCenter.findCatalogItemByProvisioningId(query.country, query.skuId, {
      segment: query.segment,
      title: query.title,
      termDuration: PREFERRED.termDuration,
    });
    const term = found && chooseTerm(found.availability);
    if (!found || !term) return undefined;
    const entry = { productId: found.product.id, catalogSkuId: found.sku.id };
    this.cache.set(key, entry);
    return { catalogItemId: found.catalogItemId, ...entry, term };
  }

  /** Forget the product/SKU pair (e.g. after 10001 CatalogItemIdIsNotValid). */
  invalidate(query: CatalogQuery): void {
    this.cache.delete(cacheKey(query));
  }
}

function cacheKey(query: CatalogQuery): string {
  return `${query.country.toUpperCase()}|${query.segment ?? ''}|${query.skuId.toLowerCase()}`;
}

/** `PRODUCT:SKU:` of a catalog item id: subscriptions and orders of the same plan share it across availabilities. */
export function offerPrefix(catalogItemId: string): string {
  const [productId, skuId] = catalogItemId.split(':');
  return `${productId}:${skuId}:`.toLowerCase();
}
