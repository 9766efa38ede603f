/**
 * The sandbox's answer to "may the partner reach into this customer's tenant, and how?" — one home for the rules
 * that the identity endpoint (who gets a token for which tenant) and the APIs (what a token may do) both apply.
 *
 * Microsoft's model, as the sandbox plays it:
 * - App-only (client credentials) into a customer tenant needs that customer's explicit consent to the partner's
 *   app; under GDAP a CSP partner does not get it by default (learn.microsoft.com/partner-center/developer/
 *   gdap-and-secure-application-model).
 * - Delegated access (a partner user's token for the customer tenant) needs a GDAP relationship, and the partner's
 *   app consented there for delegated scopes (Partner Center's applicationconsents, …/control-panel-vendor-apis).
 * - What a delegated call may do is decided by the Entra roles of the relationship, per task
 *   (learn.microsoft.com/partner-center/customers/gdap-least-privileged-roles-by-task).
 */
import type { OperationName } from './knobs';
import type { CustomerAccess, CustomerRecord } from './model';

/** Entra built-in roles a GDAP relationship can carry, spelled as Microsoft names them. */
export const GDAP_ROLES = ['Directory Readers', 'Global Reader', 'License Administrator', 'User Administrator', 'Global Administrator'] as const;
export type GdapRole = (typeof GDAP_ROLES)[number];

/** Entra built-in role template ids (what a GDAP relationship's `accessDetails.unifiedRoles` carries). */
export const GDAP_ROLE_DEFINITION_IDS: Readonly<Record<GdapRole, string>> = {
  'Directory Readers': '88d8e3e3-8f55-4a1e-953a-9b9898b8876b',
  'Global Reader': 'f2ef992c-3afb-46b9-b7cf-a126ee74c451',
  'License Administrator': '4d6ac14f-3453-41d0-bef9-a3e0c569773a',
  'User Administrator': 'fe930be7-5e62-47db-91af-98c3a49a38b1',
  'Global Administrator': '62e90394-69f5-4237-9190-012177145e10',
};

/** The least privileged set this bot asks its customers for: read the directory, move licenses, set usage locations. */
export const STANDARD_GDAP_ROLES: readonly GdapRole[] = ['Directory Readers', 'License Administrator', 'User Administrator'];

/** What a partner user does in the customer tenant. */
export type GdapTask = 'readDirectory' | 'manageLicenses' | 'manageUsers' | 'anyRole';

/**
 * Per task, the least privileged role first, then the others that also cover it (Global Administrator covers all).
 * License Administrator alone does not read the directory; User Administrator can assign licenses.
 */
const ROLES_FOR_TASK: Record<Exclude<GdapTask, 'anyRole'>, readonly GdapRole[]> = {
  readDirectory: ['Directory Readers', 'Global Reader', 'User Administrator', 'Global Administrator'],
  manageLicenses: ['License Administrator', 'User Administrator', 'Global Administrator'],
  manageUsers: ['User Administrator', 'Global Administrator'],
};

/** The GDAP task of each operation that reaches into a customer tenant on a partner user's behalf. */
const TASK_OF_OPERATION: Partial<Record<OperationName, GdapTask>> = {
  graphListUsers: 'readDirectory',
  graphGetUser: 'readDirectory',
  graphListSubscribedSkus: 'readDirectory',
  assignLicense: 'manageLicenses',
  listSubscribedSkus: 'readDirectory',
  listCustomerUsers: 'readDirectory',
  getCustomerUser: 'readDirectory',
  getUserLicenses: 'readDirectory',
  licenseUpdates: 'manageLicenses',
  // Provisioning status reads the customer tenant's service state: any role of a relationship will do.
  getSubscriptionProvisioningStatus: 'anyRole',
  getOrderProvisioningStatus: 'anyRole',
};

/** The roles of the relationship; tolerant of states stored before roles existed (`gdapRoles: true/false`). */
export function gdapRolesOf(customer: CustomerRecord): readonly GdapRole[] {
  const stored: unknown = customer.access.gdapRoles;
  if (stored === true) return STANDARD_GDAP_ROLES;
  if (!Array.isArray(stored)) return [];
  return stored.filter((role): role is GdapRole => (GDAP_ROLES as readonly string[]).includes(role as string));
}

/** App-only tokens for a customer tenant exist only where that customer consented to the partner's app. */
export function hasAppOnlyConsent(customer: CustomerRecord): boolean {
  return customer.access.graphConsent;
}

/**
 * A partner user can sign in to a customer tenant (delegated, through GDAP) only with a GDAP relationship and the
 * partner's app consented there for delegated scopes (states stored before that flag existed count as consented).
 */
export function hasGdapRelationship(customer: CustomerRecord): boolean {
  return gdapRolesOf(customer).length > 0 && customer.access.delegatedConsent !== false;
}

/** The task an operation performs in the customer tenant; undefined = it needs no GDAP role. */
export function gdapTaskOf(operation: OperationName): GdapTask | undefined {
  return TASK_OF_OPERATION[operation];
}

/** The least privileged role the task needs (named in refusals), or undefined when any role will do. */
export function leastPrivilegedRole(task: GdapTask): GdapRole | undefined {
  return task === 'anyRole' ? undefined : ROLES_FOR_TASK[task][0];
}

/** Whether the customer's relationship lets a partner user perform the task. */
export function gdapAllows(customer: CustomerRecord, task: GdapTask): boolean {
  return rolesAllow(gdapRolesOf(customer), task);
}

/** Whether these roles (as stored or shown by the admin API) cover the task. */
export function rolesAllow(roles: readonly string[], task: GdapTask): boolean {
  if (task === 'anyRole') return roles.length > 0;
  return ROLES_FOR_TASK[task].some((role) => roles.includes(role));
}

/**
 * Reads the admin API's `gdapRoles`: true = the standard set, false or [] = no relationship, or a list of role
 * names (any case). Undefined when absent; throws a RangeError naming an unknown role.
 */
export function parseGdapRoles(value: unknown): GdapRole[] | undefined {
  if (value === undefined) return undefined;
  if (value === true) return [...STANDARD_GDAP_ROLES];
  if (value === false) return [];
  if (!Array.isArray(value)) throw new RangeError('access.gdapRoles must be true, false or a list of role names');
  const roles: GdapRole[] = [];
  for (const raw of value) {
    const role = GDAP_ROLES.find((candidate) => typeof raw === 'string' && candidate.toLowerCase() === raw.trim().toLowerCase());
    if (!role) throw new RangeError(`access.gdapRoles: unknown role ${JSON.stringify(raw)} (known: ${GDAP_ROLES.join(', ')})`);
    if (!roles.includes(role)) roles.push(role);
  }
  return roles;
}

/** A customer's access unless said otherwise: a GDAP relationship with the standard roles, delegated consent. */
export function defaultAccess(): CustomerAccess {
  return { graphConsent: true, delegatedConsent: true, gdapRoles: [...STANDARD_GDAP_ROLES], conditionalAccessBlocked: false };
}

/** The admin API's `access` object (create or patch) applied over `base`; throws a RangeError on a bad value. */
export function readAccess(value: unknown, base: CustomerAccess): CustomerAccess {
  if (value === undefined || value === null) return base;
  if (typeof value !== 'object' || Array.isArray(value)) throw new RangeError('access must be an object');
  const input = value as Record<string, unknown>;
  const next: CustomerAccess = { ...base, gdapRoles: [...base.gdapRoles] };
  for (const key of ['graphConsent', 'delegatedConsent', 'conditionalAccessBlocked'] as const) {
    if (input[key] === undefined) continue;
    if (typeof input[key] !== 'boolean') throw new RangeError(`access.${key} must be a boolean`);
    next[key] = input[key];
  }
  const roles = parseGdapRoles(input.gdapRoles);
  if (roles) next.gdapRoles = roles;
  return next;
}

/**
 * Whether the partner can migrate this customer by some path: read its directory and move licenses through GDAP
 * (Graph delegated, or Partner Center App+User where Graph is out of reach). App-only consent alone is not enough:
 * Partner Center's provisioning status also needs a relationship. For harnesses that pick customers from states.
 */
export function manageable(access: Pick<CustomerAccess, 'gdapRoles' | 'conditionalAccessBlocked'>): boolean {
  return !access.conditionalAccessBlocked && rolesAllow(access.gdapRoles, 'readDirectory') && rolesAllow(access.gdapRoles, 'manageLicenses');
}
