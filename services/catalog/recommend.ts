import type { CustomerFacts } from './facts';
import {
  BUSINESS_SEAT_CAP,
  ENTERPRISE_SUITES_WITH_TEAMS,
  findPlan,
  isEeaMarket,
  PLANS,
  TEAMS_EEA,
  TEAMS_ENTERPRISE,
  type PlanDefinition,
} from './plans';

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
 * The plan as this customer can buy it: the member of its SKU family that Microsoft sells them, with the Teams
 * standalone that goes in the same cart when that member has no Teams; undefined when no member is sold to them.
 * The rule (eea-teams-licensing): an enterprise suite is bought without Teams by a new enterprise customer, in the
 * EEA and Switzerland (EEA variant, since 2023-10-01) and everywhere else (since 2024-04-01); a tenant that already
 * holds an enterprise suite with Teams subscribed before that and keeps the variant with Teams. Business, Frontline
 * and education plans are sold with Teams. Users who already hold a Teams standalone need no Teams seat; when all
 * of them do, no Teams line is bought.
 */
export function planFor(planId: string, facts: CustomerFacts): PlanDefinition | undefined {
  const plan = findPlan(planId);
  return plan && asSoldTo(plan, facts);
}

function asSoldTo(plan: PlanDefinition, facts: CustomerFacts): PlanDefinition | undefined {
  if (!plan.withoutTeams) {
    return { ...plan, variant: 'withTeams', variantReason: { code: plan.noMailOrTeams ? 'noMailOrTeams' : 'includesTeams' } };
  }
  const heldSuite = heldTeamsSuite(facts);
  if (heldSuite) return { ...plan, variant: 'withTeams', variantReason: { code: 'existingTeamsSuite', suite: heldSuite } };
  const eea = isEeaMarket(facts.market);
  const suite = eea ? plan.withoutTeams.eeaNoTeams : plan.withoutTeams.noTeams;
  if (!suite) return undefined;
  const usersWithTeams = facts.usersWithTeams ?? 0;
  const teams = facts.kaizalaUsers > 0 && usersWithTeams >= facts.kaizalaUsers ? undefined : eea ? TEAMS_EEA : TEAMS_ENTERPRISE;
  return {
    ...plan,
    title: teams ? `${suite.title} + ${teams.title}` : suite.title,
    skus: [suite],
    variant: eea ? 'eeaNoTeams' : 'noTeams',
    teams,
    usersWithTeams,
    variantReason: { code: eea ? 'eeaMarket' : 'newEnterpriseCustomer', market: facts.market, teams: teams?.title, usersWithTeams },
  };
}

/** The title of an enterprise suite with Teams the tenant holds seats of, if any. */
function heldTeamsSuite(facts: CustomerFacts): string | undefined {
  for (const [skuId, title] of ENTERPRISE_SUITES_WITH_TEAMS) if ((facts.seatsBySku[skuId] ?? 0) > 0) return title;
  return undefined;
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
 * The plans this customer may move to, each as `planFor` sells it to them, recommended first, then in catalog
 * order. The rule, in order: education-qualified → Office 365 A1 (free, keeps faculty and student licenses); more
 * than half of the Kaizala users have a frontline job title → Office 365 F3 (the successor of the procedure's F1
 * example, with Kaizala included); all of them fit into Business Basic's 300-seat cap next to the tenant's
 * Business Basic seats → Business Basic; otherwise Office 365 E1 in the variant the customer's market and tenant
 * call for. Never an ineligible plan, and never Microsoft 365 A1 (no mailbox, Teams or Kaizala plan).
 */
export function recommendPlans(facts: CustomerFacts): PlanOption[] {
  const { planId, reason } = recommendation(facts);
  const sold = PLANS.map((plan) => asSoldTo(plan, facts)).filter((plan): plan is PlanDefinition => plan !== undefined);
  const options = sold.filter((plan) => isEligible(plan, facts)).map(
    (plan): PlanOption => ({
      plan,
      recommended: plan.planId === planId && !plan.noMailOrTeams,
      reason: plan.planId === planId && !plan.noMailOrTeams ? reason : undefined,
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
