import axios from 'axios';
import * as path from 'node:path';
import { startSandbox, type RunningSandbox } from '../../sandbox/server';
import { lazySandboxTokens, sandboxTenantAccess } from '../support/sandboxAuth';
import { BUSINESS_SEAT_CAP, customerFacts, estimatedLines, GraphTenantDirectory, PriceList, recommendPlans } from '../../services/catalog';
import { GraphClient } from '../../services/graph';
import { ApiHttp } from '../../services/http';
import { PartnerCenterClient } from '../../services/partnerCenter';
import { BUSINESS_BASIC_SKU, KAIZALA_SKU } from './support';


/** The wizard's reads against the sandbox over real HTTP: users with job titles, seats, and what they recommend. */
describe('GraphTenantDirectory against the sandbox', () => {
  let sandbox: RunningSandbox;
  let directory: GraphTenantDirectory;
  const tenants = new Map<string, string>();

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, seed: 'demo' });
    const tokens = lazySandboxTokens(sandbox);
    const http = new ApiHttp({ axios: axios.create() });
    const partnerCenter = new PartnerCenterClient({ http, baseUrl: sandbox.partnerCenterBaseUrl, getToken: tokens.partnerCenter, getUserToken: tokens.partnerCenterUser });
    directory = new GraphTenantDirectory(new GraphClient({ http, baseUrl: sandbox.graphBaseUrl, getToken: tokens.graph, access: sandboxTenantAccess(tokens) }));
    for (const customer of await partnerCenter.listAllCustomers()) tenants.set(customer.companyProfile.companyName ?? '', customer.id);
  });
  afterAll(async () => {
    await sandbox.close();
  });

  const factsOf = async (company: string, education = false) => {
    const tenantId = tenants.get(company);
    if (!tenantId) throw new Error(`no sandbox customer ${company}`);
    const users = await directory.kaizalaUsers(tenantId, KAIZALA_SKU, education);
    return { users, facts: customerFacts(education, users, await directory.seatsBySku(tenantId)) };
  };

  it('reads the Kaizala users of a frontline customer with their job titles, and recommends Office 365 F3', async () => {
    const { users, facts } = await factsOf('Fourth Coffee');
    expect(users.length).toBeGreaterThan(50);
    expect(users.every((u) => u.kind === 'any' && u.userPrincipalName.includes('@'))).toBe(true);
    expect(facts.frontlineUsers * 2).toBeGreaterThan(facts.kaizalaUsers);
    expect(recommendPlans(facts)[0].plan.planId).toBe('o365-f3');
  });

  it('tells faculty from students at an education customer and recommends A1', async () => {
    const { users, facts } = await factsOf('Graphic Design Institute', true);
    const kinds = new Set(users.map((u) => u.kind));
    expect(kinds).toEqual(new Set(['faculty', 'student']));
    expect(facts.studentUsers).toBeGreaterThan(0);
    expect(recommendPlans(facts)[0].plan.planId).toBe('o365-a1');
  });

  it('counts Business Basic seats bought through another partner against the cap', async () => {
    const { facts } = await factsOf('VanArsdel Ltd');
    expect(facts.seatsBySku[BUSINESS_BASIC_SKU]).toBe(250);
    const options = recommendPlans(facts);
    const businessBasic = options.find((o) => o.plan.planId === 'business-basic');
    expect(businessBasic?.maxSeats).toBe(BUSINESS_SEAT_CAP - 250);
    expect(options.find((o) => o.plan.planId === 'business-standard')?.maxSeats).toBe(BUSINESS_SEAT_CAP);
    // Every Kaizala user fits into what the pooled cap leaves only if there are at most 50 of them.
    expect(options[0].plan.planId).toBe(facts.kaizalaUsers <= 50 ? 'business-basic' : 'o365-e1');
    expect(options[0].reason).toMatchObject({ existingSeats: 250, kaizalaUsers: facts.kaizalaUsers });
  });

  it('recommends Business Basic to a small commercial customer and prices it from the sample price list', async () => {
    const { facts } = await factsOf('Contoso Ltd');
    const [first] = recommendPlans(facts);
    expect(first.plan.planId).toBe('business-basic');
    const prices = PriceList.load(path.join(__dirname, '../../sandbox/pricelist.sample.csv'));
    const cost = prices.monthlyCost(estimatedLines(first.plan, facts.kaizalaUsers, 0), 'US');
    expect(cost?.currency).toBe('USD');
    expect(cost?.amount).toBeGreaterThan(0);
  });
});
