/** Microsoft Graph v1.0 shapes used for licensing. */

export interface GraphCollection<T> {
  value: T[];
  '@odata.nextLink'?: string;
  '@odata.context'?: string;
}

export interface AssignedLicense {
  skuId: string;
  disabledPlans: string[];
}

export interface LicenseAssignmentState {
  skuId: string;
  /** Set when the license comes from a group: it can't be removed with assignLicense. */
  assignedByGroup: string | null;
  state?: string;
  error?: string;
  disabledPlans?: string[];
  lastUpdatedDateTime?: string;
}

export interface GraphUser {
  id: string;
  userPrincipalName?: string;
  displayName?: string;
  mail?: string | null;
  /** Must be set before a license can be assigned. */
  usageLocation?: string | null;
  accountEnabled?: boolean;
  assignedLicenses?: AssignedLicense[];
  licenseAssignmentStates?: LicenseAssignmentState[];
  [extra: string]: unknown;
}

export interface PrepaidUnits {
  enabled: number;
  suspended: number;
  warning: number;
  lockedOut?: number;
}

export interface GraphServicePlan {
  servicePlanId: string;
  servicePlanName: string;
  provisioningStatus: string;
  appliesTo: string;
}

export interface SubscribedSku {
  /** `<tenantId>_<skuId>`. */
  id: string;
  skuId: string;
  skuPartNumber: string;
  appliesTo: 'User' | 'Company' | string;
  capabilityStatus: 'Enabled' | 'Warning' | 'Suspended' | 'Deleted' | 'LockedOut' | string;
  consumedUnits: number;
  prepaidUnits: PrepaidUnits;
  subscriptionIds?: string[];
  servicePlans: GraphServicePlan[];
  accountId?: string;
  accountName?: string;
}

export interface LicenseToAdd {
  skuId: string;
  /** Defaults to none disabled. */
  disabledPlans?: string[];
}

export interface AssignLicenseChange {
  addLicenses?: LicenseToAdd[];
  /** skuIds to remove. */
  removeLicenses?: string[];
}

export interface BatchRequest {
  id: string;
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** Relative to the Graph version root, e.g. `/users/<id>/assignLicense`. */
  url: string;
  headers?: Record<string, string>;
  body?: unknown;
  dependsOn?: string[];
}

export interface BatchResponse {
  id: string;
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

/** A GDAP relationship as Graph lists it in the partner tenant (`/tenantRelationships/delegatedAdminRelationships`). */
export interface DelegatedAdminRelationship {
  id: string;
  displayName?: string;
  /** `active` is the only status that grants access. */
  status: string;
  customer?: { tenantId: string; displayName?: string };
  accessDetails?: { unifiedRoles?: Array<{ roleDefinitionId: string }> };
  endDateTime?: string;
}
