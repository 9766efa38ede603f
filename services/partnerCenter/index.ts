export { CONTINUATION_REFUSED_CODE, POLL_TIMED_OUT_CODE, PartnerCenterClient } from './partnerCenterClient';
export type { CatalogSearchOptions, ListCustomersOptions, PartnerCenterClientOptions } from './partnerCenterClient';
export { buildUrl, linkHeaders, resolveLink } from './links';
export type * from './types';
export { createTenantDirectory, partnerCenterAccess, PartnerCenterTenantDirectory } from './tenantDirectory';
