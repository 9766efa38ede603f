/**
 * Typed Partner Center REST client: one method per endpoint. It knows base URLs and token sources only, so the same
 * code talks to Microsoft or to the sandbox. HTTP mechanics (ids, retries, errors) live in `ApiHttp`.
 */
import type { AxiosInstance } from 'axios';
import { ApiHttp, type ApiResponse, type HttpMethod } from '../http/apiHttp';
import { ApiError, isApiError, isAuthFailure } from '../http/errors';
import { parseRetryAfterHeader } from '../http/retryAfter';
import { buildUrl, linkHeaders, resolveLink, type QueryValue } from './links';
import type {
  CatalogAvailability,
  CatalogProduct,
  CatalogSku,
  Cart,
  CartLineItemRequest,
  CheckoutResult,
  Customer,
  LegacyOrderRequest,
  LicenseUpdateRequest,
  LicenseUpdateResult,
  Offer,
  Order,
  OrderLineItemProvisioningStatus,
  PcCollection,
  PcSubscribedSku,
  PcUser,
  PcUserLicense,
  Qualification,
  ResolvedCatalogItem,
  Subscription,
  SubscriptionProvisioningStatus,
  SubscriptionStatus,
  Traced,
} from './types';

export interface PartnerCenterClientOptions {
  /** An ApiHttp, or a bare axios instance wrapped in one with default settings. */
  http: ApiHttp | AxiosInstance;
  /** e.g. `https://api.partnercenter.microsoft.com/v1`. */
  baseUrl: string;
  /** App-only token. */
  getToken: () => Promise<string>;
  /** App+User token, used for the routes that refuse app-only (provisioning status, subscribed SKUs, users, licenses). */
  getUserToken?: () => Promise<string>;
  /** Wait between polls of a 202 Location when the server gives no Retry-After. */
  pollIntervalMs?: number;
  maxPolls?: number;
  /** Re-read + re-PATCH rounds after a stale ETag (2055). */
  maxStaleEtagRetries?: number;
}

export interface ListCustomersOptions {
  /** Page size, at most 100 (the product's cap; Microsoft documents no maximum). */
  size?: number;
}

export interface CatalogSearchOptions {
  /** e.g. `education`, sent as `targetSegment`. */
  segment?: string;
  /** Fallback match on the SKU's or product's title when no SKU carries the provisioning id. */
  title?: string;
  /** Prefer an availability offering this term (e.g. `P1Y`). */
  termDuration?: string;
}

/** Error code given to a continuation request the server refused: restart paging from the first page. */
export const CONTINUATION_REFUSED_CODE = 'ContinuationTokenRefused';
/** Error code when a 202 never reached the requested state within `maxPolls`. */
export const POLL_TIMED_OUT_CODE = 'PollTimedOut';

const MAX_PAGE_SIZE = 100;
const STALE_ETAG_CODE = '2055';

type TokenSource = () => Promise<string>;

export class PartnerCenterClient {
  private readonly http: ApiHttp;
  private readonly baseUrl: string;
  private readonly appToken: TokenSource;
  private readonly userToken: TokenSource;
  private readonly pollIntervalMs: number;
  private readonly maxPolls: number;
  private readonly maxStaleEtagRetries: number;

  constructor(options: PartnerCenterClientOptions) {
    this.http = options.http instanceof ApiHttp ? options.http : new ApiHttp({ axios: options.http });
    this.baseUrl = options.baseUrl;
    this.appToken = options.getToken;
    this.userToken = options.getUserToken ?? options.getToken;
    this.pollIntervalMs = options.pollIntervalMs ?? 5_000;
    this.maxPolls = options.maxPolls ?? 60;
    this.maxStaleEtagRetries = options.maxStaleEtagRetries ?? 3;
  }

  // ── Customers ───────────────────────────────────────────────────────────────────────────────────────────────

  /**
   * Yields customer pages, following `links.next` with its MS-ContinuationToken header. A refused continuation
   * surfaces as an ApiError with code `ContinuationTokenRefused`: start again from the first page.
   */
  listCustomers(options: ListCustomersOptions = {}): AsyncGenerator<Customer[]> {
    const size = Math.min(MAX_PAGE_SIZE, Math.max(1, options.size ?? MAX_PAGE_SIZE));
    return this.pages<Customer>(this.url(['customers'], { size }), this.appToken);
  }

  /** Every customer; restarts from page one (at most `maxRestarts` times) if a continuation token is refused. */
  async listAllCustomers(options: ListCustomersOptions & { maxRestarts?: number } = {}): Promise<Customer[]> {
    const maxRestarts = options.maxRestarts ?? 1;
    for (let restart = 0; ; restart++) {
      try {
        const customers: Customer[] = [];
        for await (const page of this.listCustomers(options)) customers.push(...page);
        return customers;
      } catch (error) {
        if (!(isApiError(error) && error.code === CONTINUATION_REFUSED_CODE && restart < maxRestarts)) throw error;
      }
    }
  }

  async getCustomer(customerId: string): Promise<Customer> {
    return this.getData<Customer>(this.url(['customers', customerId]), this.appToken);
  }

  async getQualifications(customerId: string): Promise<Qualification[]> {
    const data = await this.getData<Qualification[] | PcCollection<Qualification>>(
      this.url(['customers', customerId, 'qualifications']),
      this.appToken,
    );
    return itemsOf(data);
  }

  // ── Subscriptions ───────────────────────────────────────────────────────────────────────────────────────────

  /** All subscriptions of a customer (optionally of one order); follows `links.next` if the server pages. */
  async listSubscriptions(customerId: string, options: { orderId?: string } = {}): Promise<Subscription[]> {
    return this.collectPages<Subscription>(
      this.url(['customers', customerId, 'subscriptions'], { order_id: options.orderId }),
      this.appToken,
    );
  }

  async getSubscription(customerId: string, subscriptionId: string): Promise<Subscription> {
    return this.getData<Subscription>(this.url(['customers', customerId, 'subscriptions', subscriptionId]), this.appToken);
  }

  /** App+User only. `skuId` is the Entra SKU GUID (upper-case). */
  async getSubscriptionProvisioningStatus(customerId: string, subscriptionId: string): Promise<SubscriptionProvisioningStatus> {
    return this.getData<SubscriptionProvisioningStatus>(
      this.url(['customers', customerId, 'subscriptions', subscriptionId, 'provisioningstatus']),
      this.userToken,
    );
  }

  /** Sets `status` to `suspended` (see `changeSubscriptionStatus`). */
  async suspendSubscription(customerId: string, subscriptionId: string, requestId?: string): Promise<Traced<Subscription>> {
    return this.changeSubscriptionStatus(customerId, subscriptionId, 'suspended', requestId);
  }

  /** Sets `status` back to `active` (undo of a suspension before term end). */
  async reactivateSubscription(customerId: string, subscriptionId: string, requestId?: string): Promise<Traced<Subscription>> {
    return this.changeSubscriptionStatus(customerId, subscriptionId, 'active', requestId);
  }

  /**
   * GET fresh → PATCH the whole body with the new status and `If-Match: "<etag>"` → 200, or 202 + Location polled
   * until the status shows. A stale ETag (2055) re-reads and retries; a subscription already in the target status
   * is returned without a PATCH.
   */
  async changeSubscriptionStatus(
    customerId: string,
    subscriptionId: string,
    status: SubscriptionStatus,
    requestId?: string,
  ): Promise<Traced<Subscription>> {
    const subscriptionUrl = this.url(['customers', customerId, 'subscriptions', subscriptionId]);
    for (let round = 0; ; round++) {
      const current = await this.call<Subscription>('GET', subscriptionUrl, this.appToken);
      if (current.data.status === status) return traced(current);

      let patched: ApiResponse<Subscription>;
      try {
        patched = await this.call<Subscription>('PATCH', subscriptionUrl, this.appToken, {
          body: { ...current.data, status },
          headers: ifMatch(current.data.attributes.etag),
          // A response of any kind ends the logical operation: a retried PATCH after 2055 gets a new id.
          requestId: round === 0 ? requestId : undefined,
        });
      } catch (error) {
        if (isApiError(error) && error.code === STALE_ETAG_CODE && round < this.maxStaleEtagRetries) continue;
        throw error;
      }
      if (patched.status !== 202) return traced(patched);
      const settled = await this.pollUntilStatus(subscriptionUrl, patched, status);
      return { data: settled, requestId: patched.requestId, correlationId: patched.correlationId };
    }
  }

  private async pollUntilStatus(
    subscriptionUrl: string,
    accepted: ApiResponse<unknown>,
    status: SubscriptionStatus,
  ): Promise<Subscription> {
    const location = accepted.headers['location'];
    const pollUrl = location ? resolveLink(this.baseUrl, location) : subscriptionUrl;
    let waitMs = parseRetryAfterHeader(accepted.headers['retry-after'], this.http.now()) ?? this.pollIntervalMs;
    for (let poll = 1; poll <= this.maxPolls; poll++) {
      await this.http.sleep(waitMs);
      const response = await this.call<Subscription>('GET', pollUrl, this.appToken);
      if (response.status !== 202 && response.data?.status === status) return response.data;
      waitMs = parseRetryAfterHeader(response.headers['retry-after'], this.http.now()) ?? this.pollIntervalMs;
    }
    throw new ApiError({
      service: 'partnerCenter',
      status: accepted.status,
      code: POLL_TIMED_OUT_CODE,
      description: `status did not become ${status} after ${this.maxPolls} polls; re-read before acting again`,
      retryable: true,
      method: 'GET',
      path: new URL(pollUrl).pathname,
      requestId: accepted.requestId,
      correlationId: accepted.correlationId,
    });
  }

  // ── Subscribed SKUs, users, licenses (App+User) ─────────────────────────────────────────────────────────────

  async listSubscribedSkus(customerId: string, options: { licenseGroupIds?: string } = {}): Promise<PcSubscribedSku[]> {
    return this.collectPages<PcSubscribedSku>(
      this.url(['customers', customerId, 'subscribedskus'], { licenseGroupIds: options.licenseGroupIds }),
      this.userToken,
    );
  }

  /** All users of a customer tenant, across pages. */
  async listUsers(
    customerId: string,
    options: { size?: number; filter?: string; sortField?: string; sortDirection?: string } = {},
  ): Promise<PcUser[]> {
    const size = Math.min(MAX_PAGE_SIZE, Math.max(1, options.size ?? MAX_PAGE_SIZE));
    const query = { size, filter: options.filter, sortField: options.sortField, sortDirection: options.sortDirection };
    return this.collectPages<PcUser>(this.url(['customers', customerId, 'users'], query), this.userToken);
  }

  /** App+User. One customer user; `usageLocation` is missing when none is set (documented as optional). */
  async getUser(customerId: string, userId: string): Promise<PcUser> {
    return this.getData<PcUser>(this.url(['customers', customerId, 'users', userId]), this.userToken);
  }

  async getUserLicenses(customerId: string, userId: string): Promise<PcUserLicense[]> {
    return this.collectPages<PcUserLicense>(this.url(['customers', customerId, 'users', userId, 'licenses']), this.userToken);
  }

  /** License swap via Partner Center (App+User). `requestId` must be persisted before the call. */
  async updateUserLicenses(
    customerId: string,
    userId: string,
    update: LicenseUpdateRequest,
    requestId: string,
  ): Promise<Traced<LicenseUpdateResult>> {
    const body = { ...update, attributes: { objectType: 'LicenseUpdate' } };
    const response = await this.call<LicenseUpdateResult>(
      'POST',
      this.url(['customers', customerId, 'users', userId, 'licenseupdates']),
      this.userToken,
      { body, requestId },
    );
    return traced(response);
  }

  // ── Carts, checkout, orders ─────────────────────────────────────────────────────────────────────────────────

  /**
   * New-commerce cart (201). Line errors (e.g. 10015 with `availableQuantity`) come back on the lines.
   * `partnerOnRecordAttestationAccepted` belongs to the CART (Microsoft's create-cart sample and request table mark
   * it required there), not to a line.
   */
  async createCart(
    customerId: string,
    lineItems: CartLineItemRequest[],
    requestId?: string,
    cart: { partnerOnRecordAttestationAccepted?: boolean } = {},
  ): Promise<Traced<Cart>> {
    const body = { ...cart, lineItems: lineItems.map((line, index) => ({ id: index, ...line })) };
    const response = await this.call<Cart>('POST', this.url(['customers', customerId, 'carts']), this.appToken, { body, requestId });
    return traced(response);
  }

  async getCart(customerId: string, cartId: string): Promise<Cart> {
    return this.getData<Cart>(this.url(['customers', customerId, 'carts', cartId]), this.appToken);
  }

  /**
   * Checkout is never retried here, whatever happens: an unknown outcome goes back to the caller, which reconciles
   * (orders, `subscriptions?order_id=`) and may re-check out the same cart with the same persisted `requestId`.
   */
  async checkoutCart(customerId: string, cartId: string, requestId: string): Promise<Traced<CheckoutResult>> {
    const response = await this.call<CheckoutResult>(
      'POST',
      this.url(['customers', customerId, 'carts', cartId, 'checkout']),
      this.appToken,
      { requestId, retry: false },
    );
    return traced(response);
  }

  /** Orders of a customer; new orders can take up to 15 minutes to appear here (by id they show at once). */
  async listOrders(customerId: string): Promise<Order[]> {
    return this.collectPages<Order>(this.url(['customers', customerId, 'orders']), this.appToken);
  }

  async getOrder(customerId: string, orderId: string): Promise<Order> {
    return this.getData<Order>(this.url(['customers', customerId, 'orders', orderId]), this.appToken);
  }

  /** App+User only. One entry per order line (a single subscription-style object is accepted and wrapped). */
  async getOrderProvisioningStatus(customerId: string, orderId: string): Promise<OrderLineItemProvisioningStatus[]> {
    const data = await this.getData<PcCollection<OrderLineItemProvisioningStatus> | OrderLineItemProvisioningStatus>(
      this.url(['customers', customerId, 'orders', orderId, 'provisioningstatus']),
      this.userToken,
    );
    return 'items' in data && Array.isArray(data.items) ? data.items : [data as OrderLineItemProvisioningStatus];
  }

  /** Legacy (non-NCE) purchase by offer id. `requestId` must be persisted before the call; never retried here. */
  async createLegacyOrder(customerId: string, order: LegacyOrderRequest, requestId: string): Promise<Traced<Order>> {
    const response = await this.call<Order>('POST', this.url(['customers', customerId, 'orders']), this.appToken, {
      body: order,
      requestId,
      retry: false,
    });
    return traced(response);
  }

  // ── Catalog ─────────────────────────────────────────────────────────────────────────────────────────────────

  async listProducts(country: string, targetSegment?: string): Promise<CatalogProduct[]> {
    return this.collectPages<CatalogProduct>(
      this.url(['products'], { country, targetView: 'OnlineServices', targetSegment }),
      this.appToken,
    );
  }

  async listSkus(productId: string, country: string, targetSegment?: string): Promise<CatalogSku[]> {
    return this.collectPages<CatalogSku>(this.url(['products', productId, 'skus'], { country, targetSegment }), this.appToken);
  }

  async getSku(productId: string, skuId: string, country: string): Promise<CatalogSku> {
    return this.getData<CatalogSku>(this.url(['products', productId, 'skus', skuId], { country }), this.appToken);
  }

  /** Availability ids rotate: read them just before building a cart. */
  async listAvailabilities(productId: string, skuId: string, country: string, targetSegment?: string): Promise<CatalogAvailability[]> {
    return this.collectPages<CatalogAvailability>(
      this.url(['products', productId, 'skus', skuId, 'availabilities'], { country, targetSegment }),
      this.appToken,
    );
  }

  /**
   * Resolves an Entra skuId to a purchasable PRODUCT:SKU:AVAILABILITY by the SKU's `dynamicAttributes.provisioningId`,
   * falling back to `options.title`. Walks products one by one (few calls in flight, the catalog is not throttled
   * separately); callers should cache the product/SKU part and re-read availabilities before each cart.
   */
  async findCatalogItemByProvisioningId(
    country: string,
    skuId: string,
    options: CatalogSearchOptions = {},
  ): Promise<ResolvedCatalogItem | undefined> {
    const wantedSku = skuId.toLowerCase();
    const wantedTitle = options.title?.trim().toLowerCase();
    const titleMatches: Array<{ product: CatalogProduct; sku: CatalogSku }> = [];
    for (const product of await this.listProducts(country, options.segment)) {
      for (const sku of await this.listSkus(product.id, country, options.segment)) {
        if (sku.dynamicAttributes?.provisioningId?.toLowerCase() === wantedSku) {
          const resolved = await this.resolveAvailability(product, sku, country, options, 'provisioningId');
          if (resolved) return resolved;
        } else if (wantedTitle && [sku.title, product.title].some((title) => title?.trim().toLowerCase() === wantedTitle)) {
          titleMatches.push({ product, sku });
        }
      }
    }
    for (const { product, sku } of titleMatches) {
      const resolved = await this.resolveAvailability(product, sku, country, options, 'title');
      if (resolved) return resolved;
    }
    return undefined;
  }

  private async resolveAvailability(
    product: CatalogProduct,
    sku: CatalogSku,
    country: string,
    options: CatalogSearchOptions,
    matchedBy: ResolvedCatalogItem['matchedBy'],
  ): Promise<ResolvedCatalogItem | undefined> {
    const availabilities = (await this.listAvailabilities(product.id, sku.id, country, options.segment)).filter(
      (availability) =>
        availability.isPurchasable !== false &&
        (!options.segment || !availability.segment || availability.segment.toLowerCase() === options.segment.toLowerCase()),
    );
    const preferred = options.termDuration
      ? availabilities.find((availability) => availability.terms?.some((term) => term.duration === options.termDuration))
      : undefined;
    const availability = preferred ?? availabilities[0];
    if (!availability) return undefined;
    const catalogItemId = availability.catalogItemId || `${product.id}:${sku.id}:${availability.id}`;
    return { catalogItemId, product, sku, availability, matchedBy };
  }

  /** A legacy offer by id; `product.id` is the Entra SKU id (get-an-offer-by-id), app-only is accepted. */
  async getOffer(offerId: string, country: string): Promise<Offer> {
    return this.getData<Offer>(this.url(['offers', offerId], { country }), this.appToken);
  }

  // ── Mechanics ───────────────────────────────────────────────────────────────────────────────────────────────

  private url(segments: string[], query?: Record<string, QueryValue>): string {
    return buildUrl(this.baseUrl, segments, query);
  }

  private async call<T>(
    method: HttpMethod,
    url: string,
    getToken: TokenSource,
    options: { body?: unknown; headers?: Record<string, string>; requestId?: string; retry?: boolean } = {},
  ): Promise<ApiResponse<T>> {
    return this.http.request<T>({ service: 'partnerCenter', method, url, getToken, ...options });
  }

  private async getData<T>(url: string, getToken: TokenSource): Promise<T> {
    return (await this.call<T>('GET', url, getToken)).data;
  }

  private async collectPages<T>(firstUrl: string, getToken: TokenSource): Promise<T[]> {
    const all: T[] = [];
    for await (const page of this.pages<T>(firstUrl, getToken)) all.push(...page);
    return all;
  }

  private async *pages<T>(firstUrl: string, getToken: TokenSource): AsyncGenerator<T[]> {
    let url = firstUrl;
    let headers: Record<string, string> = {};
    let previousKey = '';
    for (let isContinuation = false; ; isContinuation = true) {
      let response: ApiResponse<PcCollection<T> | T[]>;
      try {
        response = await this.call<PcCollection<T> | T[]>('GET', url, getToken, { headers });
      } catch (error) {
        if (isContinuation && isRefusedContinuation(error)) {
          throw error.withCode(CONTINUATION_REFUSED_CODE, `continuation refused (${error.code}): ${error.description}`, true);
        }
        throw error;
      }
      yield itemsOf(response.data);
      const next = Array.isArray(response.data) ? undefined : response.data.links?.next;
      if (!next) return;
      url = resolveLink(this.baseUrl, next.uri);
      headers = linkHeaders(next);
      const key = `${url}\n${JSON.stringify(headers)}`;
      // A server repeating the same next link would otherwise keep us paging forever.
      if (key === previousKey) return;
      previousKey = key;
    }
  }
}

function isRefusedContinuation(error: unknown): error is ApiError {
  return isApiError(error) && !error.retryable && !isAuthFailure(error) && error.status !== undefined && error.status >= 400 && error.status < 500;
}

function itemsOf<T>(data: PcCollection<T> | T[]): T[] {
  if (Array.isArray(data)) return data;
  return Array.isArray(data?.items) ? data.items : [];
}

function ifMatch(etag: string | undefined): Record<string, string> {
  if (!etag) return {};
  const quoted = etag.startsWith('"') || etag.startsWith('W/') ? etag : `"${etag}"`;
  return { 'If-Match': quoted };
}

function traced<T>(response: ApiResponse<T>): Traced<T> {
  return { data: response.data, requestId: response.requestId, correlationId: response.correlationId };
}
