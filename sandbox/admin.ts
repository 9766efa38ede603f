import { randomUUID } from 'node:crypto';
import type { SandboxEnv } from './apiTypes';
import { DAY_MS, addYears, isoDay } from './clock';
import { AdminError } from './errors';
import type { FaultEngine } from './faults';
import type { SandboxIdentity } from './identity';
import { defaultAccess, gdapRolesOf, readAccess } from './gdap';
import { asInteger, asRecord, asString, isGuid } from './input';
import { KnobError, mergeKnobs, type Knobs } from './knobs';
import { heldSkuIds, tenantSkuUsage } from './licenses';
import type { CustomerAccess, LedgerChange, LicenseAssignment, SubscriptionStatus, UserRecord, VettingStatus } from './model';
import { renderCart, renderOrder, renderSubscription } from './pcRender';
import { PortfolioWriter, resolveSku, type CustomerSpec } from './portfolio';
import type { RequestLog } from './requestLog';
import { SeededRandom } from './rng';
import { Router } from './router';
import { transitionSubscription } from './subscriptions';

export interface AdminRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
}

export interface AdminResponse {
  status: number;
  body: unknown;
}

/** What the admin API needs beyond the shared env: knob control, reseeding and the request log. */
export interface AdminControls {
  setKnobs(knobs: Knobs): void;
  reset(seed: 'demo' | 'empty', customers: number | undefined): void;
  faults: FaultEngine;
  requests: RequestLog;
  identity: SandboxIdentity;
}

type AdminHandler = (request: AdminRequest, params: Record<string, string>) => AdminResponse;

const STATUSES: SubscriptionStatus[] = ['none', 'active', 'pending', 'suspended', 'expired', 'disabled', 'deleted'];

/**
 * The sandbox's own control surface under /_sandbox (no auth, JSON): reset, knobs, clock, direct edits of
 * customers, users and subscriptions, the ledger and full per-customer state for tests and crash harnesses.
 */
export class AdminApi {
  private readonly router = new Router<AdminHandler>();

  constructor(
    private readonly env: SandboxEnv,
    private readonly controls: AdminControls,
  ) {
    const add = (method: string, pattern: string, handler: AdminHandler) => this.router.add(method, pattern, handler);
    add('GET', '/', () => this.summary());
    add('POST', '/reset', (request) => this.reset(request));
    add('GET', '/knobs', () => this.getKnobs());
    add('PUT', '/knobs', (request) => this.putKnobs(request));
    add('GET', '/clock', () => this.clock());
    add('POST', '/clock', (request) => this.setClock(request));
    add('GET', '/customers', () => this.listCustomers());
    add('POST', '/customers', (request) => this.addCustomer(request));
    add('PATCH', '/customers/:customerId', (request, params) => this.patchCustomer(request, params));
    add('POST', '/customers/:customerId/users', (request, params) => this.addUser(request, params));
    add('PATCH', '/customers/:customerId/users/:userId', (request, params) => this.patchUser(request, params));
    add('POST', '/customers/:customerId/subscriptions', (request, params) => this.addSubscription(request, params));
    add('PATCH', '/customers/:customerId/subscriptions/:subscriptionId', (request, params) =>
      this.patchSubscription(request, params),
    );
    add('GET', '/ledger', (request) => this.ledger(request));
    add('GET', '/requests', (request) => this.requestLog(request));
    add('GET', '/state/customers/:customerId', (_request, params) => this.state(params.customerId));
    add('GET', '/identity/devicecodes', () => ({ status: 200, body: { deviceCodes: this.controls.identity.pendingDeviceCodes() } }));
    add('POST', '/identity/devicecodes/:userCode/approve', (request, params) => this.approveDeviceCode(request, params.userCode));
    add('POST', '/identity/devicecodes/:userCode/decline', (_request, params) => this.controls.identity.declineDeviceCode(params.userCode));
  }

  handle(request: AdminRequest): AdminResponse {
    const matched = this.router.match(request.method, request.path);
    if (matched.kind === 'none') return { status: 404, body: { error: `no admin route ${request.method} ${request.path}` } };
    if (matched.kind === 'wrongMethod') return { status: 405, body: { error: `method ${request.method} not allowed` } };
    try {
      return matched.match.route(request, matched.match.params);
    } catch (error) {
      if (error instanceof AdminError) return { status: error.status, body: { error: error.message } };
      if (error instanceof KnobError) return { status: 400, body: { error: error.message } };
      throw error;
    }
  }

  private body(request: AdminRequest): Record<string, unknown> {
    return asRecord(request.body) ?? {};
  }

  private customer(customerId: string) {
    const customer = this.env.db.customer(customerId.toLowerCase());
    if (!customer) throw new AdminError(404, `no customer ${customerId}`);
    return customer;
  }

  private ledgerAdmin(route: string, customerId: string | null, changes: LedgerChange[]): void {
    this.env.ledger.append(
      {
        actor: 'admin',
        api: 'admin',
        method: 'ADMIN',
        route,
        operation: 'admin',
        requestId: null,
        correlationId: null,
        customerId,
        status: 200,
        delivery: 'sent',
      },
      changes,
    );
  }

  private summary(): AdminResponse {
    return {
      status: 200,
      body: {
        customers: this.env.db.customerCount(),
        now: this.env.clock.now().toISOString(),
        clockOffsetMs: this.env.clock.offsetMs,
      },
    };
  }

  private reset(request: AdminRequest): AdminResponse {
    const body = this.body(request);
    const seed = body.seed === 'empty' ? 'empty' : 'demo';
    const customers = asInteger(body.customers);
    if (body.customers !== undefined && (customers === undefined || customers < 0)) {
      throw new AdminError(400, 'customers must be a whole number ≥ 0');
    }
    this.controls.reset(seed, customers);
    return this.summary();
  }

  private getKnobs(): AdminResponse {
    return { status: 200, body: { knobs: this.env.knobs(), faultStats: this.controls.faults.ruleStats() } };
  }

  private putKnobs(request: AdminRequest): AdminResponse {
    const next = mergeKnobs(this.env.knobs(), this.body(request));
    this.controls.setKnobs(next);
    return this.getKnobs();
  }

  private clock(): AdminResponse {
    return { status: 200, body: { now: this.env.clock.now().toISOString(), offsetMs: this.env.clock.offsetMs } };
  }

  private setClock(request: AdminRequest): AdminResponse {
    const body = this.body(request);
    if (typeof body.offsetMs === 'number') this.env.clock.setOffset(body.offsetMs);
    else if (typeof body.advanceMs === 'number') this.env.clock.advance(body.advanceMs);
    else if (typeof body.advanceDays === 'number') this.env.clock.advance(body.advanceDays * DAY_MS);
    else throw new AdminError(400, 'send offsetMs, advanceMs or advanceDays');
    this.ledgerAdmin('/_sandbox/clock', null, [{ kind: 'clock', offsetMs: this.env.clock.offsetMs }]);
    return this.clock();
  }

  private listCustomers(): AdminResponse {
    const { db } = this.env;
    const customers = db.customerPage(0, db.customerCount()).map((customer) => ({
      id: customer.id,
      companyName: customer.companyName,
      profile: customer.profile,
      country: customer.country,
      qualifications: customer.qualifications,
      access: customer.access,
      users: db.userCount(customer.id),
    }));
    return { status: 200, body: { customers } };
  }

  private writer(): PortfolioWriter {
    const { db } = this.env;
    const domains = db.customerPage(0, db.customerCount()).map((customer) => customer.domain);
    return new PortfolioWriter(db, new SeededRandom(randomUUID()), this.env.clock.nowMs(), this.env.knobs(), domains);
  }

  private addCustomer(request: AdminRequest): AdminResponse {
    const body = this.body(request);
    const companyName = asString(body.companyName);
    if (!companyName) throw new AdminError(400, 'companyName is required');
    const kaizala = Array.isArray(body.kaizala)
      ? body.kaizala.map((entry) => {
          const record = asRecord(entry) ?? {};
          const endInDays = asInteger(record.endInDays);
          if (endInDays === undefined) throw new AdminError(400, 'kaizala[].endInDays is required');
          const seats = asInteger(record.seats);
          return seats === undefined ? { endInDays } : { endInDays, seats };
        })
      : [];
    const qualification = asString(body.qualification);
    if (qualification !== undefined && !['Approved', 'InReview', 'Denied'].includes(qualification)) {
      throw new AdminError(400, 'qualification must be Approved, InReview or Denied');
    }
    const spec: CustomerSpec = {
      companyName,
      country: asString(body.country)?.toUpperCase(),
      profile: body.profile === 'education' || body.profile === 'frontline' ? body.profile : 'commercial',
      users: asInteger(body.users) ?? 0,
      qualification: qualification as VettingStatus | undefined,
      access: accessOrError(body.access, defaultAccess()),
      kaizala,
      kaizalaHolderShare: typeof body.kaizalaHolderShare === 'number' ? body.kaizalaHolderShare : undefined,
      usersWithoutUsageLocation: asInteger(body.usersWithoutUsageLocation),
      groupInheritedKaizala: asInteger(body.groupInheritedKaizala),
      extras: Array.isArray(body.extras) ? (body.extras as CustomerSpec['extras']) : undefined,
    };
    for (const extra of spec.extras ?? []) {
      if (!resolveSku(extra.partNumber)) throw new AdminError(400, `unknown SKU ${extra.partNumber}`);
    }
    const customer = this.env.db.transaction(() => {
      const created = this.writer().addCustomer(spec);
      this.ledgerAdmin('/_sandbox/customers', created.id, [{ kind: 'customer', customerId: created.id, companyName }]);
      return created;
    });
    return { status: 201, body: this.stateOf(customer.id) };
  }

  private patchCustomer(request: AdminRequest, params: Record<string, string>): AdminResponse {
    const body = this.body(request);
    const customer = this.customer(params.customerId);
    const companyName = asString(body.companyName);
    if (companyName) customer.companyName = companyName;
    const country = asString(body.country);
    if (country) customer.country = country.toUpperCase();
    if (Array.isArray(body.qualifications)) customer.qualifications = body.qualifications as typeof customer.qualifications;
    // Normalised first, so a state stored before GDAP roles existed is patched, not half-read.
    customer.access = accessOrError(body.access, {
      ...customer.access,
      gdapRoles: [...gdapRolesOf(customer)],
      delegatedConsent: customer.access.delegatedConsent !== false,
    });
    this.env.db.transaction(() => {
      this.env.db.updateCustomer(customer);
      this.ledgerAdmin(`/_sandbox/customers/${customer.id}`, customer.id, [
        { kind: 'customer', customerId: customer.id, companyName: customer.companyName },
      ]);
    });
    return { status: 200, body: this.stateOf(customer.id) };
  }

  private readLicenses(value: unknown, user: UserRecord): LicenseAssignment[] {
    if (!Array.isArray(value)) throw new AdminError(400, 'licenses must be an array');
    return value.map((entry) => {
      const record = asRecord(entry) ?? {};
      const sku = resolveSku(asString(record.skuId) ?? asString(record.skuPartNumber) ?? '');
      if (!sku) throw new AdminError(400, 'licenses[] needs a known skuId or skuPartNumber');
      const groupId = asString(record.groupId);
      if (groupId !== undefined && !isGuid(groupId)) throw new AdminError(400, 'licenses[].groupId must be a GUID');
      return {
        userId: user.id,
        skuId: sku.skuId,
        groupId: groupId ?? null,
        disabledPlans: [],
        assignedAt: this.env.clock.now().toISOString(),
      };
    });
  }

  private addUser(request: AdminRequest, params: Record<string, string>): AdminResponse {
    const body = this.body(request);
    const customer = this.customer(params.customerId);
    const displayName = asString(body.displayName) ?? 'Sandbox User';
    const [givenName, ...rest] = displayName.split(' ');
    const id = randomUUID();
    const user: UserRecord = {
      id,
      customerId: customer.id,
      userPrincipalName: asString(body.userPrincipalName) ?? `user-${id.slice(0, 8)}@${customer.domain}`,
      displayName,
      givenName,
      surname: rest.join(' '),
      jobTitle: asString(body.jobTitle) ?? null,
      usageLocation: body.usageLocation === null ? null : (asString(body.usageLocation) ?? customer.country),
      accountEnabled: body.accountEnabled !== false,
      createdDateTime: this.env.clock.now().toISOString(),
    };
    if (this.env.db.user(customer.id, user.userPrincipalName)) throw new AdminError(409, 'userPrincipalName already exists');
    const licenses = body.licenses === undefined ? [] : this.readLicenses(body.licenses, user);
    this.env.db.transaction(() => {
      this.env.db.insertUser(user);
      this.env.db.replaceLicenses(customer.id, user.id, licenses);
      this.ledgerAdmin(`/_sandbox/customers/${customer.id}/users`, customer.id, [
        { kind: 'userLicenses', userId: user.id, userPrincipalName: user.userPrincipalName, before: [], after: heldSkuIds(licenses) },
      ]);
    });
    return { status: 201, body: { ...user, licenses } };
  }

  private patchUser(request: AdminRequest, params: Record<string, string>): AdminResponse {
    const body = this.body(request);
    const customer = this.customer(params.customerId);
    const user = this.env.db.user(customer.id, params.userId);
    if (!user) throw new AdminError(404, `no user ${params.userId}`);
    if (body.usageLocation === null || typeof body.usageLocation === 'string') user.usageLocation = body.usageLocation;
    const displayName = asString(body.displayName);
    if (displayName) user.displayName = displayName;
    if (typeof body.accountEnabled === 'boolean') user.accountEnabled = body.accountEnabled;
    const before = heldSkuIds(this.env.db.licensesOfUser(user.customerId, user.id));
    const licenses = body.licenses === undefined ? undefined : this.readLicenses(body.licenses, user);
    this.env.db.transaction(() => {
      this.env.db.updateUser(user);
      if (licenses) this.env.db.replaceLicenses(customer.id, user.id, licenses);
      const after = heldSkuIds(this.env.db.licensesOfUser(user.customerId, user.id));
      this.ledgerAdmin(`/_sandbox/customers/${customer.id}/users/${user.id}`, customer.id, [
        { kind: 'userLicenses', userId: user.id, userPrincipalName: user.userPrincipalName, before, after },
      ]);
    });
    return { status: 200, body: { ...user, licenses: this.env.db.licensesOfUser(user.customerId, user.id) } };
  }

  private addSubscription(request: AdminRequest, params: Record<string, string>): AdminResponse {
    const body = this.body(request);
    const customer = this.customer(params.customerId);
    const sku = resolveSku(asString(body.skuId) ?? asString(body.skuPartNumber) ?? '');
    if (!sku) throw new AdminError(400, 'a known skuId or skuPartNumber is required');
    const quantity = asInteger(body.quantity);
    if (quantity === undefined || quantity < 1) throw new AdminError(400, 'quantity must be ≥ 1');
    const status = (asString(body.status) ?? 'active') as SubscriptionStatus;
    if (!STATUSES.includes(status)) throw new AdminError(400, `status must be one of ${STATUSES.join(', ')}`);
    const nowMs = this.env.clock.nowMs();
    const endInDays = asInteger(body.endInDays);
    const endMs = endInDays === undefined ? addYears(nowMs, 1) - DAY_MS : nowMs + endInDays * DAY_MS;
    const channel = body.channel === 'nce' || (body.channel === undefined && sku.nce) ? 'nce' : 'legacy';
    const subscription = this.env.db.transaction(() => {
      const created = this.writer().addSubscription(customer, sku, {
        channel,
        quantity,
        startMs: Math.min(nowMs, addYears(endMs, -1) + DAY_MS),
        endMs,
        status,
        autoRenewEnabled: typeof body.autoRenewEnabled === 'boolean' ? body.autoRenewEnabled : channel === 'nce',
        partnerVisible: body.partnerVisible !== false,
      });
      this.ledgerAdmin(`/_sandbox/customers/${customer.id}/subscriptions`, customer.id, [
        {
          kind: 'subscription',
          subscriptionId: created.id,
          skuId: created.skuId,
          offerName: created.offerName,
          before: null,
          after: { status, quantity, autoRenewEnabled: created.autoRenewEnabled, commitmentEndDate: created.commitmentEndDate },
          consumedUnits: this.env.db.consumedUnits(customer.id, created.skuId),
        },
      ]);
      return created;
    });
    return { status: 201, body: subscription };
  }

  private patchSubscription(request: AdminRequest, params: Record<string, string>): AdminResponse {
    const body = this.body(request);
    const customer = this.customer(params.customerId);
    const subscription = this.env.db.subscription(customer.id, params.subscriptionId.toLowerCase());
    if (!subscription) throw new AdminError(404, `no subscription ${params.subscriptionId}`);
    const nowMs = this.env.clock.nowMs();
    const changes = this.env.db.transaction(() => {
      const quantity = asInteger(body.quantity);
      if (quantity !== undefined) subscription.quantity = quantity;
      const commitmentEndDate = asString(body.commitmentEndDate);
      if (commitmentEndDate) subscription.commitmentEndDate = commitmentEndDate;
      const endInDays = asInteger(body.endInDays);
      if (endInDays !== undefined) subscription.commitmentEndDate = isoDay(nowMs + endInDays * DAY_MS);
      if (typeof body.autoRenewEnabled === 'boolean') subscription.autoRenewEnabled = body.autoRenewEnabled;
      const suspendedAt = asString(body.suspendedAt);
      if (suspendedAt) subscription.suspendedAt = suspendedAt;
      const status = asString(body.status) as SubscriptionStatus | undefined;
      if (status !== undefined && !STATUSES.includes(status)) throw new AdminError(400, `status must be one of ${STATUSES.join(', ')}`);
      this.env.db.putSubscription(subscription);
      const recorded =
        status && status !== subscription.status ? transitionSubscription(this.env.db, subscription, status, nowMs) : [];
      this.ledgerAdmin(`/_sandbox/customers/${customer.id}/subscriptions/${subscription.id}`, customer.id, recorded);
      return recorded;
    });
    return { status: 200, body: { subscription: this.env.db.subscription(customer.id, subscription.id), changes } };
  }

  private ledger(request: AdminRequest): AdminResponse {
    const customerId = request.query.get('customerId')?.toLowerCase();
    const afterSeq = Number(request.query.get('afterSeq') ?? 0);
    const limit = Number(request.query.get('limit') ?? 10000);
    const entries = this.env.db.ledger({ customerId, afterSeq, limit });
    return { status: 200, body: { entries, lastSeq: entries.at(-1)?.seq ?? afterSeq } };
  }

  /** A pending device-code sign-in finished by the named partner user (`{userPrincipalName, mfa}`; MFA defaults to true). */
  private approveDeviceCode(request: AdminRequest, userCode: string): AdminResponse {
    const body = this.body(request);
    const upn = asString(body.userPrincipalName);
    if (!upn) throw new AdminError(400, 'userPrincipalName is required');
    if (body.mfa !== undefined && typeof body.mfa !== 'boolean') throw new AdminError(400, 'mfa must be a boolean');
    return this.controls.identity.approveDeviceCode(userCode, upn, body.mfa !== false);
  }

  private requestLog(request: AdminRequest): AdminResponse {
    const afterSeq = Number(request.query.get('afterSeq') ?? 0);
    return { status: 200, body: { requests: this.controls.requests.list(afterSeq) } };
  }

  private state(customerId: string): AdminResponse {
    const customer = this.customer(customerId);
    this.env.db.transaction(() => this.env.lifecycle.advance(customer.id, this.env.clock.nowMs()));
    return { status: 200, body: this.stateOf(customer.id) };
  }

  /** Everything about one customer, in the sandbox's own terms plus the Partner Center renderings. */
  private stateOf(customerId: string): Record<string, unknown> {
    const { db } = this.env;
    const customer = this.customer(customerId);
    const nowMs = this.env.clock.nowMs();
    const licenses = db.licensesOfCustomer(customer.id);
    return {
      customer,
      now: new Date(nowMs).toISOString(),
      subscriptions: db.subscriptionsOf(customer.id).map((subscription) => ({
        ...renderSubscription(subscription, customer.country, nowMs),
        sandbox: {
          skuId: subscription.skuId,
          channel: subscription.channel,
          partnerVisible: subscription.partnerVisible,
          suspendedAt: subscription.suspendedAt,
          provisionedAt: subscription.provisionedAt,
          pendingChange: subscription.pendingChange,
        },
      })),
      orders: db.ordersOf(customer.id).map((order) => ({ ...renderOrder(order), sandbox: { cartId: order.cartId, requestId: order.requestId, dueAt: order.dueAt, listedFrom: order.listedFrom, lineItems: order.lineItems } })),
      carts: db.cartsOf(customer.id).map(renderCart),
      users: db.usersOf(customer.id).map((user) => ({
        ...user,
        licenses: licenses
          .filter((assignment) => assignment.userId === user.id)
          .map((assignment) => ({ skuId: assignment.skuId, groupId: assignment.groupId, disabledPlans: assignment.disabledPlans })),
      })),
      subscribedSkus: tenantSkuUsage(db, customer.id, nowMs),
    };
  }
}

/** The admin API's `access` (see gdap.ts readAccess) over `base`; a bad value is a 400 naming it. */
function accessOrError(value: unknown, base: CustomerAccess): CustomerAccess {
  try {
    return readAccess(value, base);
  } catch (error) {
    if (error instanceof RangeError) throw new AdminError(400, error.message);
    throw error;
  }
}
