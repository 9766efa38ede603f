/**
 * The customer's tenant read through Partner Center App+User (the partner admin's connection, authorised by the
 * GDAP roles of the relationship): subscribed SKUs, users with `usageLocation`, each user's licenses. Slower than
 * Graph (one licenses call per user) and used where Graph is out of reach by either path.
 *
 * A CSP customer's Partner Center id is its Entra tenant id, so the directory's tenant ids address Partner Center.
 */
import type { KaizalaUser } from '../catalog/facts';
import { billingCountry, FallbackTenantDirectory, GraphTenantDirectory, toKaizalaUser, type TenantDirectory } from '../catalog/tenantDirectory';
import type { GdapRelationships } from '../graph/gdapRelationships';
import type { GraphClient } from '../graph/graphClient';
import { CustomerAccessError, GDAP_ROLE_FOR, type TenantOperation } from '../graph/tenantAccess';
import { isApiError } from '../http/errors';
import type { PartnerCenterClient } from './partnerCenterClient';

/** Licenses are read for this many users at once (each one call, under Partner Center's per-customer limit). */
const LICENSE_READS_AT_ONCE = 4;

export type PartnerCenterDirectoryClient = Pick<PartnerCenterClient, 'listUsers' | 'getUserLicenses' | 'listSubscribedSkus' | 'getCustomer'>;

export class PartnerCenterTenantDirectory implements TenantDirectory {
  constructor(
    private readonly partnerCenter: PartnerCenterDirectoryClient,
    private readonly partnerMarket?: string,
  ) {}

  async market(customerId: string): Promise<string | undefined> {
    const customer = await this.partnerCenter.getCustomer(customerId);
    return billingCountry(customer.billingProfile) ?? this.partnerMarket;
  }

  async kaizalaUsers(tenantId: string, kaizalaSkuId: string, education: boolean): Promise<KaizalaUser[]> {
    const wanted = kaizalaSkuId.toLowerCase();
    const users = await partnerCenterAccess(tenantId, 'read', () => this.partnerCenter.listUsers(tenantId));
    const holders: KaizalaUser[] = [];
    for (let start = 0; start < users.length; start += LICENSE_READS_AT_ONCE) {
      const batch = users.slice(start, start + LICENSE_READS_AT_ONCE);
      const licensed = await Promise.all(
        batch.map(async (user) => ({
          user,
          skuIds: (await partnerCenterAccess(tenantId, 'read', () => this.partnerCenter.getUserLicenses(tenantId, user.id))).map((license) =>
            license.productSku.id.toLowerCase(),
          ),
        })),
      );
      for (const { user, skuIds } of licensed) {
        if (!skuIds.includes(wanted)) continue;
        holders.push(
          toKaizalaUser(
            { id: user.id, userPrincipalName: user.userPrincipalName, displayName: user.displayName, assignedLicenses: skuIds.map((skuId) => ({ skuId, disabledPlans: [] })) },
            education,
          ),
        );
      }
    }
    return holders.sort((a, b) => a.displayName.localeCompare(b.displayName));
  }

  async seatsBySku(tenantId: string): Promise<Record<string, number>> {
    const skus = await partnerCenterAccess(tenantId, 'read', () => this.partnerCenter.listSubscribedSkus(tenantId));
    const seats: Record<string, number> = {};
    for (const sku of skus) {
      // activeUnits plus warningUnits, as Graph's enabled plus warning: seats in grace are still held.
      const skuId = sku.productSku.id.toLowerCase();
      seats[skuId] = (seats[skuId] ?? 0) + sku.activeUnits + (sku.warningUnits ?? 0);
    }
    return seats;
  }
}

/**
 * Runs a Partner Center App+User call for a customer and turns its "insufficient GDAP privileges" refusal (403
 * 900308) into the typed error that names the role the operation needs. Conditional Access (900309) and other
 * failures pass through as they are.
 */
export async function partnerCenterAccess<T>(customerId: string, operation: TenantOperation, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (isApiError(error) && error.service === 'partnerCenter' && error.code === '900308') {
      throw new CustomerAccessError(customerId, GDAP_ROLE_FOR[operation], error, 'Partner Center 900308');
    }
    throw error;
  }
}

/**
 * The bot's tenant directory: Graph through the client's tenant access (app-only where consented, else delegated
 * through GDAP), and Partner Center App+User where Graph is out of reach by either path. With `gdap`, a customer
 * whose relationship lacks a role the migration needs (reading the directory, moving licenses) is refused first.
 */
export function createTenantDirectory(
  graph: Pick<GraphClient, 'listUsers' | 'listSubscribedSkus'>,
  partnerCenter: PartnerCenterDirectoryClient,
  partnerMarket: string | undefined,
  options: { gdap?: GdapRelationships; onFallback?: (tenantId: string, reason: string) => void } = {},
): TenantDirectory {
  const { gdap } = options;
  return new FallbackTenantDirectory(
    new GraphTenantDirectory(graph, partnerCenter, partnerMarket),
    new PartnerCenterTenantDirectory(partnerCenter, partnerMarket),
    options.onFallback,
    gdap && ((tenantId) => gdap.missingAccess(tenantId, MIGRATION_NEEDS)),
  );
}

/** What a migration does in the customer tenant: read the users and their licenses, then move the licenses. */
const MIGRATION_NEEDS: readonly TenantOperation[] = ['read', 'licenseWrite'];
