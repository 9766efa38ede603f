import type { PartnerCenterClient } from '../partnerCenter/partnerCenterClient';

export interface ResolvedItem {
  /** PRODUCT:SKU:AVAILABILITY for a cart line. */
  catalogItemId: string;
  productId: string;
  catalogSkuId: string;
}

export interface CatalogQuery {
  country: string;
  /** Entra skuId of the plan (the catalog SKU's provisioningId). */
  skuId: string;
  segment?: string;
  /** Fallback match when no SKU carries the provisioning id. */
  title?: string;
}

const TERM = 'P1Y';

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
      const purchasable = availabilities.filter((availability) => availability.isPurchasable !== false);
      const availability = purchasable.find((candidate) => candidate.terms?.some((term) => term.duration === TERM)) ?? purchasable[0];
      if (availability) {
        return {
          catalogItemId: availability.catalogItemId || `${cached.productId}:${cached.catalogSkuId}:${availability.id}`,
          ...cached,
        };
      }
      this.cache.delete(key);
    }
    const found = await this.partnerCenter.findCatalogItemByProvisioningId(query.country, query.skuId, {
      segment: query.segment,
      title: query.title,
      termDuration: TERM,
    });
    if (!found) return undefined;
    const entry = { productId: found.product.id, catalogSkuId: found.sku.id };
    this.cache.set(key, entry);
    return { catalogItemId: found.catalogItemId, ...entry };
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
