export { DEFAULT_USER_SELECT, GraphClient, MAX_BATCH_REQUESTS, MAX_USERS_PAGE_SIZE, assignLicenseBody } from './graphClient';
export type { GraphClientOptions, ListUsersOptions } from './graphClient';
export type * from './types';
export {
  CustomerAccessError,
  GDAP_ROLE_FOR,
  GraphUnreachableError,
  InMemoryAccessMemory,
  StoreAccessMemory,
  TenantAccess,
  isCustomerAccessError,
  isGraphUnreachableError,
} from './tenantAccess';
export type { AccessMemory, AccessMode, GdapRoleName, RememberedAccess, TenantAccessOptions, TenantOperation } from './tenantAccess';
export { GdapRelationships } from './gdapRelationships';
