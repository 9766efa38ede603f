import { Person } from './people';

export type RequestStatus = 'pending' | 'approved' | 'rejected' | 'withdrawn' | 'expired';

/** The replacement plan chosen in the wizard (see services/catalog for the list). */
export interface ChosenPlan {
  /** Our stable plan id, e.g. `O365_E1` (the Entra skuPartNumber). */
  planId: string;
  title: string;
  /** Entra SKU id of the plan to buy and assign. */
  skuId: string;
  family: 'business' | 'frontline' | 'enterprise' | 'education';
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
