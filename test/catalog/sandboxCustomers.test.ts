import axios from 'axios';
import { startSandbox, type RunningSandbox } from '../../sandbox/server';
import { lazySandboxTokens, sandboxTenantAccess } from '../support/sandboxAuth';
import { customerFacts, GraphTenantDirectory, planLines, recommendPlans } from '../../services/catalog';
import { GraphClient } from '../../services/graph';
import { ApiHttp } from '../../services/http';
import { PartnerCenterClient } from '../../services/partnerCenter';

const KAIZALA_SKU = '00000000-0000-4000-8000-00000000c0de';

/**
 * The recommendation for the demo customers that play the Teams split, read the way the wizard reads them: users and
 * seats from Graph, the market from the customer's Partner Center billing profile.
 */
describe('suite variants for the sandbox demo customers, over real HTTP', () => {
  let sandbox: RunningSandbox;
  let directory: GraphTenantDirectory;
  const ids = new Map<string, string>();

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, seed: 'demo' });
    const tokens = lazySandboxTokens(sandbox);
    const http = new ApiHttp({ axios: axios.create() });
    const partnerCenter = new PartnerCenterClient({ http, baseUrl: sandbox.partnerCenterBaseUrl, getToken: tokens.partnerCenter, getUserToken: tokens.partnerCenterUser });
    directory = new GraphTenantDirectory(new GraphClient({ http, baseUrl: sandbox.graphBaseUrl, getToken: tokens.graph, access: sandboxTenantAccess(tokens) }), partnerCenter, 'US');
    for (const customer of await partnerCenter.listAllCustomers()) ids.set(customer.companyProfile.companyName ?? '', customer.id);
  });
  afterAll(() => sandbox.close());

  async function optionsFor(company: string) {
    const id = ids.get(company);
    if (!id) throw new Error(`no sandbox customer ${company}`);
    const users = await directory.kaizalaUsers(id, KAIZALA_SKU, false);
    const facts = customerFacts(false, users, await directory.seatsBySku(id), await directory.market(id));
    return { users, facts, options: recommendPlans(facts) };
  }

  it('Blue Yonder Airlines (Netherlands, over the Business cap): Office 365 E1 EEA (no Teams) plus Microsoft Teams EEA', async () => {
    const { users, facts, options } = await optionsFor('Blue Yonder Airlines');
    expect(facts.market).toBe('NL');
    expect(users.length).toBeGreaterThan(300);
    const [first] = options;
    expect(first).toMatchObject({ recommended: true, reason: { code: 'overBusinessCap' } });
    expect(first.plan).toMatchObject({ planId: 'o365-e1', variant: 'eeaNoTeams', title: 'Office 365 E1 EEA (no Teams) + Microsoft Teams EEA' });
    expect(planLines(first.plan, users, users.length).map((line) => [line.sku.skuPartNumber, line.quantity])).toEqual([
      ['Office_365_w/o_Teams_Bundle_E1', users.length],
      ['Microsoft_Teams_EEA_New', users.length],
    ]);
  });

  it('City Power & Light (every user holds Teams Enterprise): Office 365 E1 (no Teams) and no Teams line', async () => {
    const { users, facts, options } = await optionsFor('City Power & Light');
    expect(facts).toMatchObject({ market: 'US', usersWithTeams: users.length });
    const [first] = options;
    expect(first.plan).toMatchObject({ planId: 'o365-e1', variant: 'noTeams', title: 'Office 365 E1 (no Teams)', teams: undefined });
    expect(planLines(first.plan, users, users.length).map((line) => line.sku.skuPartNumber)).toEqual(['Office_365_E1_(no_Teams)']);
  });

  it('Woodgrove Bank (already holds Microsoft 365 E5 with Teams): the suites with Teams, E5 included', async () => {
    const { options } = await optionsFor('Woodgrove Bank');
    expect(options[0].plan).toMatchObject({ planId: 'o365-e1', variant: 'withTeams', variantReason: { code: 'existingTeamsSuite', suite: 'Microsoft 365 E5' } });
    expect(options.map((option) => option.plan.planId)).toEqual(expect.arrayContaining(['o365-e5', 'm365-e5']));
  });

  it('Müller & Söhne GmbH (Germany, 42 users): Business Basic, sold with Teams in the EEA too', async () => {
    const { facts, options } = await optionsFor('Müller & Söhne GmbH');
    expect(facts.market).toBe('DE');
    expect(options[0].plan).toMatchObject({ planId: 'business-basic', variant: 'withTeams' });
    expect(options[0].plan.teams).toBeUndefined();
  });
});
