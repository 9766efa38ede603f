import { skuById } from './catalog';
import type { SandboxDb } from './db';
import type { LedgerChange, LicenseAssignment, SubscriptionRecord, UserRecord } from './model';

/**
 * The one license store behind Partner Center and Graph: seats come from subscriptions, consumption from user
 * assignments, and both APIs render the same numbers (§4.4 invariants).
 */
export interface SkuUsage {
  skuId: string;
  /** seats of active, provisioned subscriptions: the only assignable ones. */
  enabled: number;
  suspended: number;
  /** seats of expired subscriptions still in their warning period. */
  warning: number;
  lockedOut: number;
  /** users holding the SKU, directly or through a group. */
  consumed: number;
  subscriptionIds: string[];
}

export function capabilityStatusOf(usage: SkuUsage): 'Enabled' | 'Warning' | 'Suspended' | 'LockedOut' | 'Deleted' {
  if (usage.enabled > 0) return 'Enabled';
  if (usage.warning > 0) return 'Warning';
  if (usage.suspended > 0) return 'Suspended';
  if (usage.lockedOut > 0) return 'LockedOut';
  return 'Deleted';
}

/** Whether a subscription's seats exist in the tenant at `nowMs`. */
export function seatsProvisioned(subscription: SubscriptionRecord, nowMs: number): boolean {
  return subscription.status !== 'deleted' && Date.parse(subscription.provisionedAt) <= nowMs;
}

export function tenantSkuUsage(db: SandboxDb, customerId: string, nowMs: number): SkuUsage[] {
  const usage = new Map<string, SkuUsage>();
  const entry = (skuId: string): SkuUsage => {
    let found = usage.get(skuId);
    if (!found) {
      found = { skuId, enabled: 0, suspended: 0, warning: 0, lockedOut: 0, consumed: 0, subscriptionIds: [] };
      usage.set(skuId, found);
    }
    return found;
  };
  for (const subscription of db.subscriptionsOf(customerId)) {
    if (!seatsProvisioned(subscription, nowMs)) continue;
    const sku = entry(subscription.skuId);
    sku.subscriptionIds.push(subscription.id);
    if (subscription.status === 'active') sku.enabled += subscription.quantity;
    else if (subscription.status === 'suspended') sku.suspended += subscription.quantity;
    else if (subscription.status === 'expired') sku.warning += subscription.quantity;
    else if (subscription.status === 'disabled') sku.lockedOut += subscription.quantity;
  }
  const holders = new Map<string, Set<string>>();
  for (const assignment of db.licensesOfCustomer(customerId)) {
    const users = holders.get(assignment.skuId) ?? new Set<string>();
    users.add(assignment.userId);
    holders.set(assignment.skuId, users);
  }
  for (const [skuId, users] of holders) entry(skuId).consumed = users.size;
  return [...usage.values()].sort((a, b) => a.skuId.localeCompare(b.skuId));
}

export function skuUsageOf(db: SandboxDb, customerId: string, skuId: string, nowMs: number): SkuUsage | undefined {
  return tenantSkuUsage(db, customerId, nowMs).find((usage) => usage.skuId === skuId);
}

/** Distinct skuIds a user holds, directly or inherited, sorted. */
export function heldSkuIds(assignments: LicenseAssignment[]): string[] {
  return [...new Set(assignments.map((assignment) => assignment.skuId))].sort();
}

export type LicenseProblem =
  | { kind: 'noSeats'; skuId: string }
  | { kind: 'unknownSku'; skuId: string }
  | { kind: 'usageLocation' }
  | { kind: 'groupInherited'; skuId: string }
  | { kind: 'notHeld'; skuId: string }
  | { kind: 'conflict'; skuId: string }
  | { kind: 'mixedGroups' };

export class LicenseChangeError extends Error {
  constructor(readonly problem: LicenseProblem) {
    super(problem.kind);
  }
}

export interface LicenseChangeRequest {
  add: { skuId: string; disabledPlans: string[] }[];
  remove: string[];
  /** what to do with removals of licenses the user does not hold (Graph refuses, Partner Center ignores). */
  absentRemoval: 'refuse' | 'ignore';
  /** Partner Center handles one license group per request. */
  singleLicenseGroup: boolean;
  /** fault injection: apply only the additions or only the removals. */
  partial?: 'assignOnly' | 'removeOnly';
}

/**
 * Validates the whole request first (so a refused call changes nothing), then applies it (or the part a fault
 * allows) and returns the ledger change.
 */
export function changeUserLicenses(
  db: SandboxDb,
  customerId: string,
  user: UserRecord,
  request: LicenseChangeRequest,
  nowMs: number,
): LedgerChange {
  const current = db.licensesOfUser(user.customerId, user.id);
  const before = heldSkuIds(current);
  const addIds = request.add.map((item) => item.skuId.toLowerCase());
  const removeIds = request.remove.map((skuId) => skuId.toLowerCase());
  const conflict = addIds.find((skuId) => removeIds.includes(skuId));
  if (conflict) throw new LicenseChangeError({ kind: 'conflict', skuId: conflict });
  if (request.singleLicenseGroup) {
    const groups = new Set([...addIds, ...removeIds].map((skuId) => skuById(skuId)?.licenseGroupId ?? 'group1'));
    if (groups.size > 1) throw new LicenseChangeError({ kind: 'mixedGroups' });
  }
  const usage = tenantSkuUsage(db, customerId, nowMs);
  for (const skuId of addIds) {
    const sku = usage.find((entry) => entry.skuId === skuId);
    if (!sku || sku.subscriptionIds.length === 0) throw new LicenseChangeError({ kind: 'unknownSku', skuId });
    if (!user.usageLocation) throw new LicenseChangeError({ kind: 'usageLocation' });
    const alreadyHeld = current.some((assignment) => assignment.skuId === skuId);
    if (!alreadyHeld && sku.enabled - sku.consumed < 1) throw new LicenseChangeError({ kind: 'noSeats', skuId });
  }
  const effectiveRemovals: string[] = [];
  for (const skuId of removeIds) {
    const held = current.filter((assignment) => assignment.skuId === skuId);
    if (held.length === 0) {
      if (request.absentRemoval === 'refuse') throw new LicenseChangeError({ kind: 'notHeld', skuId });
      continue;
    }
    if (!held.some((assignment) => assignment.groupId === null)) {
      throw new LicenseChangeError({ kind: 'groupInherited', skuId });
    }
    effectiveRemovals.push(skuId);
  }

  const applyAdds = request.partial !== 'removeOnly';
  const applyRemovals = request.partial !== 'assignOnly';
  let next = current;
  if (applyRemovals) {
    next = next.filter((assignment) => !(assignment.groupId === null && effectiveRemovals.includes(assignment.skuId)));
  }
  if (applyAdds) {
    for (const item of request.add) {
      const skuId = item.skuId.toLowerCase();
      const direct = next.find((assignment) => assignment.skuId === skuId && assignment.groupId === null);
      if (direct) {
        next = next.map((assignment) => (assignment === direct ? { ...direct, disabledPlans: item.disabledPlans } : assignment));
      } else {
        next = [
          ...next,
          { userId: user.id, skuId, groupId: null, disabledPlans: item.disabledPlans, assignedAt: new Date(nowMs).toISOString() },
        ];
      }
    }
  }
  db.replaceLicenses(customerId, user.id, next);
  return {
    kind: 'userLicenses',
    userId: user.id,
    userPrincipalName: user.userPrincipalName,
    before,
    after: heldSkuIds(next),
  };
}

/** Drops every direct and inherited assignment of a SKU (its last subscription was deleted). */
export function revokeSku(db: SandboxDb, customerId: string, skuId: string): LedgerChange[] {
  const changes: LedgerChange[] = [];
  const byUser = new Map<string, LicenseAssignment[]>();
  for (const assignment of db.licensesOfCustomer(customerId)) {
    const list = byUser.get(assignment.userId) ?? [];
    list.push(assignment);
    byUser.set(assignment.userId, list);
  }
  for (const [userId, assignments] of byUser) {
    if (!assignments.some((assignment) => assignment.skuId === skuId)) continue;
    const next = assignments.filter((assignment) => assignment.skuId !== skuId);
    db.replaceLicenses(customerId, userId, next);
    const user = db.user(customerId, userId);
    changes.push({
      kind: 'userLicenses',
      userId,
      userPrincipalName: user?.userPrincipalName ?? userId,
      before: heldSkuIds(assignments),
      after: heldSkuIds(next),
    });
  }
  return changes;
}
