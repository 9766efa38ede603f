import axios from 'axios';
import { startSandbox, type RunningSandbox } from '../../sandbox/server';
import {
  CustomerAccessError,
  GdapRelationships,
  GraphClient,
  GraphUnreachableError,
  InMemoryAccessMemory,
  TenantAccess,
  type TenantAccessOptions,
} from '../../services/graph';
import { ApiHttp } from '../../services/http';
import { PartnerCenterClient, PartnerCenterTenantDirectory } from '../../services/partnerCenter';
import { SandboxAdmin, type NewCustomer, type NewCustomerSpec } from '../integration/support';
import { sandboxAuth, type SandboxAuth } from '../support/sandboxAuth';

/**
 * The sandbox's GDAP model, seen through the bot's own clients: app-only only where the customer consented,
 * delegated tokens authorised by the relationship's roles per operation, Partner Center App+User refusing with
 * 900308 where a role is missing, and the relationships readable in the partner tenant.
 */
describe('GDAP in the sandbox, through the bot clients', () => {
  let sandbox: RunningSandbox;
  let admin: SandboxAdmin;
  let auth: SandboxAuth;
  let http: ApiHttp;

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, seed: 'empty' });
    admin = new SandboxAdmin(sandbox);
    auth = await sandboxAuth(sandbox);
    http = new ApiHttp({ axios: axios.create(), retryPolicy: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1, maxTotalMs: 1_000 } });
  }, 30_000);

  afterAll(async () => {
    await sandbox?.close();
  });

  function graphWith(options: Partial<TenantAccessOptions> = {}): { graph: GraphClient; memory: InMemoryAccessMemory } {
    const memory = new InMemoryAccessMemory();
    const access = new TenantAccess({ appOnly: auth.tokens.graph, delegated: auth.tokens.graphDelegated, memory, ...options });
    return { graph: new GraphClient({ http, baseUrl: sandbox.graphBaseUrl, getToken: auth.tokens.graph, access }), memory };
  }

  function partnerCenter(): PartnerCenterClient {
    return new PartnerCenterClient({ http, baseUrl: sandbox.partnerCenterBaseUrl, getToken: auth.tokens.partnerCenter, getUserToken: auth.tokens.partnerCenterUser });
  }

  async function customer(access: NewCustomerSpec['access']): Promise<NewCustomer> {
    return admin.addCustomer({ companyName: `GDAP ${Math.random().toString(36).slice(2, 8)}`, users: 3, kaizalaHolderShare: 1, access });
  }

  it('goes delegated after app-only is refused once, and remembers it', async () => {
    const tenant = await customer({ graphConsent: false });
    const { graph, memory } = graphWith();
    const mark = await admin.requestMark();
    expect((await graph.listSubscribedSkus(tenant.id)).length).toBeGreaterThan(0);
    expect(await memory.get(tenant.id)).toMatchObject({ mode: 'delegated' });
    await graph.listUsers(tenant.id);
    const tokenCalls = (await admin.requestsSince(mark)).filter((entry) => entry.api === 'identity' && entry.method === 'POST');
    // One client-credentials refusal at the customer's authority; after that only the partner admin's redemptions.
    expect(tokenCalls.filter((entry) => entry.status >= 400)).toHaveLength(1);
  });

  it('stays app-only where the customer consented', async () => {
    const tenant = await customer({ graphConsent: true });
    const { graph, memory } = graphWith({ delegated: () => Promise.reject(new Error('no delegated token expected')) });
    expect((await graph.listUsers(tenant.id)).length).toBe(3);
    expect(await memory.get(tenant.id)).toBeUndefined();
  });

  it('names License Administrator when a delegated license write is refused, while reads still work', async () => {
    const tenant = await customer({ graphConsent: false, gdapRoles: ['Directory Readers'] });
    const { graph } = graphWith();
    const [user] = await graph.listUsers(tenant.id);
    const error = await graph.assignLicense(tenant.id, user.id, { removeLicenses: ['00000000-0000-4000-8000-00000000c0de'] }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CustomerAccessError);
    expect(error).toMatchObject({ missing: 'License Administrator', status: 403 });
  });

  it('is out of reach by either token without a relationship, and Partner Center refuses with 900308', async () => {
    const tenant = await customer({ graphConsent: false, gdapRoles: [] });
    const { graph } = graphWith();
    const error = await graph.listUsers(tenant.id).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(GraphUnreachableError);
    expect(error).toMatchObject({ noRelationship: true });
    const refusal = await new PartnerCenterTenantDirectory(partnerCenter()).seatsBySku(tenant.id).catch((caught: unknown) => caught);
    expect(refusal).toBeInstanceOf(CustomerAccessError);
    expect(refusal).toMatchObject({ code: '900308', missing: 'Directory Readers' });
  });

  it('reads the Kaizala holders through Partner Center App+User where Graph is out of reach', async () => {
    const tenant = await customer({ graphConsent: false, delegatedConsent: false });
    const { graph } = graphWith();
    await expect(graph.listUsers(tenant.id)).rejects.toBeInstanceOf(GraphUnreachableError);
    const users = await new PartnerCenterTenantDirectory(partnerCenter()).kaizalaUsers(tenant.id, '00000000-0000-4000-8000-00000000c0de', false);
    expect(users.map((user) => user.id).sort()).toEqual(tenant.users.map((user) => user.id).sort());
  });

  it('lists the relationship roles in the partner tenant: the preflight names what a migration lacks', async () => {
    const full = await customer({ graphConsent: false });
    const readersOnly = await customer({ graphConsent: false, gdapRoles: ['Directory Readers'] });
    const none = await customer({ graphConsent: false, gdapRoles: false });
    const { graph } = graphWith();
    const gdap = new GdapRelationships(graph, sandbox.partnerTenantId);
    expect(await gdap.missingAccess(full.id, ['read', 'licenseWrite'])).toBeUndefined();
    expect(await gdap.missingAccess(readersOnly.id, ['read', 'licenseWrite'])).toMatchObject({ missing: 'License Administrator' });
    expect(await gdap.missingAccess(none.id, ['read'])).toMatchObject({ missing: 'relationship' });
  });

  it('refuses unknown role names in the admin API', async () => {
    await expect(customer({ gdapRoles: ['Kaizala Admin'] })).rejects.toThrow(/unknown role/);
  });
});
