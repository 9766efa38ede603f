import {
  BUSINESS_SEAT_CAP,
  customerFacts,
  educationKindOf,
  estimatedLines,
  findPlan,
  isEligible,
  isFrontlineJobTitle,
  planLines,
  PLANS,
  recommendPlans,
  seatLimits,
  type CustomerFacts,
  type PlanDefinition,
} from '../../services/catalog';
import { toKaizalaUser } from '../../services/catalog/tenantDirectory';
import { BUSINESS_BASIC_SKU, makeUsers } from './support';

const BUSINESS_STANDARD_SKU = 'f245ecc8-75af-4f8e-b61f-27d8114de5f3';
const A1_STUDENT_SKU = '314c4481-f395-4525-be8b-2ec4bb1e9d91';

function facts(overrides: Partial<CustomerFacts>): CustomerFacts {
  return { education: false, kaizalaUsers: 40, frontlineUsers: 0, studentUsers: 0, seatsBySku: {}, ...overrides };
}

const plan = (planId: string) => findPlan(planId) as PlanDefinition;

describe('recommendPlans: the recommendation table', () => {
  it.each([
    ['education-qualified', facts({ education: true, kaizalaUsers: 150 }), 'o365-a1', 'education'],
    ['education-qualified, even if mostly frontline', facts({ education: true, frontlineUsers: 30 }), 'o365-a1', 'education'],
    ['more than half frontline', facts({ kaizalaUsers: 40, frontlineUsers: 21 }), 'o365-f3', 'frontline'],
    ['exactly half frontline is not mostly', facts({ kaizalaUsers: 40, frontlineUsers: 20 }), 'business-basic', 'businessFits'],
    ['small commercial', facts({ kaizalaUsers: 40 }), 'business-basic', 'businessFits'],
    ['300 seats with the existing Business Basic seats', facts({ kaizalaUsers: 250, seatsBySku: { [BUSINESS_BASIC_SKU]: 50 } }), 'business-basic', 'businessFits'],
    ['301 seats with the existing Business Basic seats', facts({ kaizalaUsers: 251, seatsBySku: { [BUSINESS_BASIC_SKU]: 50 } }), 'o365-e1', 'overBusinessCap'],
    ['more than 300 users', facts({ kaizalaUsers: 390 }), 'o365-e1', 'overBusinessCap'],
    ['nobody on Kaizala any more', facts({ kaizalaUsers: 0 }), 'business-basic', 'businessFits'],
  ])('%s → %s', (_case, customer, planId, reason) => {
    const [first, ...rest] = recommendPlans(customer);
    expect(first.plan.planId).toBe(planId);
    expect(first.recommended).toBe(true);
    expect(first.reason?.code).toBe(reason);
    expect(rest.every((option) => !option.recommended && option.reason === undefined)).toBe(true);
  });

  it('states the numbers behind a Business recommendation', () => {
    expect(recommendPlans(facts({ kaizalaUsers: 251, seatsBySku: { [BUSINESS_BASIC_SKU]: 50 } }))[0].reason).toEqual({
      code: 'overBusinessCap',
      kaizalaUsers: 251,
      existingSeats: 50,
      cap: BUSINESS_SEAT_CAP,
    });
  });

  it('never offers an A plan to a customer that is not education-qualified', () => {
    const offered = recommendPlans(facts({ education: false })).map((o) => o.plan.family);
    expect(offered).not.toContain('education');
    expect(recommendPlans(facts({ education: true })).filter((o) => o.plan.family === 'education')).toHaveLength(6);
  });

  it('never offers a Business plan the customer cannot fit, and counts each SKU against its own cap', () => {
    const options = recommendPlans(facts({ kaizalaUsers: 55, seatsBySku: { [BUSINESS_BASIC_SKU]: 250 } }));
    const ids = options.map((o) => o.plan.planId);
    expect(ids).not.toContain('business-basic');
    expect(ids).toContain('business-standard');
    expect(options.find((o) => o.plan.planId === 'business-standard')?.maxSeats).toBe(300);
    expect(isEligible(plan('business-basic'), facts({ kaizalaUsers: 50, seatsBySku: { [BUSINESS_BASIC_SKU]: 250 } }))).toBe(true);
    expect(isEligible(plan('business-standard'), facts({ kaizalaUsers: 301 }))).toBe(false);
  });

  it('lists every eligible plan once, recommended first, the rest in catalog order', () => {
    const ids = recommendPlans(facts({ kaizalaUsers: 390, market: 'DE' })).map((o) => o.plan.planId);
    expect(ids).toEqual(['o365-e1', 'o365-f3', 'm365-f3', 'o365-e3', 'm365-e3', 'o365-e5', 'm365-e5']);
  });

  it('leaves out the E5 suites for a new enterprise customer outside the EEA (no verified "(no Teams)" SKU)', () => {
    const ids = recommendPlans(facts({ kaizalaUsers: 390, market: 'US' })).map((o) => o.plan.planId);
    expect(ids).toEqual(['o365-e1', 'o365-f3', 'm365-f3', 'o365-e3', 'm365-e3']);
  });
});

describe('the plan catalog', () => {
  it('carries the Entra skuIds of partner-center.md §6, one faculty and one student SKU per education plan but M365 A1', () => {
    const skus = Object.fromEntries(PLANS.flatMap((p) => p.skus.map((s) => [s.skuPartNumber, s.skuId])));
    expect(skus).toMatchObject({
      O365_BUSINESS_ESSENTIALS: '3b555118-da6a-4418-894f-7df1e2096870',
      SPB: 'cbdc14ab-d96c-4c30-b9f4-6ada7cdc1d46',
      DESKLESSPACK: '4b585984-651b-448a-9e53-3b10f069cf7f',
      SPE_F1: '66b55226-6b4f-492c-910c-a3b7a3c9d993',
      STANDARDPACK: '18181a46-0d4e-45cd-891e-60aabd171b4e',
      ENTERPRISEPREMIUM: 'c7df2760-2c81-4ef7-b578-5b5392b571df',
      M365EDU_A1: 'b17653a4-2443-4e8c-a550-18249dda78bb',
      ENTERPRISEPACKPLUS_STUDENT: '98b6e773-24d4-4c0d-a968-6e787a1f8204',
    });
    for (const p of PLANS.filter((p) => p.family === 'education' && p.planId !== 'm365-a1')) {
      expect(p.skus.map((s) => s.kind)).toEqual(['faculty', 'student']);
    }
  });

  it('uses plan ids that card data leaves untouched (no markdown characters)', () => {
    for (const p of PLANS) expect(p.planId).toMatch(/^[a-z0-9-]+$/);
  });
});

describe('seats and lines', () => {
  it('asks for at least one seat per user who moves, up to what the cap leaves', () => {
    expect(seatLimits(plan('business-basic'), facts({ seatsBySku: { [BUSINESS_BASIC_SKU]: 20 } }), 40)).toEqual({ min: 40, max: 280 });
    expect(seatLimits(plan('o365-e1'), facts({}), 0)).toEqual({ min: 1, max: 10_000 });
  });

  it('gives each education user the SKU of their kind and the spare seats to faculty', () => {
    const users = makeUsers('e', 5, (i) => ({ kind: i < 2 ? 'faculty' : 'student' }));
    const lines = planLines(plan('o365-a3'), users, 8);
    expect(lines.map((l) => [l.sku.skuPartNumber, l.quantity, l.userIds.length])).toEqual([
      ['ENTERPRISEPACKPLUS_FACULTY', 5, 2],
      ['ENTERPRISEPACKPLUS_STUDENT', 3, 3],
    ]);
  });

  it('buys one line for a commercial plan and for Microsoft 365 A1', () => {
    const users = makeUsers('f', 3, (i) => ({ kind: i === 0 ? 'student' : 'faculty' }));
    expect(planLines(plan('m365-a1'), users, 4).map((l) => [l.sku.skuPartNumber, l.quantity])).toEqual([['M365EDU_A1', 4]]);
    expect(planLines(plan('o365-e1'), makeUsers('f', 3), 3).map((l) => [l.sku.skuPartNumber, l.quantity, l.userIds.length])).toEqual([['STANDARDPACK', 3, 3]]);
  });

  it('estimates the student share before users are picked (for prices on the plan card)', () => {
    expect(estimatedLines(plan('o365-a1'), 10, 7).map((l) => [l.sku.kind, l.quantity])).toEqual([['faculty', 3], ['student', 7]]);
    expect(estimatedLines(plan('o365-e1'), 10, 7).map((l) => [l.sku.kind, l.quantity])).toEqual([['any', 10]]);
  });
});

describe('customer facts from Graph users', () => {
  it.each([
    ['Store Associate', true],
    ['Shift Lead', true],
    ['Warehouse Operator', true],
    ['Fahrer', true],
    ['Verkäuferin', true],
    ['Controller', false],
    ['Account Manager', false],
    [undefined, false],
  ])('job title %j is frontline: %s', (title, frontline) => {
    expect(isFrontlineJobTitle(title)).toBe(frontline);
  });

  it('tells an education user kind by their education license first, then their job title, else faculty', () => {
    expect(educationKindOf([A1_STUDENT_SKU], 'Teacher')).toBe('student');
    expect(educationKindOf([BUSINESS_STANDARD_SKU], 'Student')).toBe('student');
    expect(educationKindOf([], 'Schüler')).toBe('student');
    expect(educationKindOf([], 'Teacher')).toBe('faculty');
    expect(educationKindOf([], undefined)).toBe('faculty');
  });

  it('reads a Graph user into a Kaizala user, kind only at education customers', () => {
    const graphUser = { id: 'u1', userPrincipalName: 'ana@school.example', displayName: 'Ana', jobTitle: 'Student', assignedLicenses: [] };
    expect(toKaizalaUser(graphUser, true)).toMatchObject({ id: 'u1', displayName: 'Ana', kind: 'student' });
    expect(toKaizalaUser(graphUser, false).kind).toBe('any');
    expect(toKaizalaUser({ id: 'u2', jobTitle: '  ' }, false)).toEqual({ id: 'u2', displayName: 'u2', userPrincipalName: '', kind: 'any' });
  });

  it('counts frontline and student users', () => {
    const users = makeUsers('a', 4, (i) => ({ jobTitle: i < 3 ? 'Driver' : 'Student', kind: i === 3 ? 'student' : 'faculty' }));
    expect(customerFacts(true, users, {})).toMatchObject({ kaizalaUsers: 4, frontlineUsers: 3, studentUsers: 1 });
  });
});
