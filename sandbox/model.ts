/** The sandbox's stored entities. Wire shapes are rendered from these (pcRender.ts, graphRender.ts). */

export interface CustomerAccess {
  /** app-only Graph access consented in the customer tenant; false (Microsoft's default under GDAP) → no app-only token, Graph 403 Authorization_RequestDenied. */
  graphConsent: boolean;
  /** the partner's app consented there for delegated scopes (Partner Center applicationconsents); false → no delegated token for this tenant. */
  delegatedConsent: boolean;
  /** Entra roles of the partner's GDAP relationship (names as Microsoft spells them, see gdap.ts); empty = no relationship. */
  gdapRoles: string[];
  /** a Conditional Access policy blocks the partner; true → Partner Center 403 900309. */
  conditionalAccessBlocked: boolean;
}

export type VettingStatus = 'Approved' | 'InReview' | 'Denied';

export interface Qualification {
  qualification: string;
  vettingStatus: VettingStatus;
  vettingCreatedDate?: string;
  vettingReason?: string;
}

export interface CustomerRecord {
  id: string;
  companyName: string;
  domain: string;
  country: string;
  culture: string;
  language: string;
  email: string;
  /** seed profile, for humans reading the state (commercial, education, frontline). */
  profile: string;
  qualifications: Qualification[];
  access: CustomerAccess;
}

export type SubscriptionStatus = 'none' | 'active' | 'pending' | 'suspended' | 'expired' | 'disabled' | 'deleted';

export interface PendingSubscriptionChange {
  status: SubscriptionStatus;
  quantity: number;
  autoRenewEnabled: boolean;
  pollsRemaining: number;
}

export interface SubscriptionRecord {
  id: string;
  customerId: string;
  /** Entra skuId (lower case): the license store key. */
  skuId: string;
  channel: 'legacy' | 'nce';
  offerId: string;
  offerName: string;
  friendlyName: string;
  quantity: number;
  status: SubscriptionStatus;
  autoRenewEnabled: boolean;
  billingCycle: string;
  termDuration?: string;
  creationDate: string;
  effectiveStartDate: string;
  commitmentEndDate: string;
  orderId: string;
  etag: string;
  /** sandbox time of the last suspension (deprovisioning counts from it). */
  suspendedAt: string | null;
  /** seats count (and provisioning status is success) from this sandbox time. */
  provisionedAt: string;
  cancellationAllowedUntilDate?: string;
  /** false: bought through another partner or channel: invisible in this partner's lists, still tenant-wide. */
  partnerVisible: boolean;
  pendingChange: PendingSubscriptionChange | null;
}

export type OrderStatus = 'pending' | 'completed' | 'cancelled';

export interface OrderLineRecord {
  lineItemNumber: number;
  offerId: string;
  skuId: string;
  quantity: number;
  termDuration?: string;
  friendlyName: string;
  /** decided at checkout, shown only once the order completes. */
  subscriptionId: string;
}

export interface OrderRecord {
  id: string;
  customerId: string;
  channel: 'legacy' | 'nce';
  cartId: string | null;
  requestId: string | null;
  billingCycle: string;
  currencyCode: string;
  status: OrderStatus;
  creationDate: string;
  /** sandbox time at which it completes (or fails). */
  dueAt: string;
  /** sandbox time from which the order LIST shows it (by id it shows at once). */
  listedFrom: string;
  /** after completion, how long until the seats count (knob value at checkout). */
  seatDelayMs: number;
  fails: boolean;
  lineItems: OrderLineRecord[];
}

export interface CartLineError {
  errorCode: number;
  errorDescription: string;
  additionalInformation?: Record<string, unknown>;
}

export interface CartLineRecord {
  id: number;
  catalogItemId: string;
  quantity: number;
  billingCycle: string;
  termDuration?: string;
  currencyCode?: string;
  provisioningContext?: Record<string, unknown>;
  error?: CartLineError;
}

export interface CheckoutResultRecord {
  orderIds: string[];
  orderErrors: { orderGroupId: string; code: number; description: string }[];
}

export interface CartRecord {
  id: string;
  customerId: string;
  status: 'Active' | 'Ordered';
  creationTimestamp: string;
  lastModifiedTimestamp: string;
  expirationTimestamp: string;
  lineItems: CartLineRecord[];
  checkoutResult: CheckoutResultRecord | null;
  /** The cart-level `PartnerOnRecordAttestationAccepted` of the create-cart request (absent = not sent). */
  partnerOnRecordAttestationAccepted?: boolean;
}

export interface UserRecord {
  id: string;
  customerId: string;
  userPrincipalName: string;
  displayName: string;
  givenName: string;
  surname: string;
  jobTitle: string | null;
  usageLocation: string | null;
  accountEnabled: boolean;
  createdDateTime: string;
}

export interface LicenseAssignment {
  userId: string;
  skuId: string;
  /** null: assigned directly; otherwise the group it is inherited from. */
  groupId: string | null;
  disabledPlans: string[];
  assignedAt: string;
}

/** What one state-changing call did, for crash harnesses and audits. */
export type LedgerChange =
  | {
      kind: 'userLicenses';
      userId: string;
      userPrincipalName: string;
      /** skuIds held (directly or inherited) before and after the change. */
      before: string[];
      after: string[];
    }
  | {
      kind: 'subscription';
      subscriptionId: string;
      skuId: string;
      offerName: string;
      before: SubscriptionSummary | null;
      after: SubscriptionSummary | null;
      /** tenant-wide consumed units of the subscription's SKU at the moment of the change. */
      consumedUnits: number;
    }
  | {
      kind: 'cart';
      cartId: string;
      before: string | null;
      after: string;
      lineItems: { catalogItemId: string; quantity: number; termDuration?: string; billingCycle?: string; errorCode?: number }[];
      partnerOnRecordAttestationAccepted?: boolean;
    }
  | {
      kind: 'order';
      orderId: string;
      cartId: string | null;
      before: OrderStatus | null;
      after: OrderStatus;
      lineItems: { offerId: string; skuId: string; quantity: number; subscriptionId: string }[];
    }
  | { kind: 'customer'; customerId: string; companyName: string }
  | { kind: 'clock'; offsetMs: number };

export interface SubscriptionSummary {
  status: SubscriptionStatus;
  quantity: number;
  autoRenewEnabled: boolean;
  commitmentEndDate: string;
}

export interface LedgerEntry {
  seq: number;
  /** sandbox time the change took effect (lifecycle changes carry their due time). */
  time: string;
  /** real time it was recorded. */
  recordedAt: string;
  actor: 'client' | 'lifecycle' | 'admin';
  api: 'partnerCenter' | 'graph' | 'admin' | 'lifecycle';
  method: string;
  route: string;
  operation: string;
  requestId: string | null;
  correlationId: string | null;
  customerId: string | null;
  status: number;
  /** how the answer left: sent, dropped (socket destroyed after commit), 504 after commit, or replayed. */
  delivery: 'sent' | 'dropped' | 'gatewayTimeout' | 'none';
  changes: LedgerChange[];
}

export interface ReplayRecord {
  requestId: string;
  method: string;
  path: string;
  bodyHash: string;
  status: number;
  headers: Record<string, string>;
  body: unknown;
}
