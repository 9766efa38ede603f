import type { GraphUser, SubscribedSku } from '../../services/graph/types';
import { ApiError, type ServiceName } from '../../services/http';
import type { Customer, Offer, PcSubscribedSku, Qualification, Subscription, SubscriptionProvisioningStatus } from '../../services/partnerCenter/types';
import type { ScanGraph, ScanPartnerCenter } from '../../services/scan';

export const KAIZALA_SKU = '00000000-0000-4000-8000-00000000c0de';
export const M365_E3_SKU = '05e9a617-0261-4cee-bb44-138d3ef5d965';
export const M365_E5_SKU = '06ebc4ee-1bb5-47dd-8120-11324bc54e06';

export const KAIZALA_PLANS = ['KAIZALA_STANDALONE'];
export const E3_PLANS = ['EXCHANGE_S_ENTERPRISE', 'TEAMS1', 'SHAREPOINTENTERPRISE', 'SHAREPOINTWAC', 'OFFICESUBSCRIPTION', 'KAIZALA_O365_P3'];
export const E5_PLANS = ['EXCHANGE_S_ENTERPRISE', 'TEAMS1', 'SHAREPOINTENTERPRISE', 'OFFICESUBSCRIPTION', 'KAIZALA_STANDALONE'];

export function customer(id: string, companyName: string): Customer {
  return { id, companyProfile: { tenantId: id, domain: `${id.slice(0, 8)}.onmicrosoft.com`, companyName }, attributes: { objectType: 'Customer' } };
}

export function subscription(id: string, offerName: string, fields: Partial<Subscription> = {}): Subscription {
  return {
    id,
    offerId: `offer-${id}`,
    offerName,
    quantity: 25,
    status: 'active',
    autoRenewEnabled: false,
    commitmentEndDate: '2026-12-31T00:00:00Z',
    attributes: { objectType: 'Subscription' },
    ...fields,
  };
}

export interface FakeSku {
  skuId: string;
  skuPartNumber: string;
  consumedUnits: number;
  plans: string[];
  subscriptionIds: string[];
  /** Graph object ids of the users holding it. */
  holders?: string[];
}

export function apiError(service: ServiceName, status: number, code: string, description = 'refused'): ApiError {
  return new ApiError({ service, status, code, description, retryable: status >= 500, method: 'GET', path: '/x', requestId: 'r', correlationId: 'c' });
}

/** One customer tenant as both APIs would show it; set `*Error` to make a call fail. */
export interface FakeTenant {
  customer: Customer;
  subscriptions: Subscription[];
  skus: FakeSku[];
  /** subscription id → provisioning skuId (upper case, as Partner Center writes it). */
  provisioning: Record<string, string>;
  qualifications?: Qualification[];
  /** legacy offer id → product.id (the Entra SKU id), as get-an-offer-by-id returns it. */
  offers?: Record<string, string>;
  graphError?: Error;
  partnerCenterUserError?: Error;
  subscriptionsError?: Error;
  qualificationsError?: Error;
  provisioningError?: Error;
  offerError?: Error;
  /** Graph user listing only (subscribed SKUs still answer). */
  graphUsersError?: Error;
}

/** Fake Partner Center and Graph over a set of tenants; `calls` counts each method. */
export class FakeBackend {
  readonly calls = new Map<string, number>();
  readonly offerCountries: string[] = [];
  readonly tenants = new Map<string, FakeTenant>();

  constructor(tenants: FakeTenant[]) {
    for (const tenant of tenants) this.tenants.set(tenant.customer.id, tenant);
  }

  private count(name: string): void {
    this.calls.set(name, (this.calls.get(name) ?? 0) + 1);
  }

  private tenant(id: string): FakeTenant {
    const tenant = this.tenants.get(id);
    if (!tenant) throw apiError('partnerCenter', 404, '1000', `no customer ${id}`);
    return tenant;
  }

  readonly partnerCenter: ScanPartnerCenter = {
    listAllCustomers: async () => {
      this.count('listAllCustomers');
      return [...this.tenants.values()].map((tenant) => tenant.customer);
    },
    listSubscriptions: async (customerId: string) => {
      this.count('listSubscriptions');
      const tenant = this.tenant(customerId);
      if (tenant.subscriptionsError) throw tenant.subscriptionsError;
      return tenant.subscriptions;
    },
    getSubscriptionProvisioningStatus: async (customerId: string, subscriptionId: string): Promise<SubscriptionProvisioningStatus> => {
      this.count('getSubscriptionProvisioningStatus');
      const tenant = this.tenant(customerId);
      if (tenant.partnerCenterUserError) throw tenant.partnerCenterUserError;
      if (tenant.provisioningError) throw tenant.provisioningError;
      return { skuId: tenant.provisioning[subscriptionId] ?? '', status: 'success', quantity: 1 };
    },
    listSubscribedSkus: async (customerId: string): Promise<PcSubscribedSku[]> => {
      this.count('pcListSubscribedSkus');
      const tenant = this.tenant(customerId);
      if (tenant.partnerCenterUserError) throw tenant.partnerCenterUserError;
      return tenant.skus.map((sku) => ({
        productSku: { id: sku.skuId, name: sku.skuPartNumber, skuPartNumber: sku.skuPartNumber },
        totalUnits: 50,
        activeUnits: 50,
        warningUnits: 0,
        consumedUnits: sku.consumedUnits,
        availableUnits: 50 - sku.consumedUnits,
        capabilityStatus: 'Enabled',
        servicePlans: sku.plans.map((name) => ({ id: name, serviceName: name })),
      }));
    },
    getQualifications: async (customerId: string) => {
      this.count('getQualifications');
      const tenant = this.tenant(customerId);
      if (tenant.qualificationsError) throw tenant.qualificationsError;
      return tenant.qualifications ?? [];
    },
    getOffer: async (offerId: string, country: string): Promise<Offer> => {
      this.count('getOffer');
      this.offerCountries.push(country);
      for (const tenant of this.tenants.values()) {
        if (tenant.offerError) throw tenant.offerError;
        const productId = tenant.offers?.[offerId];
        if (productId) return { id: offerId, name: 'offer', product: { id: productId.toUpperCase(), name: 'product', unit: 'Licenses' } };
      }
      throw apiError('partnerCenter', 404, '1000', `no offer ${offerId}`);
    },
  };

  readonly graph: ScanGraph = {
    listSubscribedSkus: async (tenantId: string): Promise<SubscribedSku[]> => {
      this.count('graphListSubscribedSkus');
      const tenant = this.tenant(tenantId);
      if (tenant.graphError) throw tenant.graphError;
      return tenant.skus.map((sku) => ({
        id: `${tenantId}_${sku.skuId}`,
        skuId: sku.skuId,
        skuPartNumber: sku.skuPartNumber,
        appliesTo: 'User',
        capabilityStatus: 'Enabled',
        consumedUnits: sku.consumedUnits,
        prepaidUnits: { enabled: 50, suspended: 0, warning: 0 },
        subscriptionIds: sku.subscriptionIds,
        servicePlans: sku.plans.map((name) => ({ servicePlanId: name, servicePlanName: name, provisioningStatus: 'Success', appliesTo: 'User' })),
      }));
    },
    listUsers: async (tenantId: string, options: { skuId?: string } = {}): Promise<GraphUser[]> => {
      this.count('graphListUsers');
      const tenant = this.tenant(tenantId);
      if (tenant.graphError) throw tenant.graphError;
      if (tenant.graphUsersError) throw tenant.graphUsersError;
      const sku = tenant.skus.find((candidate) => candidate.skuId === options.skuId);
      return (sku?.holders ?? []).map((id) => ({ id }));
    },
  };
}

/** A customer holding standalone Kaizala Pro (`holders` users) next to Microsoft 365 E3, which carries a Kaizala plan too. */
export function kaizalaTenant(id: string, name: string, options: { holders?: number; endDate?: string; subscriptionId?: string } = {}): FakeTenant {
  const subscriptionId = options.subscriptionId ?? `${id.slice(0, 8)}-kaiz-4000-8000-000000000001`;
  const e3SubscriptionId = `${id.slice(0, 8)}-e3e3-4000-8000-000000000002`;
  const holders = Array.from({ length: options.holders ?? 3 }, (_, index) => `${id.slice(0, 8)}-user-${index}`);
  return {
    customer: customer(id, name),
    subscriptions: [
      subscription(subscriptionId, 'Microsoft Kaizala Pro', { quantity: 40, commitmentEndDate: options.endDate ?? '2026-12-31T00:00:00Z' }),
      subscription(e3SubscriptionId, 'Microsoft 365 E3', { autoRenewEnabled: true }),
    ],
    skus: [
      { skuId: KAIZALA_SKU, skuPartNumber: 'KAIZALA_PRO_SANDBOX_PLACEHOLDER', consumedUnits: holders.length, plans: KAIZALA_PLANS, subscriptionIds: [subscriptionId], holders },
      { skuId: M365_E3_SKU, skuPartNumber: 'SPE_E3', consumedUnits: 15, plans: E3_PLANS, subscriptionIds: [e3SubscriptionId], holders: ['e3-user'] },
    ],
    provisioning: { [subscriptionId]: KAIZALA_SKU.toUpperCase(), [e3SubscriptionId]: M365_E3_SKU.toUpperCase() },
  };
}
