export { DEFAULT_USER_SELECT, GraphClient, MAX_BATCH_REQUESTS, MAX_USERS_PAGE_SIZE, assignLicenseBody } from './graphClient';
export type { GraphClientOptions, ListUsersOptions } from './graphClient';
export type * from './types';
