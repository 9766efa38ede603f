import type { ApiRoute } from './apiTypes';
import { graphRoutes } from './graphRoutes';
import { catalogRoutes } from './pcCatalog';
import { commerceRoutes } from './pcCommerce';
import { customerRoutes } from './pcCustomers';
import { licenseRoutes } from './pcLicenses';
import { subscriptionRoutes } from './pcSubscriptions';

/** Every Partner Center (under /v1) and Graph (under /graph/v1.0) route the sandbox serves. */
export const API_ROUTES: ApiRoute[] = [
  ...customerRoutes,
  ...subscriptionRoutes,
  ...licenseRoutes,
  ...commerceRoutes,
  ...catalogRoutes,
  ...graphRoutes,
];
