import type { CustomerFacts } from './facts';
import { BUSINESS_SEAT_CAP, findPlan, PLANS, type PlanDefinition } from './plans';

/** Why a plan is recommended; the card words it in the reader's language. */
export type RecommendationReason =
  | { code: 'education' }
  | { code: 'frontline'; frontlineUsers: number; kaizalaUsers: number }
  | { code: 'businessFits'; kaizalaUsers: number; existingSeats: number; cap: number }
  | { code: 'overBusinessCap'; kaizalaUsers: number; existingSeats: number; cap: number };

export interface PlanOption {
  plan: PlanDefinition;
  recommended: boolean;
  /** Set on the recommended plan only. */
  reason?: RecommendationReason;
  /** Most seats this customer may buy of the plan now (Business: 300 minus the seats the tenant already holds). */
  maxSeats: number;
}

/** Seats of `plan` the tenant may still buy: pooled caps count what it already holds of each of the plan's SKUs. */
export function maxSeatsFor(plan: PlanDefinition, facts: CustomerFacts): number {
  if (!plan.capIsPooled) return plan.seatCap;
  return Math.max(0, plan.seatCap - seatsHeld(plan, facts));
}

/** Seats the tenant already holds of the plan (of its most-held SKU). */
export function seatsHeld(plan: PlanDefinition, facts: CustomerFacts): number {
  return Math.max(0, ...plan.skus.map((sku) => facts.seatsBySku[sku.skuId] ?? 0));
}

/**
 * Whether the plan may be offered: A plans only to education-qualified customers, and a Business plan only when
 * every Kaizala user fits under its cap next to the seats the tenant already holds.
 */
export function isEligible(plan: PlanDefinition, facts: CustomerFacts): boolean {
  if (plan.family === 'education' && !facts.education) return false;
  return maxSeatsFor(plan, facts) >= Math.max(1, facts.kaizalaUsers);
}

/**
 * The plans this customer may move to, recommended first, then in catalog order. The rule, in order:
 * education-qualified → Office 365 A1 (free, keeps faculty and student licenses); more than half of the Kaizala
 * users have a frontline job title → Office 365 F3 (the successor of the procedure's F1 example, with Kaizala
 * included); all of them fit into Business Basic's 300-seat cap next to the tenant's Business Basic seats →
 * Business Basic; otherwise Office 365 E1. Never an ineligible plan.
 */
export function recommendPlans(facts: CustomerFacts): PlanOption[] {
  const { planId, reason } = recommendation(facts);
  const options = PLANS.filter((plan) => isEligible(plan, facts)).map(
    (plan): PlanOption => ({
      plan,
      recommended: plan.planId === planId,
      reason: plan.planId === planId ? reason : undefined,
      maxSeats: maxSeatsFor(plan, facts),
    }),
  );
  return [...options.filter((o) => o.recommended), ...options.filter((o) => !o.recommended)];
}

function recommendation(facts: CustomerFacts): { planId: string; reason: RecommendationReason } {
  if (facts.education) return { planId: 'o365-a1', reason: { code: 'education' } };
  if (facts.kaizalaUsers > 0 && facts.frontlineUsers * 2 > facts.kaizalaUsers) {
    return { planId: 'o365-f3', reason: { code: 'frontline', frontlineUsers: facts.frontlineUsers, kaizalaUsers: facts.kaizalaUsers } };
  }
  const businessBasic = findPlan('business-basic') as PlanDefinition;
  const seats = { kaizalaUsers: facts.kaizalaUsers, existingSeats: seatsHeld(businessBasic, facts), cap: BUSINESS_SEAT_CAP };
  if (isEligible(businessBasic, facts)) return { planId: 'business-basic', reason: { code: 'businessFits', ...seats } };
  return { planId: 'o365-e1', reason: { code: 'overBusinessCap', ...seats } };
}
