import type { GraphClient } from '../graph/graphClient';
import { CustomerAccessError, isCustomerAccessError, isGraphUnreachableError } from '../graph/tenantAccess';
import type { GraphUser } from '../graph/types';
import type { PartnerCenterClient } from '../partnerCenter/partnerCenterClient';
import { educationKindOf, holdsTeamsStandalone, type KaizalaUser } from './facts';

/** What the wizard reads about a customer's tenant; a port so tests can fake it. */
export interface TenantDirectory {
  /** Users holding the Kaizala Pro SKU, sorted by name; at education customers each one's faculty/student kind. */
  kaizalaUsers(tenantId: string, kaizalaSkuId: string, education: boolean): Promise<KaizalaUser[]>;
  /** Seats the tenant holds per Entra skuId, bought through any partner or channel. */
  seatsBySku(tenantId: string): Promise<Record<string, number>>;
  /**
   * The customer's market (billing country), which decides the suite variant (EEA or not); undefined when unknown.
   * Optional so that directories without Partner Center (tests, tools) still work: they are read as non-EEA.
   */
  market?(customerId: string): Promise<string | undefined>;
}

const USER_FIELDS = ['id', 'userPrincipalName', 'displayName', 'jobTitle', 'assignedLicenses'] as const;

/**
 * The directory over Microsoft Graph. Its client decides the token per customer (app-only where consented, else
 * delegated through GDAP: services/graph/tenantAccess.ts).
 */
export class GraphTenantDirectory implements TenantDirectory {
  constructor(
    private readonly graph: Pick<GraphClient, 'listUsers' | 'listSubscribedSkus'>,
    /** Reads the billing country; without it (or when it fails) the market is the partner's own. */
    private readonly partnerCenter?: Pick<PartnerCenterClient, 'getCustomer'>,
    private readonly partnerMarket?: string,
  ) {}

  /** The billing profile's country, the same market the run's catalog lookups use. */
  async market(customerId: string): Promise<string | undefined> {
    if (!this.partnerCenter) return this.partnerMarket;
    const customer = await this.partnerCenter.getCustomer(customerId);
    return billingCountry(customer.billingProfile) ?? this.partnerMarket;
  }

  async kaizalaUsers(tenantId: string, kaizalaSkuId: string, education: boolean): Promise<KaizalaUser[]> {
    const users = await this.graph.listUsers(tenantId, { skuId: kaizalaSkuId, select: USER_FIELDS });
    return users.map((user) => toKaizalaUser(user, education)).sort((a, b) => a.displayName.localeCompare(b.displayName));
  }

  async seatsBySku(tenantId: string): Promise<Record<string, number>> {
    const skus = await this.graph.listSubscribedSkus(tenantId, ['skuId', 'prepaidUnits']);
    const seats: Record<string, number> = {};
    for (const sku of skus) {
      // Seats in warning are still held (grace before suspension); they count against a pooled cap.
      const held = (sku.prepaidUnits?.enabled ?? 0) + (sku.prepaidUnits?.warning ?? 0);
      const skuId = sku.skuId.toLowerCase();
      seats[skuId] = (seats[skuId] ?? 0) + held;
    }
    return seats;
  }
}

/**
 * Graph first (app-only or delegated, as the client's tenant access decides); where Graph is out of reach by either
 * path, the fallback (Partner Center App+User). A customer the partner cannot manage ends in a CustomerAccessError
 * naming the missing role — or the missing relationship, when the identity platform said so for Graph.
 */
export class FallbackTenantDirectory implements TenantDirectory {
  constructor(
    private readonly primary: TenantDirectory,
    private readonly fallback: TenantDirectory,
    private readonly onFallback?: (tenantId: string, reason: string) => void,
    /**
     * Asked before the users are read (the first read of a plan, and of an approval's check): the access a
     * migration would lack, so a customer the partner cannot manage is refused before anything is bought.
     */
    private readonly missingAccess?: (tenantId: string) => Promise<CustomerAccessError | undefined>,
  ) {}

  async market(customerId: string): Promise<string | undefined> {
    const directory = this.primary.market ? this.primary : this.fallback;
    return directory.market?.(customerId);
  }

  async kaizalaUsers(tenantId: string, kaizalaSkuId: string, education: boolean): Promise<KaizalaUser[]> {
    const missing = await this.missingAccess?.(tenantId);
    if (missing) throw missing;
    return this.either(tenantId, (directory) => directory.kaizalaUsers(tenantId, kaizalaSkuId, education));
  }

  seatsBySku(tenantId: string): Promise<Record<string, number>> {
    return this.either(tenantId, (directory) => directory.seatsBySku(tenantId));
  }

  private async either<T>(tenantId: string, read: (directory: TenantDirectory) => Promise<T>): Promise<T> {
    let unreachable;
    try {
      return await read(this.primary);
    } catch (error) {
      if (!isGraphUnreachableError(error)) throw error;
      unreachable = error;
    }
    this.onFallback?.(tenantId, unreachable.reason);
    try {
      return await read(this.fallback);
    } catch (error) {
      if (isCustomerAccessError(error) && unreachable.noRelationship) throw new CustomerAccessError(tenantId, 'relationship', error, unreachable.reason);
      throw error;
    }
  }
}

export function toKaizalaUser(user: GraphUser, education: boolean): KaizalaUser {
  const jobTitle = typeof user.jobTitle === 'string' && user.jobTitle.trim() !== '' ? user.jobTitle : undefined;
  const assigned = (user.assignedLicenses ?? []).map((license) => license.skuId);
  return {
    id: user.id,
    displayName: user.displayName ?? user.userPrincipalName ?? user.id,
    userPrincipalName: user.userPrincipalName ?? '',
    jobTitle,
    kind: education ? educationKindOf(assigned, jobTitle) : 'any',
    ...(holdsTeamsStandalone(assigned) ? { hasTeams: true } : {}),
  };
}

/** `billingProfile.defaultAddress.country` as an upper-case two-letter code, if it is one. */
export function billingCountry(billingProfile: Record<string, unknown> | undefined): string | undefined {
  const address = billingProfile?.defaultAddress;
  const country = typeof address === 'object' && address !== null ? (address as { country?: unknown }).country : undefined;
  return typeof country === 'string' && /^[A-Za-z]{2}$/.test(country) ? country.toUpperCase() : undefined;
}
