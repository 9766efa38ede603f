/**
 * What the partner may do in a customer tenant, known before anything is bought: the customer's active GDAP
 * relationships, read in the partner tenant, and their Entra roles against the roles each operation needs
 * (learn.microsoft.com/partner-center/customers/gdap-least-privileged-roles-by-task). The wizard asks this before
 * planning, so a customer without License Administrator is told so at once — not after its seats were bought.
 */
import { CustomerAccessError, GDAP_ROLE_FOR, type TenantOperation } from './tenantAccess';
import type { GraphClient } from './graphClient';

/** Entra built-in role template ids, as relationships carry them. */
const ROLE_IDS = {
  directoryReaders: '88d8e3e3-8f55-4a1e-953a-9b9898b8876b',
  globalReader: 'f2ef992c-3afb-46b9-b7cf-a126ee74c451',
  licenseAdministrator: '4d6ac14f-3453-41d0-bef9-a3e0c569773a',
  userAdministrator: 'fe930be7-5e62-47db-91af-98c3a49a38b1',
  globalAdministrator: '62e90394-69f5-4237-9190-012177145e10',
};

/** The roles that cover each operation (the least privileged one is what the person is told to ask for). */
const COVERING: Readonly<Record<TenantOperation, readonly string[]>> = {
  read: [ROLE_IDS.directoryReaders, ROLE_IDS.globalReader, ROLE_IDS.userAdministrator, ROLE_IDS.globalAdministrator],
  licenseWrite: [ROLE_IDS.licenseAdministrator, ROLE_IDS.userAdministrator, ROLE_IDS.globalAdministrator],
  userWrite: [ROLE_IDS.userAdministrator, ROLE_IDS.globalAdministrator],
};

const PATH = '/tenantRelationships/delegatedAdminRelationships';

export class GdapRelationships {
  constructor(
    private readonly graph: Pick<GraphClient, 'listDelegatedAdminRelationships'>,
    private readonly partnerTenantId: string,
    /** Called when the relationships cannot be read (the check is then skipped, never blocking). */
    private readonly onUnreadable?: (customerTenantId: string, error: unknown) => void,
  ) {}

  /**
   * The access a migration of this customer lacks (no active relationship, or the first operation whose roles are
   * missing), or undefined when it has them all — or when the relationships cannot be read at all (e.g. the app
   * lacks DelegatedAdminRelationship.Read.All): then the calls themselves will say.
   */
  async missingAccess(customerTenantId: string, operations: readonly TenantOperation[]): Promise<CustomerAccessError | undefined> {
    let relationships;
    try {
      relationships = await this.graph.listDelegatedAdminRelationships(this.partnerTenantId, customerTenantId);
    } catch (error) {
      this.onUnreadable?.(customerTenantId, error);
      return undefined;
    }
    const active = relationships.filter(
      (relationship) => relationship.status.toLowerCase() === 'active' && relationship.customer?.tenantId.toLowerCase() === customerTenantId.toLowerCase(),
    );
    if (active.length === 0) return new CustomerAccessError(customerTenantId, 'relationship', refusal('no active GDAP relationship'));
    const held = new Set(active.flatMap((relationship) => relationship.accessDetails?.unifiedRoles ?? []).map((role) => role.roleDefinitionId.toLowerCase()));
    const lacking = operations.find((operation) => !COVERING[operation].some((roleId) => held.has(roleId)));
    return lacking ? new CustomerAccessError(customerTenantId, GDAP_ROLE_FOR[lacking], refusal(`no role covering ${lacking}`)) : undefined;
  }
}

/** The refusal a preflight stands for: nothing was sent that failed, so it carries no request ids. */
function refusal(description: string) {
  return { service: 'graph' as const, status: 403, code: 'GdapRoleMissing', description, retryable: false, method: 'GET', path: PATH, requestId: '', correlationId: '' };
}
