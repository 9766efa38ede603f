import { availabilityIdFor, skuById, type SkuDefinition } from './catalog';
import { type SkuUsage, capabilityStatusOf } from './licenses';
import type {
  CartRecord,
  CustomerRecord,
  LicenseAssignment,
  OrderRecord,
  SubscriptionRecord,
  UserRecord,
} from './model';

/** Partner Center wire shapes: camelCase, `attributes.objectType` everywhere, relative links (some with /v1). */

export interface PcLink {
  uri: string;
  method: string;
  headers: { key: string; value: string }[];
}

export function link(uri: string, headers: { key: string; value: string }[] = [], method = 'GET'): PcLink {
  return { uri, method, headers };
}

export interface PcCollection {
  totalCount: number;
  items: unknown[];
  links: Record<string, PcLink>;
  attributes: { objectType: 'Collection' };
}

export function collection(items: unknown[], links: Record<string, PcLink> = {}, totalCount = items.length): PcCollection {
  return { totalCount, items, links, attributes: { objectType: 'Collection' } };
}

export function renderCustomer(customer: CustomerRecord, withBillingProfile: boolean): Record<string, unknown> {
  const rendered: Record<string, unknown> = {
    id: customer.id,
    commerceId: customer.id,
    companyProfile: {
      tenantId: customer.id,
      domain: customer.domain,
      companyName: customer.companyName,
      links: { self: link(`/customers/${customer.id}/profiles/company`) },
      attributes: { objectType: 'CustomerCompanyProfile' },
    },
    relationshipToPartner: 'reseller',
    allowDelegatedAccess: true,
    links: { self: link(`/customers/${customer.id}`) },
    attributes: { objectType: 'Customer' },
  };
  if (withBillingProfile) {
    rendered.billingProfile = {
      id: customer.id,
      email: customer.email,
      culture: customer.culture,
      language: customer.language,
      companyName: customer.companyName,
      defaultAddress: { country: customer.country },
      links: { self: link(`/customers/${customer.id}/profiles/billing`) },
      attributes: { objectType: 'CustomerBillingProfile' },
    };
  }
  return rendered;
}

function productLinks(definition: SkuDefinition, availabilityId: string | undefined, country: string): Record<string, PcLink> {
  const productId = definition.nce?.productId ?? '';
  const skuId = definition.nce?.catalogSkuId ?? '';
  return {
    product: link(`/products/${productId}?country=${country}`),
    sku: link(`/products/${productId}/skus/${skuId}?country=${country}`),
    availability: link(`/products/${productId}/skus/${skuId}/availabilities/${availabilityId ?? ''}?country=${country}`),
  };
}

export function renderSubscription(subscription: SubscriptionRecord, country: string, nowMs: number): Record<string, unknown> {
  const definition = skuById(subscription.skuId);
  const rendered: Record<string, unknown> = {
    id: subscription.id,
    entitlementId: subscription.id,
    offerId: subscription.offerId,
    offerName: subscription.offerName,
    friendlyName: subscription.friendlyName,
    quantity: subscription.quantity,
    unitType: 'Licenses',
    hasPurchasableAddons: false,
    creationDate: subscription.creationDate,
    effectiveStartDate: subscription.effectiveStartDate,
    commitmentEndDate: subscription.commitmentEndDate,
    status: subscription.status,
    autoRenewEnabled: subscription.autoRenewEnabled,
    isTrial: false,
    billingType: 'license',
    // Documented on every subscription (subscription-resources), legacy ones included.
    billingCycle: subscription.billingCycle,
    contractType: 'subscription',
    orderId: subscription.orderId,
    isMicrosoftProduct: true,
    publisherName: 'Microsoft Corporation',
  };
  if (subscription.status === 'suspended') rendered.suspensionReasons = ['CustomerCancellation'];
  const links: Record<string, PcLink> = {};
  if (subscription.channel === 'nce' && definition) {
    const availabilityId = subscription.offerId.split(':')[2] ?? availabilityIdFor(definition, 0);
    rendered.productType = { id: 'OnlineServicesNCE', displayName: 'OnlineServicesNCE' };
    rendered.termDuration = subscription.termDuration;
    rendered.cancellationAllowedUntilDate = subscription.cancellationAllowedUntilDate;
    const refundable =
      subscription.status === 'active' &&
      subscription.cancellationAllowedUntilDate !== undefined &&
      Date.parse(subscription.cancellationAllowedUntilDate) > nowMs;
    rendered.refundableQuantity = {
      totalQuantity: refundable ? subscription.quantity : 0,
      details: refundable
        ? [{ quantity: subscription.quantity, allowedUntilDateTime: subscription.cancellationAllowedUntilDate }]
        : [],
    };
    rendered.refundOptions = refundable ? [{ type: 'Full', expiresAfter: subscription.cancellationAllowedUntilDate }] : [];
    Object.assign(links, productLinks(definition, availabilityId, country));
  } else {
    links.offer = link(`/v1/offers/${subscription.offerId}`);
  }
  links.self = link(`/customers/${subscription.customerId}/subscriptions/${subscription.id}`);
  rendered.links = links;
  rendered.attributes = { etag: subscription.etag, objectType: 'Subscription' };
  return rendered;
}

export function renderSubscriptionProvisioningStatus(subscription: SubscriptionRecord, nowMs: number): Record<string, unknown> {
  const provisioned = Date.parse(subscription.provisionedAt) <= nowMs;
  return {
    skuId: subscription.skuId.toUpperCase(),
    status: provisioned ? 'success' : 'pending',
    quantity: subscription.quantity,
    endDate: subscription.commitmentEndDate,
    attributes: { objectType: 'SubscriptionProvisioningStatus' },
  };
}

export function renderOrder(order: OrderRecord): Record<string, unknown> {
  const base = `/customers/${order.customerId}/orders/${order.id}`;
  return {
    id: order.id,
    referenceCustomerId: order.customerId,
    billingCycle: order.billingCycle,
    currencyCode: order.currencyCode,
    currencySymbol: '$',
    status: order.status,
    creationDate: order.creationDate,
    lineItems: order.lineItems.map((line) => {
      const rendered: Record<string, unknown> = {
        lineItemNumber: line.lineItemNumber,
        offerId: line.offerId,
        friendlyName: line.friendlyName,
        quantity: line.quantity,
        transactionType: 'New',
        links: { provisioningStatus: link(`${base}/provisioningstatus`) },
      };
      if (line.termDuration) rendered.termDuration = line.termDuration;
      if (order.status === 'completed') rendered.subscriptionId = line.subscriptionId;
      return rendered;
    }),
    links: { self: link(base), provisioningStatus: link(`${base}/provisioningstatus`) },
    attributes: { objectType: 'Order' },
  };
}

export function renderOrderProvisioningStatus(order: OrderRecord, subscriptions: SubscriptionRecord[], nowMs: number): PcCollection {
  const items = order.lineItems.map((line) => {
    const subscription = subscriptions.find((candidate) => candidate.id === line.subscriptionId);
    let status: 'success' | 'pending' | 'failed' = 'pending';
    if (order.status === 'cancelled') status = 'failed';
    else if (subscription && Date.parse(subscription.provisionedAt) <= nowMs) status = 'success';
    const item: Record<string, unknown> = {
      lineItemNumber: line.lineItemNumber,
      skuId: line.skuId.toUpperCase(),
      status,
      quantity: line.quantity,
      quantityProvisioningInformation: [{ quantity: line.quantity, status: status === 'success' ? 'provisioned' : status }],
      attributes: { objectType: 'OrderLineItemProvisioningStatus' },
    };
    if (order.status === 'completed') item.subscriptionId = line.subscriptionId;
    if (subscription) item.endDate = subscription.commitmentEndDate;
    return item;
  });
  return collection(items);
}

export function renderCart(cart: CartRecord): Record<string, unknown> {
  return {
    id: cart.id,
    creationTimestamp: cart.creationTimestamp,
    lastModifiedTimestamp: cart.lastModifiedTimestamp,
    expirationTimestamp: cart.expirationTimestamp,
    lastModifiedUser: 'sandbox-app',
    status: cart.status,
    lineItems: cart.lineItems.map((line) => {
      const rendered: Record<string, unknown> = {
        id: line.id,
        catalogItemId: line.catalogItemId,
        quantity: line.quantity,
        currencyCode: line.currencyCode ?? 'USD',
        billingCycle: line.billingCycle,
        participants: [],
        provisioningContext: line.provisioningContext ?? {},
        orderGroup: '0',
      };
      if (line.termDuration) rendered.termDuration = line.termDuration;
      if (line.error) rendered.error = line.error;
      return rendered;
    }),
    links: { self: link(`/customers/${cart.customerId}/carts/${cart.id}`) },
    attributes: { objectType: 'Cart' },
  };
}

export function renderPcSubscribedSku(usage: SkuUsage): Record<string, unknown> {
  const definition = skuById(usage.skuId);
  const totalUnits = usage.enabled + usage.warning;
  return {
    productSku: {
      id: usage.skuId,
      name: definition?.title ?? usage.skuId,
      skuPartNumber: definition?.skuPartNumber ?? 'UNKNOWN',
      targetType: 'User',
      licenseGroupId: definition?.licenseGroupId ?? 'group1',
    },
    totalUnits,
    activeUnits: usage.enabled,
    warningUnits: usage.warning,
    consumedUnits: usage.consumed,
    availableUnits: totalUnits - usage.consumed,
    suspendedUnits: usage.suspended,
    capabilityStatus: capabilityStatusOf(usage),
    servicePlans: (definition?.servicePlans ?? []).map((plan) => ({
      displayName: plan.name,
      serviceName: plan.name,
      id: plan.id,
      capabilityStatus: 'Enabled',
      targetType: 'User',
    })),
    attributes: { objectType: 'SubscribedSku' },
  };
}

export function renderCustomerUser(user: UserRecord): Record<string, unknown> {
  const rendered: Record<string, unknown> = {
    id: user.id,
    userPrincipalName: user.userPrincipalName,
    firstName: user.givenName,
    lastName: user.surname,
    displayName: user.displayName,
    userDomainType: 'none',
    state: user.accountEnabled ? 'active' : 'inactive',
    links: { self: link(`/customers/${user.customerId}/users/${user.id}`) },
    attributes: { objectType: 'CustomerUser' },
  };
  if (user.usageLocation) rendered.usageLocation = user.usageLocation;
  return rendered;
}

export function renderUserLicense(assignment: LicenseAssignment): Record<string, unknown> {
  const definition = skuById(assignment.skuId);
  return {
    productSku: {
      id: assignment.skuId,
      name: definition?.title ?? assignment.skuId,
      skuPartNumber: definition?.skuPartNumber ?? 'UNKNOWN',
      targetType: 'User',
      licenseGroupId: definition?.licenseGroupId ?? 'group1',
    },
    servicePlans: (definition?.servicePlans ?? []).map((plan) => ({
      displayName: plan.name,
      serviceName: plan.name,
      id: plan.id,
      capabilityStatus: assignment.disabledPlans.includes(plan.id) ? 'Disabled' : 'Assigned',
      targetType: 'User',
    })),
    attributes: { objectType: 'License' },
  };
}
