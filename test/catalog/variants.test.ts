import {
  customerFacts,
  estimatedLines,
  findPlan,
  planFor,
  planLines,
  PLANS,
  recommendPlans,
  toChosenPlan,
  type CustomerFacts,
  type KaizalaUser,
  type PlanDefinition,
} from '../../services/catalog';
import { toKaizalaUser } from '../../services/catalog/tenantDirectory';
import { chooseTerm } from '../../services/migration/catalogResolver';
import { SKUS } from '../../sandbox/catalog';

const E1 = '18181a46-0d4e-45cd-891e-60aabd171b4e';
const E1_NO_TEAMS = 'f8ced641-8e17-4dc5-b014-f5a2d53f6ac8';
const E1_EEA = 'b57282e3-65bd-4252-9502-c0eae1e5ab7f';
const M365_E5 = '06ebc4ee-1bb5-47dd-8120-11324bc54e06';
const TEAMS_ENTERPRISE = '7e31c0d9-9551-471d-836f-32ee72be4a01';
const TEAMS_EEA = '7e74bd05-2c47-404e-829a-ba95c66fe8e5';

function facts(overrides: Partial<CustomerFacts>): CustomerFacts {
  return { education: false, kaizalaUsers: 350, frontlineUsers: 0, studentUsers: 0, seatsBySku: {}, ...overrides };
}

function users(count: number, withTeams = 0): KaizalaUser[] {
  return Array.from({ length: count }, (_, index) => ({
    id: `u${index}`,
    displayName: `User ${index}`,
    userPrincipalName: `u${index}@example.test`,
    kind: 'any' as const,
    ...(index < withTeams ? { hasTeams: true } : {}),
  }));
}

const sold = (planId: string, customer: CustomerFacts) => planFor(planId, customer) as PlanDefinition;

describe('suites as SKU families: the variant follows the market and what the tenant holds', () => {
  it.each([
    ['Germany', 'DE', 'eeaNoTeams', E1_EEA, TEAMS_EEA, 'eeaMarket'],
    ['Switzerland (with the EEA since 2023-10-01)', 'CH', 'eeaNoTeams', E1_EEA, TEAMS_EEA, 'eeaMarket'],
    ['the United States (new Enterprise customers since 2024-04-01)', 'US', 'noTeams', E1_NO_TEAMS, TEAMS_ENTERPRISE, 'newEnterpriseCustomer'],
    ['an unknown market (read as outside the EEA)', undefined, 'noTeams', E1_NO_TEAMS, TEAMS_ENTERPRISE, 'newEnterpriseCustomer'],
  ])('a new enterprise customer in %s gets the suite without Teams and a Teams standalone', (_name, market, variant, suiteSku, teamsSku, why) => {
    const [recommended] = recommendPlans(facts({ market }));
    expect(recommended.plan.planId).toBe('o365-e1');
    expect(recommended.plan.variant).toBe(variant);
    expect(recommended.plan.skus.map((sku) => sku.skuId)).toEqual([suiteSku]);
    expect(recommended.plan.teams?.skuId).toBe(teamsSku);
    expect(recommended.plan.variantReason?.code).toBe(why);
    expect(recommended.reason?.code).toBe('overBusinessCap');
  });

  it('names the variant and the Teams standalone in the plan title the card and the request show', () => {
    const plan = sold('o365-e1', facts({ market: 'NL' }));
    expect(plan.title).toBe('Office 365 E1 EEA (no Teams) + Microsoft Teams EEA');
    expect(toChosenPlan(plan)).toEqual({ planId: 'o365-e1', title: plan.title, skuId: E1_EEA, family: 'enterprise' });
    expect(plan.variantReason).toEqual({ code: 'eeaMarket', market: 'NL', teams: 'Microsoft Teams EEA', usersWithTeams: 0 });
  });

  it('keeps the suite with Teams for a tenant that already holds an enterprise suite with Teams, in the EEA too', () => {
    for (const market of ['US', 'DE']) {
      const plan = sold('o365-e1', facts({ market, seatsBySku: { [M365_E5]: 50 } }));
      expect(plan.variant).toBe('withTeams');
      expect(plan.skus[0].skuId).toBe(E1);
      expect(plan.teams).toBeUndefined();
      expect(plan.variantReason).toEqual({ code: 'existingTeamsSuite', suite: 'Microsoft 365 E5' });
    }
  });

  it('buys no Teams line when every user who moves already holds Teams Enterprise', () => {
    const everyone = users(320, 320);
    const customer = customerFacts(false, everyone, {}, 'us');
    expect(customer).toMatchObject({ market: 'US', usersWithTeams: 320 });
    const plan = sold('o365-e1', customer);
    expect(plan.teams).toBeUndefined();
    expect(plan.title).toBe('Office 365 E1 (no Teams)');
    expect(plan.variantReason).toMatchObject({ code: 'newEnterpriseCustomer', usersWithTeams: 320 });
    expect(planLines(plan, everyone, 325).map((line) => [line.sku.skuId, line.quantity])).toEqual([[E1_NO_TEAMS, 325]]);
  });

  it('puts the Teams standalone in the same purchase: users without Teams plus the spare seats', () => {
    const moving = users(310, 10);
    const plan = sold('o365-e1', customerFacts(false, moving, {}, 'DE'));
    const lines = planLines(plan, moving, 315);
    expect(lines.map((line) => [line.sku.skuId, line.quantity, line.userIds.length])).toEqual([
      [E1_EEA, 315, 310],
      [TEAMS_EEA, 305, 300],
    ]);
    expect(lines[1].userIds).not.toContain('u0');
    expect(estimatedLines(plan, 315, 0).map((line) => [line.sku.skuId, line.quantity])).toEqual([
      [E1_EEA, 315],
      [TEAMS_EEA, 305],
    ]);
  });

  it('sells Business, Frontline and education plans with Teams everywhere, and no Teams line with them', () => {
    for (const planId of ['business-basic', 'o365-f3', 'o365-a1']) {
      const plan = sold(planId, facts({ market: 'DE', education: true }));
      expect(plan.variant).toBe('withTeams');
      expect(plan.teams).toBeUndefined();
      expect(plan.skus).toEqual(findPlan(planId)?.skus);
    }
  });

  it('offers the E5 suites outside the EEA only to existing subscribers (their "(no Teams)" ids are unverified)', () => {
    expect(planFor('m365-e5', facts({ market: 'US' }))).toBeUndefined();
    expect(planFor('o365-e5', facts({ market: 'US' }))).toBeUndefined();
    expect(sold('m365-e5', facts({ market: 'AT' })).skus[0].skuPartNumber).toBe('O365_w/o_Teams_Bundle_M5');
    expect(sold('m365-e5', facts({ market: 'US', seatsBySku: { [M365_E5]: 1 } })).skus[0].skuId).toBe(M365_E5);
  });
});

describe('Microsoft 365 A1: no mail or Teams', () => {
  it('is offered to education customers flagged "no mail or Teams" and is never the recommendation', () => {
    const a1 = PLANS.find((plan) => plan.planId === 'm365-a1');
    expect(a1?.noMailOrTeams).toBe(true);
    const options = recommendPlans(facts({ education: true, kaizalaUsers: 40 }));
    const m365a1 = options.find((option) => option.plan.planId === 'm365-a1');
    expect(m365a1).toMatchObject({ recommended: false, reason: undefined });
    expect(m365a1?.plan.variantReason).toEqual({ code: 'noMailOrTeams' });
    expect(options.filter((option) => option.recommended).map((option) => option.plan.planId)).toEqual(['o365-a1']);
  });

  it('carries no mailbox, Teams or Kaizala plan in the sandbox catalog either', () => {
    const a1 = SKUS.find((sku) => sku.skuPartNumber === 'M365EDU_A1');
    const names = a1?.servicePlans.map((plan) => plan.name) ?? [];
    expect(names).toEqual(['AAD_EDU', 'INTUNE_EDU', 'INTUNE_A', 'WINDOWS_STORE']);
  });
});

describe('plan facts as Microsoft publishes them', () => {
  const kaizalaPlanOf = (partNumber: string) => SKUS.find((sku) => sku.skuPartNumber === partNumber)?.servicePlans.map((plan) => plan.name).filter((name) => name.startsWith('KAIZALA'));

  it('has KAIZALA_O365_P2 in Business Standard, Business Premium, Office 365 E1 and Office 365 A1, not in Business Basic or Microsoft 365 A1', () => {
    for (const partNumber of ['O365_BUSINESS_PREMIUM', 'SPB', 'STANDARDPACK', 'STANDARDWOFFPACK_FACULTY', 'STANDARDWOFFPACK_STUDENT', 'Office_365_w/o_Teams_Bundle_E1']) {
      expect([partNumber, kaizalaPlanOf(partNumber)]).toEqual([partNumber, ['KAIZALA_O365_P2']]);
    }
    expect(kaizalaPlanOf('O365_BUSINESS_ESSENTIALS')).toEqual([]);
    expect(kaizalaPlanOf('M365EDU_A1')).toEqual([]);
  });

  it('gives the suites without Teams no Teams plan and the Teams standalones one', () => {
    const teamsIn = (skuId: string) => SKUS.find((sku) => sku.skuId === skuId)?.servicePlans.some((plan) => plan.name === 'TEAMS1');
    expect(teamsIn(E1_EEA)).toBe(false);
    expect(teamsIn(E1_NO_TEAMS)).toBe(false);
    expect(teamsIn(TEAMS_EEA)).toBe(true);
    expect(teamsIn(TEAMS_ENTERPRISE)).toBe(true);
  });

  it('knows a user holding a Teams standalone from their Graph licenses', () => {
    expect(toKaizalaUser({ id: 'a', assignedLicenses: [{ skuId: TEAMS_ENTERPRISE.toUpperCase(), disabledPlans: [] }] }, false).hasTeams).toBe(true);
    expect(toKaizalaUser({ id: 'b', assignedLicenses: [{ skuId: E1, disabledPlans: [] }] }, false).hasTeams).toBeUndefined();
  });
});

describe('cart terms come from the availability', () => {
  const term = (duration: string, billingCycle?: string) => ({ duration, ...(billingCycle ? { billingCycle } : {}) });

  it.each([
    ['prefers a one-year term billed monthly', [term('P1M', 'monthly'), term('P1Y', 'annual'), term('P1Y', 'monthly')], { termDuration: 'P1Y', billingCycle: 'monthly' }],
    ['takes annual billing when the one-year term has only that', [term('P1M', 'monthly'), term('P1Y', 'Annual')], { termDuration: 'P1Y', billingCycle: 'annual' }],
    ['takes a monthly term when that is all there is', [term('P1M', 'monthly')], { termDuration: 'P1M', billingCycle: 'monthly' }],
    ['takes a three-year term when that is all there is', [term('P3Y', 'annual')], { termDuration: 'P3Y', billingCycle: 'annual' }],
  ])('%s', (_case, terms, expected) => {
    expect(chooseTerm({ terms })).toEqual(expected);
  });

  it('offers nothing to buy from an availability without terms', () => {
    expect(chooseTerm({ terms: [] })).toBeUndefined();
    expect(chooseTerm({})).toBeUndefined();
  });
});
