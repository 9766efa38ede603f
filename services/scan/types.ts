import type { Urgency } from '../domain/expiring';
import type { GraphClient } from '../graph/graphClient';
import type { PartnerCenterClient } from '../partnerCenter/partnerCenterClient';

/** The Partner Center calls the scan makes (the real client satisfies it; tests may count calls through it). */
export type ScanPartnerCenter = Pick<
  PartnerCenterClient,
  'listAllCustomers' | 'listSubscriptions' | 'getSubscriptionProvisioningStatus' | 'listSubscribedSkus' | 'getQualifications' | 'getOffer'
>;

/** The Graph calls the scan makes. */
export type ScanGraph = Pick<GraphClient, 'listSubscribedSkus' | 'listUsers'>;

/** A customer the scan could not read. `authorization` failures are never retried: a person must grant access. */
export interface ScanFailure {
  customerId: string;
  customerName: string;
  kind: 'authorization' | 'error';
  reason: string;
}

/** A customer read only in part (e.g. Graph refused, so users were counted from consumed seats). */
export interface ScanWarning {
  customerId: string;
  customerName: string;
  message: string;
}

export interface ScanSummary {
  scanId: string;
  /** When this scan began (earlier than this process's start when it resumed an interrupted scan). */
  startedAt: string;
  finishedAt: string;
  /** Time spent by this process. */
  durationMs: number;
  /** True when it continued an interrupted scan from its cursor. */
  resumed: boolean;
  timeZone: string;
  customersTotal: number;
  /** Customers read successfully (including those whose unchanged details were reused). */
  customersScanned: number;
  /** Customers whose Kaizala subscriptions and consumed seats were unchanged, so their SKU and users were not read again. */
  customersReused: number;
  customersFailed: number;
  /**
   * Kaizala subscriptions in the report, including those that need review: the whole report, so rows kept from earlier
   * scans of customers this scan could not read count too (as do the figures below).
   */
  subscriptionsFound: number;
  /** Of `subscriptionsFound`, rows this scan did not read: kept from earlier scans of customers it could not read. */
  subscriptionsKept: number;
  needsReview: number;
  /** Subscriptions reported with something unknown (a secondary lookup failed; each row says what and why). */
  partial: number;
  /** Subscriptions that fail Microsoft's discovery test (they say autoRenewEnabled true); reported all the same. */
  discoveryTestFailed: number;
  /** Urgency as of the end of the scan. */
  byUrgency: Record<Urgency, number>;
  /** Expired or ending within 7 days. */
  urgent: number;
  /** At most MAX_LISTED entries; `customersFailed` has the full count. */
  failures: ScanFailure[];
  /** At most MAX_LISTED entries. */
  warnings: ScanWarning[];
}

/** Progress of a running scan, reported after each customer. */
export interface ScanProgress {
  scanId: string;
  customersDone: number;
  customersTotal: number;
}

/** Failures and warnings kept per scan; beyond this only the counts grow (the cursor must stay small). */
export const MAX_LISTED = 100;

export function emptyUrgencyCounts(): Record<Urgency, number> {
  return { expired: 0, within7: 0, within30: 0, within60: 0, within90: 0, later: 0 };
}
