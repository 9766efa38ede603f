/**
 * The two ways to read and move a customer's licenses behind one interface: Graph (the recommended path; app-only
 * where the customer consented, else the partner admin's delegated token through GDAP — the Graph client's tenant
 * access decides) and Partner Center (App+User licenseupdates). With the Graph path, a customer Graph cannot be
 * reached for by either token goes through Partner Center instead. A customer the partner cannot manage (no GDAP
 * relationship, or a role missing) parks the run with the role to grant. Skus are compared lower-case everywhere.
 */
import type { GraphClient } from '../graph/graphClient';
import { isCustomerAccessError, isGraphUnreachableError, type CustomerAccessError } from '../graph/tenantAccess';
import type { Traced } from '../http/apiHttp';
import { isApiError } from '../http/errors';
import type { PartnerCenterClient } from '../partnerCenter/partnerCenterClient';
import { partnerCenterAccess } from '../partnerCenter/tenantDirectory';
import type { LicensePath } from './run';
import { ParkRun } from './runContext';

export interface UserLicenses {
  /** False when the directory does not know the user (deleted since the request). */
  exists: boolean;
  userPrincipalName?: string;
  /** null when the user has none (both paths read it before writing); undefined only from fakes that cannot tell. */
  usageLocation?: string | null;
  skuIds: ReadonlySet<string>;
  /** Skus the user holds only through a group: they cannot be removed per user. */
  inheritedOnly: ReadonlySet<string>;
}

export interface SkuSeats {
  enabled: number;
  consumed: number;
}

export interface LicenseChange {
  /** Every SKU the user still lacks (a suite and the Teams standalone bought with it arrive in one call). */
  add?: string[];
  remove?: string;
}

export interface LicenseDirectory {
  readonly path: LicensePath;
  readUser(userId: string): Promise<UserLicenses>;
  /** One call that adds and/or removes; `requestId` is the persisted MS-RequestId (Partner Center only). */
  change(userId: string, change: LicenseChange, requestId: string): Promise<Traced<unknown>>;
  /** Undefined when the tenant has no such SKU (yet). */
  seats(skuId: string): Promise<SkuSeats | undefined>;
  /** Which of `userIds` hold `skuId` right now. */
  holdersAmong(skuId: string, userIds: readonly string[]): Promise<Set<string>>;
  /** Every holder of `skuId` in the tenant; undefined when this path cannot list them (consumed units still tell). */
  allHolders(skuId: string): Promise<Array<{ id: string; userPrincipalName?: string }> | undefined>;
}

const USER_SELECT = ['id', 'userPrincipalName', 'usageLocation', 'assignedLicenses', 'licenseAssignmentStates'] as const;

export class GraphLicenseDirectory implements LicenseDirectory {
  readonly path = 'graph' as const;

  constructor(
    private readonly graph: GraphClient,
    private readonly tenantId: string,
  ) {}

  async readUser(userId: string): Promise<UserLicenses> {
    let user;
    try {
      user = await this.graph.getUser(this.tenantId, userId, USER_SELECT);
    } catch (error) {
      if (isApiError(error) && error.status === 404) return missingUser();
      throw error;
    }
    const skuIds = new Set((user.assignedLicenses ?? []).map((license) => license.skuId.toLowerCase()));
    const states = user.licenseAssignmentStates ?? [];
    const inheritedOnly = new Set(
      [...skuIds].filter((skuId) => {
        const mine = states.filter((state) => state.skuId.toLowerCase() === skuId);
        return mine.length > 0 && mine.every((state) => state.assignedByGroup);
      }),
    );
    return { exists: true, userPrincipalName: user.userPrincipalName, usageLocation: user.usageLocation ?? null, skuIds, inheritedOnly };
  }

  async change(userId: string, change: LicenseChange): Promise<Traced<unknown>> {
    return this.graph.assignLicense(this.tenantId, userId, {
      addLicenses: (change.add ?? []).map((skuId) => ({ skuId })),
      removeLicenses: change.remove ? [change.remove] : [],
    });
  }

  async seats(skuId: string): Promise<SkuSeats | undefined> {
    const sku = (await this.graph.listSubscribedSkus(this.tenantId)).find((candidate) => candidate.skuId.toLowerCase() === skuId);
    return sku && { enabled: sku.prepaidUnits?.enabled ?? 0, consumed: sku.consumedUnits ?? 0 };
  }

  async holdersAmong(skuId: string, userIds: readonly string[]): Promise<Set<string>> {
    const wanted = new Set(userIds);
    const holders = await this.graph.listUsers(this.tenantId, { skuId, select: ['id'] });
    return new Set(holders.map((user) => user.id).filter((id) => wanted.has(id)));
  }

  async allHolders(skuId: string): Promise<Array<{ id: string; userPrincipalName?: string }>> {
    const holders = await this.graph.listUsers(this.tenantId, { skuId, select: ['id', 'userPrincipalName'] });
    return holders.map((user) => ({ id: user.id, userPrincipalName: user.userPrincipalName }));
  }
}

export class PartnerCenterLicenseDirectory implements LicenseDirectory {
  readonly path = 'partnerCenter' as const;

  constructor(
    private readonly partnerCenter: PartnerCenterClient,
    private readonly customerId: string,
  ) {}

  /**
   * The user (for `usageLocation`, documented as optional on CustomerUser) and their licenses, like the Graph path
   * reads them, so a user without a usage location is parked before any write. Partner Center documents no
   * group-inheritance field on licenses: `inheritedOnly` stays empty here and a refused removal is recognised from
   * the licenseupdates error instead (moveLicenses).
   */
  async readUser(userId: string): Promise<UserLicenses> {
    let user;
    let licenses;
    try {
      user = await partnerCenterAccess(this.customerId, 'read', () => this.partnerCenter.getUser(this.customerId, userId));
      licenses = await partnerCenterAccess(this.customerId, 'read', () => this.partnerCenter.getUserLicenses(this.customerId, userId));
    } catch (error) {
      if (isApiError(error) && error.status === 404) return missingUser();
      throw error;
    }
    return {
      exists: true,
      userPrincipalName: user.userPrincipalName,
      usageLocation: user.usageLocation ? user.usageLocation : null,
      skuIds: new Set(licenses.map((license) => license.productSku.id.toLowerCase())),
      inheritedOnly: new Set(),
    };
  }

  async change(userId: string, change: LicenseChange, requestId: string): Promise<Traced<unknown>> {
    return partnerCenterAccess(this.customerId, 'licenseWrite', () =>
      this.partnerCenter.updateUserLicenses(
        this.customerId,
        userId,
        {
          licensesToAssign: (change.add ?? []).map((skuId) => ({ skuId, excludedPlans: null })),
          licensesToRemove: change.remove ? [change.remove] : [],
        },
        requestId,
      ),
    );
  }

  async seats(skuId: string): Promise<SkuSeats | undefined> {
    const sku = (await partnerCenterAccess(this.customerId, 'read', () => this.partnerCenter.listSubscribedSkus(this.customerId))).find(
      (candidate) => candidate.productSku.id.toLowerCase() === skuId,
    );
    return sku && { enabled: sku.activeUnits, consumed: sku.consumedUnits };
  }

  async holdersAmong(skuId: string, userIds: readonly string[]): Promise<Set<string>> {
    const holders = new Set<string>();
    for (const userId of userIds) {
      if ((await this.licensesOf(userId)).has(skuId)) holders.add(userId);
    }
    return holders;
  }

  /** Licenses only (one call); an unknown user holds nothing. */
  private async licensesOf(userId: string): Promise<Set<string>> {
    try {
      const licenses = await partnerCenterAccess(this.customerId, 'read', () => this.partnerCenter.getUserLicenses(this.customerId, userId));
      return new Set(licenses.map((license) => license.productSku.id.toLowerCase()));
    } catch (error) {
      if (isApiError(error) && error.status === 404) return new Set();
      throw error;
    }
  }

  async allHolders(): Promise<undefined> {
    return undefined;
  }
}

function missingUser(): UserLicenses {
  return { exists: false, skuIds: new Set(), inheritedOnly: new Set() };
}

/**
 * Graph while Graph can be reached for the tenant, else Partner Center — decided by the first call (always a read:
 * a write first resolves the path with a read of the same user, so a Partner Center write always has its persisted
 * MS-RequestId). `path` tells which one is in use.
 */
export class GraphFirstLicenseDirectory implements LicenseDirectory {
  private resolved: LicenseDirectory | undefined;

  constructor(
    private readonly graph: LicenseDirectory,
    private readonly partnerCenter: LicenseDirectory,
    private readonly onFallback?: (reason: string) => void,
  ) {}

  get path(): LicensePath {
    return (this.resolved ?? this.graph).path;
  }

  readUser(userId: string): Promise<UserLicenses> {
    return this.use((directory) => directory.readUser(userId));
  }

  async change(userId: string, change: LicenseChange, requestId: string): Promise<Traced<unknown>> {
    if (!this.resolved) await this.readUser(userId);
    return (this.resolved ?? this.graph).change(userId, change, requestId);
  }

  seats(skuId: string): Promise<SkuSeats | undefined> {
    return this.use((directory) => directory.seats(skuId));
  }

  holdersAmong(skuId: string, userIds: readonly string[]): Promise<Set<string>> {
    return this.use((directory) => directory.holdersAmong(skuId, userIds));
  }

  allHolders(skuId: string): Promise<Array<{ id: string; userPrincipalName?: string }> | undefined> {
    return this.use((directory) => directory.allHolders(skuId));
  }

  private async use<T>(read: (directory: LicenseDirectory) => Promise<T>): Promise<T> {
    if (this.resolved) return read(this.resolved);
    try {
      const result = await read(this.graph);
      this.resolved = this.graph;
      return result;
    } catch (error) {
      if (!isGraphUnreachableError(error)) throw error;
      this.onFallback?.(error.reason);
      this.resolved = this.partnerCenter;
      return read(this.partnerCenter);
    }
  }
}

/** Turns "the partner cannot manage this customer" into a parked run that says which GDAP role to grant. */
class ParkingLicenseDirectory implements LicenseDirectory {
  constructor(
    private readonly inner: LicenseDirectory,
    private readonly customerName: string,
  ) {}

  get path(): LicensePath {
    return this.inner.path;
  }

  readUser(userId: string): Promise<UserLicenses> {
    return this.parkOnAccess(() => this.inner.readUser(userId));
  }

  change(userId: string, change: LicenseChange, requestId: string): Promise<Traced<unknown>> {
    return this.parkOnAccess(() => this.inner.change(userId, change, requestId));
  }

  seats(skuId: string): Promise<SkuSeats | undefined> {
    return this.parkOnAccess(() => this.inner.seats(skuId));
  }

  holdersAmong(skuId: string, userIds: readonly string[]): Promise<Set<string>> {
    return this.parkOnAccess(() => this.inner.holdersAmong(skuId, userIds));
  }

  allHolders(skuId: string): Promise<Array<{ id: string; userPrincipalName?: string }> | undefined> {
    return this.parkOnAccess(() => this.inner.allHolders(skuId));
  }

  private async parkOnAccess<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (isCustomerAccessError(error)) throw new ParkRun('accessDenied', accessDetail(this.customerName, error));
      throw error;
    }
  }
}

/** The park detail: who, what to grant (role names as Microsoft spells them), and the refusal as it came. */
export function accessDetail(customerName: string, error: CustomerAccessError): string {
  const refusal = `${error.service === 'partnerCenter' ? 'Partner Center' : 'Graph'} ${error.status ?? ''} ${error.code}`.replace(/\s+/g, ' ');
  return error.missing === 'relationship'
    ? `${customerName}: the partner has no GDAP relationship with this customer (${refusal})`
    : `${customerName}: the GDAP relationship lacks the ${error.missing} role (${refusal})`;
}

export function createLicenseDirectory(
  path: LicensePath,
  clients: { graph: GraphClient; partnerCenter: PartnerCenterClient },
  customer: { customerId: string; tenantId: string; customerName?: string },
): LicenseDirectory {
  const partnerCenter = new PartnerCenterLicenseDirectory(clients.partnerCenter, customer.customerId);
  const directory =
    path === 'graph' ? new GraphFirstLicenseDirectory(new GraphLicenseDirectory(clients.graph, customer.tenantId), partnerCenter) : partnerCenter;
  return new ParkingLicenseDirectory(directory, customer.customerName ?? customer.customerId);
}
