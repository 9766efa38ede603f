import { Person } from './people';

export type RequestStatus = 'pending' | 'approved' | 'rejected' | 'withdrawn' | 'expired';

/** The replacement plan chosen in the wizard (see services/catalog for the list). */
export interface ChosenPlan {
  /** Our stable plan id from services/catalog PLANS, e.g. `o365-e1` (lower case and dashes: card data keeps it intact). */
  planId: string;
  title: string;
  /** Entra SKU id of the plan to buy and assign. */
  skuId: string;
  family: 'business' | 'frontline' | 'enterprise' | 'education';
}

/**
 * One SKU to buy and the users who receive it. Education plans keep each user's faculty or student kind, so their
 * requests have one line per kind; every other request has exactly one line (plan.skuId × quantity, all users).
 */
export interface RequestLine {
  /** Entra skuId; the run resolves it to a catalog item (provisioningId). */
  skuId: string;
  skuPartNumber: string;
  title: string;
  quantity: number;
  /** Graph object ids of the users who get this SKU. */
  userIds: string[];
}

/**
 * A migration request (table `requests`, key = id). Created by the wizard, decided by an approver with
 * compare-and-set on `version`, executed by a migration run once approved. Never trusted from card data:
 * handlers reload it by id.
 */
export interface MigrationRequest {
  id: string;
  /** Increases on every change; cards carry it so a stale card cannot decide. */
  version: number;
  status: RequestStatus;
  customerId: string;
  customerName: string;
  tenantId: string;
  kaizalaSubscriptionId: string;
  kaizalaSkuId: string;
  /** ISO date-time (UTC) the Kaizala subscription ends; the run must finish before it. */
  commitmentEndDate: string;
  plan: ChosenPlan;
  /** Seats to buy (≥ users to move). */
  quantity: number;
  /** Graph object ids of the users whose license moves from Kaizala Pro to the plan. */
  userIds: string[];
  /**
   * What to buy, SKU by SKU: quantities add up to `quantity`, user ids to `userIds`. Written by the wizard for
   * every request; when absent, read it as one line of `plan.skuId` × `quantity` for `userIds`.
   */
  lines?: RequestLine[];
  /** The first users by name (at most 20), so cards can say whom the request moves without reading Graph. */
  usersPreview?: { displayName: string; userPrincipalName: string }[];
  /**
   * Kaizala Pro holders the request leaves behind (a partial migration), counted when it was made. Then the old
   * subscription is never suspended: it stays active for them until its end date. Absent = everyone moves.
   */
  usersLeftBehind?: number;
  /** Monthly cost of the purchase per the price list when the request was made; absent without a price. */
  monthlyCost?: { amount: number; currency: string };
  requester: Person;
  /** The locale the requester uses (for messages sent to them later). */
  requesterLocale: string;
  createdAt: string;
  /** Pending requests expire at this time (APPROVAL_TTL_DAYS). */
  expiresAt: string;
  decidedAt?: string;
  decidedBy?: Person;
  rejectReason?: string;
}
