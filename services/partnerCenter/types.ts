/**
 * Partner Center resource shapes (camelCase, as the API returns them). Fields Microsoft marks optional or that
 * legacy subscriptions lack are optional here; unknown extra fields are kept by the API objects at run time.
 */

export interface PcLinkHeader {
  key: string;
  value: string;
}

export interface PcLink {
  /** Relative, with or without `/v1`. */
  uri: string;
  method: string;
  headers: PcLinkHeader[];
}

export interface PcLinks {
  self?: PcLink;
  next?: PcLink;
  previous?: PcLink;
  offer?: PcLink;
  provisioningStatus?: PcLink;
  [name: string]: PcLink | undefined;
}

export interface PcAttributes {
  objectType: string;
  etag?: string;
}

export interface PcCollection<T> {
  totalCount: number;
  items: T[];
  links?: PcLinks;
  attributes: PcAttributes;
}

// ── Customers ─────────────────────────────────────────────────────────────────────────────────────────────────

export interface CompanyProfile {
  tenantId: string;
  domain: string;
  companyName: string;
  address?: Record<string, unknown>;
  email?: string;
  attributes?: PcAttributes;
}

export interface Customer {
  /** The customer's tenant id. */
  id: string;
  relationshipToPartner?: string;
  companyProfile: CompanyProfile;
  billingProfile?: Record<string, unknown>;
  links?: PcLinks;
  attributes: PcAttributes;
}

export type VettingStatus = 'Approved' | 'InReview' | 'Denied';

export interface Qualification {
  qualification: string;
  vettingStatus: VettingStatus | string;
  vettingCreatedDate?: string;
  vettingReason?: string;
}

// ── Subscriptions ─────────────────────────────────────────────────────────────────────────────────────────────

export type SubscriptionStatus = 'none' | 'active' | 'pending' | 'suspended' | 'expired' | 'disabled' | 'deleted';

export interface RefundOption {
  type: string;
  /** Documented name; examples use `expiresAt`, so both are accepted. */
  expiresAfter?: string;
  expiresAt?: string;
}

export interface Subscription {
  id: string;
  /** Legacy: offer GUID. NCE: PRODUCT:SKU:AVAILABILITY. */
  offerId: string;
  offerName: string;
  friendlyName?: string;
  quantity: number;
  unitType?: string;
  status: SubscriptionStatus;
  autoRenewEnabled: boolean;
  effectiveStartDate?: string;
  /** UTC, inclusive; year 9999 means no end (usage-based). */
  commitmentEndDate?: string;
  commitmentEndDateTime?: string;
  creationDate?: string;
  billingType?: string;
  billingCycle?: string;
  contractType?: string;
  termDuration?: string;
  productType?: { id: string; displayName?: string } | string;
  orderId?: string;
  parentSubscriptionId?: string;
  cancellationAllowedUntilDate?: string;
  refundableQuantity?: { totalQuantity?: number; details?: unknown[] } | number;
  refundOptions?: RefundOption[];
  suspensionReasons?: string[];
  links?: PcLinks;
  attributes: PcAttributes;
  [extra: string]: unknown;
}

export type ProvisioningState = 'success' | 'pending' | 'failed';

export interface SubscriptionProvisioningStatus {
  /** Upper-case Entra SKU GUID. */
  skuId: string;
  status: ProvisioningState | string;
  quantity: number;
  endDate?: string;
  attributes?: PcAttributes;
}

/** Order provisioning status: Microsoft returns one entry per order line; the subscription form is also accepted. */
export interface OrderLineItemProvisioningStatus {
  lineItemNumber?: number;
  status: string;
  skuId?: string;
  quantity?: number;
  quantityProvisioningInformation?: Array<{ quantity: number; status: string }>;
  attributes?: PcAttributes;
}

// ── Subscribed SKUs, users, licenses (App+User) ───────────────────────────────────────────────────────────────

export interface PcProductSku {
  /** Entra skuId. */
  id: string;
  name: string;
  skuPartNumber: string;
  targetType?: string;
  licenseGroupId?: string;
}

export interface PcServicePlan {
  id: string;
  serviceName: string;
  displayName?: string;
  capabilityStatus?: string;
  targetType?: string;
}

export interface PcSubscribedSku {
  productSku: PcProductSku;
  totalUnits: number;
  activeUnits: number;
  warningUnits: number;
  consumedUnits: number;
  availableUnits: number;
  suspendedUnits?: number;
  capabilityStatus: string;
  servicePlans: PcServicePlan[];
  attributes?: PcAttributes;
}

export interface PcUser {
  id: string;
  userPrincipalName: string;
  displayName?: string;
  firstName?: string;
  lastName?: string;
  /** May be missing. */
  usageLocation?: string;
  state?: string;
  links?: PcLinks;
  attributes?: PcAttributes;
}

/** A legacy offer (`GET /offers/{offerId}?country=`): `product.id` is the Entra SKU id the offer provisions. */
export interface Offer {
  id: string;
  name: string;
  product?: { id: string; name?: string; unit?: string };
  unitType?: string;
  isAvailableForPurchase?: boolean;
  attributes?: PcAttributes;
}

export interface PcUserLicense {
  productSku: PcProductSku;
  servicePlans: PcServicePlan[];
  attributes?: PcAttributes;
}

export interface LicenseToAssign {
  skuId: string;
  excludedPlans: string[] | null;
}

export interface LicenseUpdateRequest {
  licensesToAssign: LicenseToAssign[];
  licensesToRemove: string[];
}

export interface LicenseWarning {
  code: string;
  message: string;
  servicePlans?: string[];
}

export interface LicenseUpdateResult {
  licensesToAssign?: Array<{ skuId: string; excludedPlans?: string[] | null }>;
  licensesToRemove?: string[];
  licenseWarnings?: LicenseWarning[];
  attributes?: PcAttributes;
}

// ── Carts, checkout, orders ───────────────────────────────────────────────────────────────────────────────────

export interface CartLineItemRequest {
  /** PRODUCT:SKU:AVAILABILITY. */
  catalogItemId: string;
  quantity: number;
  billingCycle: string;
  termDuration?: string;
  currencyCode?: string;
  customTermEndDate?: string;
  provisioningContext?: Record<string, string>;
  promotionId?: string;
  /** Only for offers whose SKU enforces attestation (10012 AttestationNotAccepted when missing). */
  attestationAccepted?: boolean;
}

export interface CartLineItemError {
  errorCode: string | number;
  errorDescription: string;
  additionalInformation?: { availableQuantity?: number; [key: string]: unknown };
}

export interface CartLineItem extends CartLineItemRequest {
  id: number;
  pricing?: Record<string, unknown>;
  error?: CartLineItemError;
}

export interface Cart {
  id: string;
  creationTimestamp: string;
  lastModifiedTimestamp?: string;
  expirationTimestamp: string;
  lastModifiedUser?: string;
  status: 'Active' | 'Ordered' | string;
  lineItems: CartLineItem[];
  links?: PcLinks;
  attributes?: PcAttributes;
}

export type OrderStatus =
  | 'unknown'
  | 'completed'
  | 'pending'
  | 'cancelled'
  | 'suspended'
  | 'pending review'
  | 'pending po upload'
  | 'po upload complete';

export interface OrderLineItem {
  lineItemNumber: number;
  offerId: string;
  /** Present only once provisioned. */
  subscriptionId?: string;
  quantity: number;
  termDuration?: string;
  friendlyName?: string;
  links?: PcLinks;
}

export interface Order {
  /** Opaque string (GUID, 12-hex and longer forms). */
  id: string;
  referenceCustomerId?: string;
  billingCycle?: string;
  status: OrderStatus | string;
  creationDate?: string;
  lineItems: OrderLineItem[];
  links?: PcLinks;
  attributes?: PcAttributes;
}

export interface OrderError {
  orderGroupId: string;
  code: string | number;
  description: string;
}

export interface CheckoutResult {
  orders: Order[];
  orderErrors: OrderError[];
}

export interface LegacyOrderLineItem {
  lineItemNumber: number;
  offerId: string;
  quantity: number;
}

export interface LegacyOrderRequest {
  lineItems: LegacyOrderLineItem[];
  billingCycle: string;
}

// ── Catalog ───────────────────────────────────────────────────────────────────────────────────────────────────

export interface CatalogProduct {
  id: string;
  title: string;
  description?: string;
  productType?: { id: string; displayName?: string };
  links?: PcLinks;
  attributes?: PcAttributes;
}

export interface CatalogSku {
  id: string;
  productId: string;
  title: string;
  description?: string;
  minimumQuantity?: number;
  maximumQuantity?: number;
  isTrial?: boolean;
  supportedBillingCycles?: string[];
  purchasePrerequisites?: string[];
  /** `provisioningId` is the Entra skuId (flagged by Microsoft as changeable). */
  dynamicAttributes?: { provisioningId?: string; [key: string]: unknown };
  links?: PcLinks;
  attributes?: PcAttributes;
}

export interface AvailabilityTerm {
  duration: string;
  description?: string;
  billingCycle?: string;
  cancellationPolicies?: unknown[];
}

export interface CatalogAvailability {
  id: string;
  productId: string;
  skuId: string;
  catalogItemId: string;
  defaultCurrency?: { code: string; symbol?: string };
  segment?: string;
  country?: string;
  isPurchasable?: boolean;
  isRenewable?: boolean;
  terms?: AvailabilityTerm[];
  links?: PcLinks;
  attributes?: PcAttributes;
}

/** A purchasable catalog item resolved from an Entra skuId. */
export interface ResolvedCatalogItem {
  /** PRODUCT:SKU:AVAILABILITY, ready for a cart line. */
  catalogItemId: string;
  product: CatalogProduct;
  sku: CatalogSku;
  availability: CatalogAvailability;
  /** How the SKU was matched. */
  matchedBy: 'provisioningId' | 'title';
}

export type { Traced } from '../http/apiHttp';
