/** How close a standalone Kaizala Pro subscription is to its end date, most urgent first. */
export type Urgency = 'expired' | 'within7' | 'within30' | 'within60' | 'within90' | 'later';

/**
 * Why the scan could not confirm that a subscription named "Kaizala" is standalone Kaizala Pro (the signals of
 * partner-center.md §6 disagree or are missing): the SKU of the subscription is unknown, not in the tenant, carries no
 * Kaizala plan, carries Exchange/Office plans (a suite, not standalone Kaizala), or Partner Center and Graph name
 * different SKUs.
 */
export type KaizalaReviewReason = 'skuUnknown' | 'skuNotInTenant' | 'noKaizalaPlan' | 'bundledWithSuite' | 'signalsDisagree';

export interface KaizalaReview {
  reason: KaizalaReviewReason;
  /** What the scan saw, for the person who checks (SKU part numbers, ids). */
  detail: string;
}

/**
 * One standalone Kaizala Pro subscription as the last scan saw it (table `subscriptionsSeen`,
 * key `<customerId>/<subscriptionId>`). Everything the report, the alerts and the wizard need to show.
 */
export interface ExpiringSubscription {
  customerId: string;
  customerName: string;
  customerDomain: string;
  /** The customer's Entra tenant (same as customerId in Partner Center). */
  tenantId: string;
  /** Education-qualified (`Approved`) customers may move to A plans. */
  education: boolean;
  /** The education qualification is `InReview`: A plans appear once Microsoft approves it (the wizard says so). */
  educationInReview?: true;
  subscriptionId: string;
  offerName: string;
  /** The Entra SKU id of this Kaizala Pro subscription (from provisioning status / subscribed SKUs). */
  skuId: string;
  quantity: number;
  /** Users currently assigned the Kaizala Pro SKU. */
  usersOnKaizala: number;
  /** Seats of the Kaizala Pro SKU in use (subscribed SKUs' consumedUnits). */
  consumedUnits: number;
  status: string;
  autoRenewEnabled: boolean;
  /** ISO date-time, UTC; the term ends at the end of that UTC day. */
  commitmentEndDate: string;
  /** Whole days from today (in PARTNER_TIMEZONE) to the end date; negative once expired. */
  daysLeft: number;
  urgency: Urgency;
  /** A migration request exists for this subscription (any state but rejected/withdrawn/expired). */
  migrating: boolean;
  /** ISO time of the scan that produced this row. */
  scannedAt: string;
  /**
   * Set when the scan could not confirm this is standalone Kaizala Pro: the row is reported for a person to check
   * and must not be treated as confirmed Kaizala Pro (no migration offer; `skuId` may be empty).
   */
  review?: KaizalaReview;
  /** Where `usersOnKaizala` comes from: Graph users holding the SKU, or the SKU's consumed seats when Graph is refused. */
  usersSource?: 'graphUsers' | 'consumedUnits';
  /** ISO time the SKU and the user count were last read in full; later scans reuse them while nothing changed. */
  identifiedAt?: string;
  /**
   * What the scan could not read for this row and why (a secondary lookup failed: qualifications, provisioning
   * status, subscribed SKUs, offer, users). The row is reported all the same; absent when nothing is unknown.
   */
  unknowns?: ScanUnknown[];
  /**
   * Microsoft's discovery test for Kaizala Pro that will not renew: `autoRenewEnabled == false` plus an end date.
   * False when the subscription says it renews (reported, never hidden: Kaizala Pro cannot renew).
   */
  discoveryTestMet?: boolean;
}

/** One thing the scan could not learn about a row: which, and the service's answer in a line. */
export interface ScanUnknown {
  what: 'education' | 'sku' | 'offerProduct' | 'users';
  reason: string;
}

export function subscriptionKey(customerId: string, subscriptionId: string): string {
  return `${customerId}/${subscriptionId}`;
}
