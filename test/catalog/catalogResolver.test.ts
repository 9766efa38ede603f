import type { PartnerCenterClient } from '../../services/partnerCenter/partnerCenterClient';
import type { CatalogAvailability, ResolvedCatalogItem } from '../../services/partnerCenter/types';
import { CatalogResolver } from '../../services/migration/catalogResolver';

const TEAMS_EEA = '7e74bd05-2c47-404e-829a-ba95c66fe8e5';

/** A catalog of one product whose availabilities offer only the given terms; counts the walks of the catalog. */
class OneProductCatalog implements Pick<PartnerCenterClient, 'findCatalogItemByProvisioningId' | 'listAvailabilities'> {
  walks = 0;
  constructor(public terms: Array<{ duration: string; billingCycle: string }>, public availabilityId = 'AV1') {}

  private availability(): CatalogAvailability {
    return { id: this.availabilityId, productId: 'P1', skuId: 'S1', catalogItemId: `P1:S1:${this.availabilityId}`, isPurchasable: true, terms: this.terms };
  }

  async findCatalogItemByProvisioningId(): Promise<ResolvedCatalogItem | undefined> {
    this.walks++;
    const availability = this.availability();
    return {
      catalogItemId: availability.catalogItemId,
      product: { id: 'P1', title: 'Microsoft Teams EEA' },
      sku: { id: 'S1', productId: 'P1', title: 'Microsoft Teams EEA' },
      availability,
      matchedBy: 'provisioningId',
    };
  }

  async listAvailabilities(): Promise<CatalogAvailability[]> {
    return [this.availability()];
  }
}

describe('CatalogResolver: the cart term is the availability\'s own', () => {
  it('takes the only term offered (one month, billed monthly) instead of assuming a one-year term', async () => {
    const catalog = new OneProductCatalog([{ duration: 'P1M', billingCycle: 'monthly' }]);
    const resolver = new CatalogResolver(catalog as unknown as PartnerCenterClient);
    const item = await resolver.resolve({ country: 'DE', skuId: TEAMS_EEA });
    expect(item).toEqual({ catalogItemId: 'P1:S1:AV1', productId: 'P1', catalogSkuId: 'S1', term: { termDuration: 'P1M', billingCycle: 'monthly' } });
  });

  it('re-reads the availability (and its terms) for every cart while the product and SKU stay cached', async () => {
    const catalog = new OneProductCatalog([{ duration: 'P1Y', billingCycle: 'monthly' }]);
    const resolver = new CatalogResolver(catalog as unknown as PartnerCenterClient);
    await resolver.resolve({ country: 'DE', skuId: TEAMS_EEA });
    catalog.terms = [{ duration: 'P1Y', billingCycle: 'annual' }];
    catalog.availabilityId = 'AV2';
    const again = await resolver.resolve({ country: 'DE', skuId: TEAMS_EEA });
    expect(again).toMatchObject({ catalogItemId: 'P1:S1:AV2', term: { termDuration: 'P1Y', billingCycle: 'annual' } });
    expect(catalog.walks).toBe(1);
  });

  it('finds nothing to buy when the availability lists no term', async () => {
    const resolver = new CatalogResolver(new OneProductCatalog([]) as unknown as PartnerCenterClient);
    expect(await resolver.resolve({ country: 'DE', skuId: TEAMS_EEA })).toBeUndefined();
  });
});
