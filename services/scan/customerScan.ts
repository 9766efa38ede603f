/**
 * One customer's part of the scan: its subscriptions → the Kaizala ones → their SKU, users and days left. Only the
 * subscription list is essential: every Kaizala subscription it shows is reported. Qualifications, provisioning
 * status, offers, subscribed SKUs and users only refine a row; when one fails, the row says what is unknown and why.
 * Failures of the outside world (Partner Center, Graph, tokens) become results; anything else is a bug and propagates.
 */
import type { ExpiringSubscription, ScanUnknown } from '../domain/expiring';
import { isApiError, isAuthFailure, isTokenAcquisitionError } from '../http/errors';
import type { Customer, Subscription } from '../partnerCenter/types';
import { classifyExpiry, hasUsableEndDate, type PartnerCalendar } from './expiryClock';
import { migrationKey } from './migrating';
import {
  identifyKaizalaPro,
  isKaizalaOfferName,
  isLegacyOfferId,
  meetsDiscoveryTest,
  tenantSkuFromGraph,
  tenantSkuFromPartnerCenter,
  type Identification,
  type IdentificationSignals,
  type TenantSku,
} from './identification';
import type { ScanFailure, ScanGraph, ScanPartnerCenter } from './types';

export interface CustomerScanDeps {
  partnerCenter: ScanPartnerCenter;
  graph: ScanGraph;
  calendar: PartnerCalendar;
  /** A full identification younger than this is reused while the subscriptions and consumed seats are unchanged. */
  reuseWithinMs: number;
  /** Market for offer lookups when the customer's billing address names none (PARTNER_COUNTRY). Default `US`. */
  country?: string;
}

export interface CustomerScanInput {
  customer: Customer;
  /** What the previous scan stored for this customer. */
  previousRows: readonly ExpiringSubscription[];
  /** `migrationKey`s of subscriptions with a pending or approved migration request. */
  migrating: ReadonlySet<string>;
  now: Date;
}

/**
 * `scanned` may still carry a `failure`: the subscriptions were listed (so every row is reported) but the customer's
 * licences could be read by neither API; a person must grant access, so it is counted among the failures too.
 */
export type CustomerScanResult =
  | { kind: 'scanned'; rows: ExpiringSubscription[]; reused: boolean; warnings: string[]; failure?: Pick<ScanFailure, 'kind' | 'reason'> }
  | { kind: 'failed'; failure: Pick<ScanFailure, 'kind' | 'reason'> };

interface TenantSkus {
  /** `none`: neither Graph nor Partner Center answered; `unknownReason` says why. */
  source: 'graph' | 'partnerCenter' | 'none';
  skus: TenantSku[];
  unknownReason?: string;
  /** Both refused for lack of rights. */
  refused?: boolean;
}

/** Failures of the outside world; everything else is a bug. */
function isServiceFailure(error: unknown): boolean {
  return isApiError(error) || isTokenAcquisitionError(error);
}

export class CustomerScanner {
  constructor(private readonly deps: CustomerScanDeps) {}

  async scan(input: CustomerScanInput): Promise<CustomerScanResult> {
    let subscriptions: Subscription[];
    try {
      subscriptions = await this.deps.partnerCenter.listSubscriptions(input.customer.id);
    } catch (error) {
      if (!isServiceFailure(error)) throw error;
      return { kind: 'failed', failure: { kind: isAuthFailure(error) ? 'authorization' : 'error', reason: describeFailure(error) } };
    }
    return this.read(input, subscriptions);
  }

  private async read(input: CustomerScanInput, subscriptions: readonly Subscription[]): Promise<CustomerScanResult> {
    const { customer } = input;
    const warnings: string[] = [];
    const candidates: Subscription[] = [];
    for (const subscription of subscriptions) {
      if (!isKaizalaOfferName(subscription.offerName) || subscription.status === 'deleted') continue;
      if (hasUsableEndDate(endDateOf(subscription))) candidates.push(subscription);
      else warnings.push(`subscription ${subscription.id} (${subscription.offerName}) has no end date and was left out`);
    }
    if (candidates.length === 0) return { kind: 'scanned', rows: [], reused: false, warnings };
    for (const subscription of candidates) {
      if (!meetsDiscoveryTest(subscription, endDateOf(subscription))) {
        warnings.push(
          `subscription ${subscription.id} (${subscription.offerName}) says autoRenewEnabled true, which fails Microsoft's discovery test ` +
            '(autoRenewEnabled false plus an end date); reported anyway: Kaizala Pro cannot renew',
        );
      }
    }

    const tenant = await this.readTenantSkus(customer, warnings);
    const failure = tenant.refused ? { kind: 'authorization' as const, reason: tenant.unknownReason ?? '' } : undefined;
    const reused = this.reuse(candidates, tenant, input);
    if (reused) return { kind: 'scanned', rows: reused, reused: true, warnings };

    const education = await this.readEducation(customer, input.previousRows, warnings);
    const identified: Array<{ subscription: Subscription; identification: Identification; lookups: string[] }> = [];
    for (const subscription of candidates) {
      const lookups: string[] = [];
      const signals: IdentificationSignals = {
        provisioningSkuId: await this.provisioningSkuId(customer, subscription, warnings, lookups),
        offerProductId: await this.offerProductId(customer, subscription, warnings, lookups),
      };
      const identification = identifyKaizalaPro(subscription.id, signals, tenant.source === 'none' ? undefined : tenant.skus);
      identified.push({ subscription, identification, lookups });
    }
    const users = new Map<string, { count: number; unknown?: string }>();
    for (const { identification } of identified) {
      const sku = identification.sku;
      if (sku && !users.has(sku.skuId)) users.set(sku.skuId, await this.usersHolding(customer, sku, tenant.source, warnings));
    }

    const scannedAt = input.now.toISOString();
    const rows = identified.map(({ subscription, identification, lookups }): ExpiringSubscription => {
      const sku = identification.sku;
      const held = sku ? users.get(sku.skuId) : undefined;
      const unknowns: ScanUnknown[] = [];
      if (education.unknown) unknowns.push({ what: 'education', reason: education.unknown });
      if (!sku || identification.kind === 'needsReview') {
        const why = [tenant.unknownReason, ...lookups].filter((text): text is string => Boolean(text));
        if (why.length > 0) unknowns.push({ what: 'sku', reason: why.join('; ') });
      }
      if (held?.unknown) unknowns.push({ what: 'users', reason: held.unknown });
      const row: ExpiringSubscription = {
        ...this.subscriptionFields(customer, subscription, input),
        education: education.value,
        ...(education.inReview ? { educationInReview: true as const } : {}),
        skuId: sku?.skuId ?? '',
        usersOnKaizala: held?.count ?? 0,
        consumedUnits: sku?.consumedUnits ?? 0,
        usersSource: tenant.source === 'graph' && !held?.unknown ? 'graphUsers' : 'consumedUnits',
        identifiedAt: scannedAt,
      };
      if (identification.kind === 'needsReview') row.review = identification.review;
      if (unknowns.length > 0) row.unknowns = unknowns;
      return row;
    });
    return failure ? { kind: 'scanned', rows, reused: false, warnings, failure } : { kind: 'scanned', rows, reused: false, warnings };
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
      discoveryTestMet: meetsDiscoveryTest(subscription, commitmentEndDate),
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
   * and identified recently with nothing unknown. Saves the provisioning, offer, qualification and user reads.
   */
  private reuse(candidates: Subscription[], tenant: TenantSkus, input: CustomerScanInput): ExpiringSubscription[] | undefined {
    const previous = new Map(input.previousRows.map((row) => [row.subscriptionId.toLowerCase(), row]));
    if (previous.size !== candidates.length || tenant.source === 'none') return undefined;
    const usersSource = tenant.source === 'graph' ? 'graphUsers' : 'consumedUnits';
    const rows: ExpiringSubscription[] = [];
    for (const subscription of candidates) {
      const row = previous.get(subscription.id.toLowerCase());
      if (!row || row.review || row.unknowns || row.usersSource !== usersSource || row.identifiedAt === undefined) return undefined;
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

  /**
   * Graph first (it links SKUs to subscriptions); Partner Center's copy when Graph fails (e.g. no consent); when both
   * fail, no SKUs and the reason, so the rows are still reported with their SKU unknown.
   */
  private async readTenantSkus(customer: Customer, warnings: string[]): Promise<TenantSkus> {
    let graphError: unknown;
    try {
      return { source: 'graph', skus: (await this.deps.graph.listSubscribedSkus(tenantIdOf(customer))).map(tenantSkuFromGraph) };
    } catch (error) {
      if (!isServiceFailure(error)) throw error;
      graphError = error;
    }
    try {
      const skus = (await this.deps.partnerCenter.listSubscribedSkus(customer.id)).map(tenantSkuFromPartnerCenter);
      warnings.push(`Graph ${isAuthFailure(graphError) ? 'refused access' : 'failed'} (${describeFailure(graphError)}): SKUs read from Partner Center, users counted from consumed seats`);
      return { source: 'partnerCenter', skus };
    } catch (partnerCenterError) {
      if (!isServiceFailure(partnerCenterError)) throw partnerCenterError;
      const unknownReason = `subscribed SKUs unknown: ${describeFailure(graphError)}; ${describeFailure(partnerCenterError)}`;
      warnings.push(unknownReason);
      return { source: 'none', skus: [], unknownReason, refused: isAuthFailure(graphError) && isAuthFailure(partnerCenterError) };
    }
  }

  /** Failed (refused, or e.g. 404 for an app-only call in live mode) → undefined, with a warning and the reason kept. */
  private async provisioningSkuId(customer: Customer, subscription: Subscription, warnings: string[], lookups: string[]): Promise<string | undefined> {
    try {
      const status = await this.deps.partnerCenter.getSubscriptionProvisioningStatus(customer.id, subscription.id);
      return status.skuId ? status.skuId.toLowerCase() : undefined;
    } catch (error) {
      if (!isServiceFailure(error)) throw error;
      const reason = `provisioning status of ${subscription.id} unknown: ${describeFailure(error)}`;
      warnings.push(reason);
      lookups.push(reason);
      return undefined;
    }
  }

  /** `product.id` of a legacy offer is the Entra SKU id it provisions (get-an-offer-by-id); NCE offer ids have no offer resource. */
  private async offerProductId(customer: Customer, subscription: Subscription, warnings: string[], lookups: string[]): Promise<string | undefined> {
    if (!isLegacyOfferId(subscription.offerId)) return undefined;
    try {
      const offer = await this.deps.partnerCenter.getOffer(subscription.offerId, countryOf(customer) ?? this.deps.country ?? 'US');
      return offer.product?.id ? offer.product.id.toLowerCase() : undefined;
    } catch (error) {
      if (!isServiceFailure(error)) throw error;
      const reason = `offer ${subscription.offerId} unknown: ${describeFailure(error)}`;
      warnings.push(reason);
      lookups.push(reason);
      return undefined;
    }
  }

  /**
   * Education `Approved` opens the A plans. When the qualifications cannot be read (403, or a 404 on a customer that
   * has none), eligibility is unknown: the last known answer stands (else no), and the row says so.
   */
  private async readEducation(
    customer: Customer,
    previousRows: readonly ExpiringSubscription[],
    warnings: string[],
  ): Promise<{ value: boolean; inReview?: true; unknown?: string }> {
    try {
      const qualifications = await this.deps.partnerCenter.getQualifications(customer.id);
      const education = qualifications.filter((q) => q.qualification.toLowerCase() === 'education');
      const value = education.some((q) => q.vettingStatus === 'Approved');
      return { value, ...(!value && education.some((q) => q.vettingStatus === 'InReview') ? { inReview: true as const } : {}) };
    } catch (error) {
      if (!isServiceFailure(error)) throw error;
      const known = previousRows.find((row) => row.unknowns?.every((unknown) => unknown.what !== 'education') ?? true);
      const value = known?.education ?? false;
      const reason = `qualifications unknown: ${describeFailure(error)}; education plans ${value ? 'offered as the last scan found them' : 'not offered'}`;
      warnings.push(reason);
      return { value, unknown: reason };
    }
  }

  /** Each assigned user consumes one seat, so consumed seats stand in for the user list when Graph cannot list them. */
  private async usersHolding(
    customer: Customer,
    sku: TenantSku,
    source: TenantSkus['source'],
    warnings: string[],
  ): Promise<{ count: number; unknown?: string }> {
    if (source !== 'graph') return { count: sku.consumedUnits };
    try {
      return { count: (await this.deps.graph.listUsers(tenantIdOf(customer), { skuId: sku.skuId, select: ['id'] })).length };
    } catch (error) {
      if (!isServiceFailure(error)) throw error;
      const reason = `users holding ${sku.skuPartNumber} unknown (${describeFailure(error)}): counted from consumed seats`;
      warnings.push(reason);
      return { count: sku.consumedUnits, unknown: reason };
    }
  }
}

/** The customer's market for offer lookups, from its billing address when Partner Center gives one. */
function countryOf(customer: Customer): string | undefined {
  const address = (customer.billingProfile as { defaultAddress?: { country?: unknown } } | undefined)?.defaultAddress;
  return typeof address?.country === 'string' && address.country !== '' ? address.country : undefined;
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
