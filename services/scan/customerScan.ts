/**
 * One customer's part of the scan: its subscriptions → the Kaizala ones → their SKU, users and days left. Failures
 * of the outside world (Partner Center, Graph, tokens) become a result; anything else is a bug and propagates.
 */
import type { ExpiringSubscription } from '../domain/expiring';
import { isApiError, isAuthFailure, isTokenAcquisitionError } from '../http/errors';
import type { Customer, Subscription } from '../partnerCenter/types';
import { classifyExpiry, hasUsableEndDate, type PartnerCalendar } from './expiryClock';
import { migrationKey } from './migrating';
import {
  identifyKaizalaPro,
  isKaizalaOfferName,
  tenantSkuFromGraph,
  tenantSkuFromPartnerCenter,
  type Identification,
  type TenantSku,
} from './identification';
import type { ScanFailure, ScanGraph, ScanPartnerCenter } from './types';

export interface CustomerScanDeps {
  partnerCenter: ScanPartnerCenter;
  graph: ScanGraph;
  calendar: PartnerCalendar;
  /** A full identification younger than this is reused while the subscriptions and consumed seats are unchanged. */
  reuseWithinMs: number;
}

export interface CustomerScanInput {
  customer: Customer;
  /** What the previous scan stored for this customer. */
  previousRows: readonly ExpiringSubscription[];
  /** `migrationKey`s of subscriptions with a pending or approved migration request. */
  migrating: ReadonlySet<string>;
  now: Date;
}

export type CustomerScanResult =
  | { kind: 'scanned'; rows: ExpiringSubscription[]; reused: boolean; warnings: string[] }
  | { kind: 'failed'; failure: Pick<ScanFailure, 'kind' | 'reason'> };

interface TenantSkus {
  source: 'graph' | 'partnerCenter';
  skus: TenantSku[];
}

/** Both license APIs refused this customer: nothing about its Kaizala seats can be known. */
class CustomerAccessRefused extends Error {
  constructor(readonly reasons: string[]) {
    super(reasons.join('; '));
    this.name = 'CustomerAccessRefused';
  }
}

export class CustomerScanner {
  constructor(private readonly deps: CustomerScanDeps) {}

  async scan(input: CustomerScanInput): Promise<CustomerScanResult> {
    try {
      return await this.read(input);
    } catch (error) {
      if (error instanceof CustomerAccessRefused) return { kind: 'failed', failure: { kind: 'authorization', reason: error.message } };
      if (isApiError(error) || isTokenAcquisitionError(error)) {
        return { kind: 'failed', failure: { kind: isAuthFailure(error) ? 'authorization' : 'error', reason: describeFailure(error) } };
      }
      throw error;
    }
  }

  private async read(input: CustomerScanInput): Promise<CustomerScanResult> {
    const { customer } = input;
    const warnings: string[] = [];
    const candidates: Subscription[] = [];
    for (const subscription of await this.deps.partnerCenter.listSubscriptions(customer.id)) {
      if (!isKaizalaOfferName(subscription.offerName) || subscription.status === 'deleted') continue;
      if (hasUsableEndDate(endDateOf(subscription))) candidates.push(subscription);
      else warnings.push(`subscription ${subscription.id} (${subscription.offerName}) has no end date and was left out`);
    }
    if (candidates.length === 0) return { kind: 'scanned', rows: [], reused: false, warnings };

    const tenant = await this.readTenantSkus(customer, warnings);
    const reused = this.reuse(candidates, tenant, input);
    if (reused) return { kind: 'scanned', rows: reused, reused: true, warnings };

    const education = await this.isEducationApproved(customer, warnings);
    const identified: Array<{ subscription: Subscription; identification: Identification }> = [];
    for (const subscription of candidates) {
      const provisioningSkuId = await this.provisioningSkuId(customer, subscription, warnings);
      identified.push({ subscription, identification: identifyKaizalaPro(subscription.id, provisioningSkuId, tenant.skus) });
    }
    const users = new Map<string, number>();
    for (const { identification } of identified) {
      const sku = identification.sku;
      if (sku && !users.has(sku.skuId)) users.set(sku.skuId, await this.usersHolding(customer, sku, tenant.source));
    }

    const scannedAt = input.now.toISOString();
    const rows = identified.map(({ subscription, identification }): ExpiringSubscription => {
      const sku = identification.sku;
      const row: ExpiringSubscription = {
        ...this.subscriptionFields(customer, subscription, input),
        education,
        skuId: sku?.skuId ?? '',
        usersOnKaizala: sku ? (users.get(sku.skuId) ?? 0) : 0,
        consumedUnits: sku?.consumedUnits ?? 0,
        usersSource: tenant.source === 'graph' ? 'graphUsers' : 'consumedUnits',
        identifiedAt: scannedAt,
      };
      if (identification.kind === 'needsReview') row.review = identification.review;
      return row;
    });
    return { kind: 'scanned', rows, reused: false, warnings };
  }

  /** The fields that change with time or come straight from the subscription list; the rest is identification. */
  private subscriptionFields(customer: Customer, subscription: Subscription, input: CustomerScanInput) {
    const commitmentEndDate = endDateOf(subscription) as string;
    const { daysLeft, urgency } = classifyExpiry(commitmentEndDate, input.now, this.deps.calendar);
    return {
      customerId: customer.id,
      customerName: customer.companyProfile?.companyName ?? customer.id,
      customerDomain: customer.companyProfile?.domain ?? '',
      tenantId: tenantIdOf(customer),
      subscriptionId: subscription.id,
      offerName: subscription.offerName,
      quantity: subscription.quantity,
      status: subscription.status,
      autoRenewEnabled: subscription.autoRenewEnabled,
      commitmentEndDate,
      daysLeft,
      urgency,
      migrating: input.migrating.has(migrationKey(customer.id, subscription.id)),
      scannedAt: input.now.toISOString(),
    };
  }

  /**
   * The previous rows, refreshed, when nothing they were built from has changed: the same Kaizala subscriptions
   * (quantity, status, renewal, end date), the same consumed seats of their SKU, the same user source, all confirmed
   * and identified recently. Saves the provisioning, qualification and user reads of a quiet customer.
   */
  private reuse(candidates: Subscription[], tenant: TenantSkus, input: CustomerScanInput): ExpiringSubscription[] | undefined {
    const previous = new Map(input.previousRows.map((row) => [row.subscriptionId.toLowerCase(), row]));
    if (previous.size !== candidates.length) return undefined;
    const usersSource = tenant.source === 'graph' ? 'graphUsers' : 'consumedUnits';
    const rows: ExpiringSubscription[] = [];
    for (const subscription of candidates) {
      const row = previous.get(subscription.id.toLowerCase());
      if (!row || row.review || row.usersSource !== usersSource || row.identifiedAt === undefined) return undefined;
      if (input.now.getTime() - Date.parse(row.identifiedAt) > this.deps.reuseWithinMs) return undefined;
      const fresh = this.subscriptionFields(input.customer, subscription, input);
      const sameSubscription =
        row.offerName === fresh.offerName &&
        row.quantity === fresh.quantity &&
        row.status === fresh.status &&
        row.autoRenewEnabled === fresh.autoRenewEnabled &&
        row.commitmentEndDate === fresh.commitmentEndDate;
      const sku = tenant.skus.find((candidate) => candidate.skuId === row.skuId.toLowerCase());
      if (!sameSubscription || !sku || sku.consumedUnits !== row.consumedUnits) return undefined;
      rows.push({ ...row, ...fresh });
    }
    return rows;
  }

  /** Graph first (it links SKUs to subscriptions); Partner Center's copy when Graph is refused (no consent). */
  private async readTenantSkus(customer: Customer, warnings: string[]): Promise<TenantSkus> {
    try {
      return { source: 'graph', skus: (await this.deps.graph.listSubscribedSkus(tenantIdOf(customer))).map(tenantSkuFromGraph) };
    } catch (graphError) {
      if (!isAuthFailure(graphError)) throw graphError;
      let skus: TenantSku[];
      try {
        skus = (await this.deps.partnerCenter.listSubscribedSkus(customer.id)).map(tenantSkuFromPartnerCenter);
      } catch (partnerCenterError) {
        if (isAuthFailure(partnerCenterError)) {
          throw new CustomerAccessRefused([describeFailure(graphError), describeFailure(partnerCenterError)]);
        }
        throw partnerCenterError;
      }
      warnings.push(`Graph refused access (${describeFailure(graphError)}): SKUs read from Partner Center, users counted from consumed seats`);
      return { source: 'partnerCenter', skus };
    }
  }

  /** Refused (e.g. app-only in live mode) → undefined with a warning, so Graph's subscription link decides alone. */
  private async provisioningSkuId(customer: Customer, subscription: Subscription, warnings: string[]): Promise<string | undefined> {
    try {
      const status = await this.deps.partnerCenter.getSubscriptionProvisioningStatus(customer.id, subscription.id);
      return status.skuId ? status.skuId.toLowerCase() : undefined;
    } catch (error) {
      if (!isAuthFailure(error)) throw error;
      warnings.push(`Partner Center refused the provisioning status of ${subscription.id} (${describeFailure(error)})`);
      return undefined;
    }
  }

  private async isEducationApproved(customer: Customer, warnings: string[]): Promise<boolean> {
    try {
      const qualifications = await this.deps.partnerCenter.getQualifications(customer.id);
      return qualifications.some((q) => q.qualification.toLowerCase() === 'education' && q.vettingStatus === 'Approved');
    } catch (error) {
      if (!isAuthFailure(error)) throw error;
      warnings.push(`Partner Center refused the qualifications (${describeFailure(error)}): education plans not offered`);
      return false;
    }
  }

  /** Each assigned user consumes one seat, so consumed seats stand in for the user list when Graph is refused. */
  private async usersHolding(customer: Customer, sku: TenantSku, source: TenantSkus['source']): Promise<number> {
    if (source === 'partnerCenter') return sku.consumedUnits;
    return (await this.deps.graph.listUsers(tenantIdOf(customer), { skuId: sku.skuId, select: ['id'] })).length;
  }
}

function tenantIdOf(customer: Customer): string {
  return customer.companyProfile?.tenantId || customer.id;
}

function endDateOf(subscription: Subscription): string | undefined {
  return subscription.commitmentEndDate ?? subscription.commitmentEndDateTime;
}

const SERVICE_NAMES = { partnerCenter: 'Partner Center', graph: 'Graph' } as const;
const MAX_REASON_LENGTH = 300;

/** One line a person can act on: which service, status, code and the service's own words. */
export function describeFailure(error: unknown): string {
  let text: string;
  if (isApiError(error)) {
    const status = error.status === undefined ? 'no response' : `HTTP ${error.status}`;
    text = `${SERVICE_NAMES[error.service]} ${status} ${error.code}: ${error.description}`;
  } else if (error instanceof Error) {
    text = error.message;
  } else {
    text = String(error);
  }
  return text.length > MAX_REASON_LENGTH ? `${text.slice(0, MAX_REASON_LENGTH - 1)}…` : text;
}
