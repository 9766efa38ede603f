import { APPROVAL_VERBS } from '../../bot/approvalHandlers';
import type { RequestLogEntry } from '../../sandbox/requestLog';
import type { MigrationRequest } from '../../services/domain/request';
import type { RememberedAccess } from '../../services/graph';
import type { MigrationRun } from '../../services/migration';
import { messageActivity, postActivity, type TeamsUser } from '../support/activities';
import { Journey, cardText, cardsIn, titled, waitFor, type CustomerSummary, type LicenseChange } from '../support/journey';

/**
 * Customer tenants as Microsoft runs them under GDAP, through the real bot and its embedded sandbox: no app-only
 * consent (the partner admin's delegated token instead, detected once and remembered), a relationship without
 * License Administrator (the run says which role to ask for), and a tenant Graph cannot be reached for by either
 * token (Partner Center App+User instead).
 */

const ALEX: TeamsUser = { id: '29:alex', aadObjectId: '00000000-0000-0000-0000-0000000000020', name: 'Alex Wilber' };
const MEGAN: TeamsUser = { id: '29:megan', aadObjectId: '00000000-0000-0000-0000-0000000000021', name: 'Megan Bowen' };
const APPROVERS = [MEGAN.aadObjectId].join(',');
const RUN_TIMEOUT_MS = 60_000;

/** No app-only consent; a GDAP relationship with the standard roles: Graph over delegated tokens. */
const DELEGATED = 'Nod Publishers';
/** Directory Readers only: readable, but licenses cannot be moved. */
const NO_LICENSE_ADMIN = "Munson's Pickles and Preserves Farm";
/** Roles, but neither app-only nor delegated consent for the partner's app: Graph out of reach, Partner Center works. */
const PARTNER_CENTER_ONLY = 'First Up Consultants';
/** Full roles when the request is made; License Administrator taken away before the run moves licenses. */
const ROLE_REVOKED = 'Coho Winery';

describe('GDAP: customer tenants reached app-only only where consented, else delegated, else through Partner Center', () => {
  const journey = new Journey(APPROVERS);
  const ids = new Map<string, string>();
  const log: RequestLogEntry[] = [];
  let logMark = 0;

  /** The sandbox keeps its last 5,000 requests: read them after every phase so none is missed. */
  async function readLog(): Promise<void> {
    const { requests } = await journey.admin<{ requests: RequestLogEntry[] }>('GET', `/requests?afterSeq=${logMark}`);
    log.push(...requests);
    logMark = requests.at(-1)?.seq ?? logMark;
  }

  function graphCallsFor(name: string): RequestLogEntry[] {
    return log.filter((entry) => entry.api === 'graph' && entry.customerId === ids.get(name));
  }

  /** Token requests (msal-node's, at the customer tenant's authority) of the sandbox's identity endpoint. */
  function tokenRequestsFor(name: string): RequestLogEntry[] {
    const tenant = ids.get(name) ?? '-';
    return log.filter((entry) => entry.api === 'identity' && entry.method === 'POST' && entry.path.includes(`/${tenant}/oauth2/v2.0/token`));
  }

  /** Wizard (all users, suggested seats) → approval by Megan → the run, until it completes or parks. */
  async function migrate(name: string, beforeApproval?: () => Promise<void>): Promise<{ run: MigrationRun; request: MigrationRequest }> {
    const planStep = await journey.say(ALEX, `migrate ${name}`);
    const usersStep = await journey.press(ALEX, titled(planStep.cards, 'Choose the new plan'), 'Next');
    const quantityStep = await journey.press(ALEX, titled(usersStep.cards, 'Which users move?'), 'Move all users');
    const reviewStep = await journey.press(ALEX, titled(quantityStep.cards, 'How many seats?'), 'Next');
    await journey.press(ALEX, titled(reviewStep.cards, 'Review the migration'), 'Request approval');
    const request = (await journey.bot.store.list<MigrationRequest>('requests'))
      .map((item) => item.value)
      .find((candidate) => candidate.customerId === ids.get(name));
    if (!request) throw new Error(`no request for ${name}\n${journey.logs.join('\n')}`);
    await beforeApproval?.();
    const approved = await journey.execute(MEGAN, APPROVAL_VERBS.approve, { requestId: request.id, version: request.version });
    expect(approved.status).toBe(200);
    const run = await waitFor(
      `the run for ${name}`,
      async () => {
        await journey.bot.idle();
        const current = await journey.run(request.id);
        return current && ['completed', 'parked', 'cancelled'].includes(current.status) ? current : undefined;
      },
      RUN_TIMEOUT_MS,
      journey.logs,
    );
    await readLog();
    return { run, request };
  }

  beforeAll(async () => {
    await journey.start();
    await journey.admin('PUT', '/knobs', { provisioningDelayMs: 200, orderListLagMs: 0 });
    const { customers } = await journey.admin<{ customers: CustomerSummary[] }>('GET', '/customers');
    for (const name of [DELEGATED, NO_LICENSE_ADMIN, PARTNER_CENTER_ONLY, ROLE_REVOKED]) {
      const found = customers.find((customer) => customer.companyName === name);
      if (!found) throw new Error(`the demo seed has no ${name}`);
      ids.set(name, found.id);
    }
    // Microsoft's default under GDAP: no app-only consent (set explicitly, whatever the seed's default).
    await journey.admin('PATCH', `/customers/${ids.get(DELEGATED)}`, { access: { graphConsent: false, gdapRoles: true } });
    await journey.admin('PATCH', `/customers/${ids.get(NO_LICENSE_ADMIN)}`, { access: { graphConsent: false, gdapRoles: ['Directory Readers'] } });
    await journey.admin('PATCH', `/customers/${ids.get(PARTNER_CENTER_ONLY)}`, { access: { graphConsent: false, delegatedConsent: false, gdapRoles: true } });
    await journey.admin('PATCH', `/customers/${ids.get(ROLE_REVOKED)}`, { access: { graphConsent: false, gdapRoles: true } });
    await readLog();

    await journey.install(ALEX);
    await journey.install(MEGAN);
    await journey.say(ALEX, 'scan now');
    await waitFor(
      'the scan summary',
      async () => {
        await journey.bot.idle();
        return journey.sentTo(ALEX).find((sent) => sent.activity.text?.startsWith('Scan finished'));
      },
      30_000,
      journey.logs,
    );
    await readLog();
  }, 60_000);

  afterAll(() => journey.stop(), 30_000);

  it('a customer without app-only consent goes from wizard to Completed over delegated Graph tokens, its refusal detected once', async () => {
    const { run } = await migrate(DELEGATED);
    expect(run).toMatchObject({ status: 'completed', outcome: 'suspended' });

    // The licenses moved through Graph (assignLicense), which only a delegated token could do in this tenant.
    const ledger = await journey.ledger(ids.get(DELEGATED) ?? '');
    const moves = ledger.filter((entry) => entry.api === 'graph' && entry.operation === 'assignLicense' && entry.status === 200);
    expect(moves.length).toBe(run.users.length);
    expect(ledger.flatMap((entry) => entry.changes).filter((change): change is LicenseChange => change.kind === 'userLicenses').length).toBeGreaterThan(0);

    // App-only was asked for once (the scan's first Graph call) and refused by the identity endpoint; that was
    // remembered, so every later call — scan, wizard, approval, run — went delegated directly.
    const tokenRequests = tokenRequestsFor(DELEGATED);
    expect(tokenRequests.filter((entry) => entry.status >= 400)).toHaveLength(1);
    expect(tokenRequests[0].status).toBeGreaterThanOrEqual(400);
    const graph = graphCallsFor(DELEGATED);
    expect(graph.filter((entry) => entry.status === 403)).toEqual([]);
    expect(graph.filter((entry) => entry.status === 200).length).toBeGreaterThan(run.users.length);
    const remembered = (await journey.bot.store.get<RememberedAccess>('meta', `tenantAccess:${ids.get(DELEGATED)}`))?.value;
    expect(remembered).toMatchObject({ mode: 'delegated' });
  }, 90_000);

  it('a customer whose GDAP relationship lacks License Administrator is told so in the wizard, before anything is bought', async () => {
    const answer = await journey.say(ALEX, `migrate ${NO_LICENSE_ADMIN}`);
    const text = [...answer.texts, ...answer.cards.map(cardText)].join('\n');
    expect(text).toContain('lacks the License Administrator role');
    expect(text).toContain("Ask the customer's admin to grant License Administrator through GDAP in Partner Center → Customers → Admin relationships");
    expect(answer.cards.find((card) => cardText(card).includes('Choose the new plan'))).toBeUndefined();
    const requests = (await journey.bot.store.list<MigrationRequest>('requests')).filter((item) => item.value.customerId === ids.get(NO_LICENSE_ADMIN));
    expect(requests).toEqual([]);
    const ledger = await journey.ledger(ids.get(NO_LICENSE_ADMIN) ?? '');
    expect(ledger.flatMap((entry) => entry.changes).filter((change) => change.kind !== 'customer')).toEqual([]);
  });

  it('in German too, from a German Teams client', async () => {
    const before = journey.connector.sent.length;
    const response = await postActivity(journey.bot.url, messageActivity(`migrate ${NO_LICENSE_ADMIN}`, { serviceUrl: journey.connector.url, user: ALEX, locale: 'de-DE' }));
    expect(response.status).toBe(200);
    const replies = journey.sentTo(ALEX, before);
    const text = [...replies.map((reply) => reply.activity.text ?? ''), ...cardsIn(replies).map(cardText)].join('\n');
    expect(text).toContain('fehlt die Rolle License Administrator');
    expect(text).toContain('Partner Center → Kunden → Administratorbeziehungen');
  });

  it('a role taken away after the request parks the run, which says which role to ask for; nobody lost a license', async () => {
    const { run } = await migrate(ROLE_REVOKED, async () => {
      await journey.admin('PATCH', `/customers/${ids.get(ROLE_REVOKED)}`, { access: { gdapRoles: ['Directory Readers'] } });
    });
    expect(run.status).toBe('parked');
    expect(run.parked).toMatchObject({ code: 'accessDenied' });
    expect(run.parked?.detail).toContain('License Administrator');
    const ledger = await journey.ledger(ids.get(ROLE_REVOKED) ?? '');
    expect(ledger.flatMap((entry) => entry.changes).filter((change) => change.kind === 'userLicenses')).toEqual([]);

    const card = await waitFor(
      'the parked run card',
      async () => cardsIn(journey.sentTo(ALEX)).map(cardText).find((text) => text.includes('License Administrator') && text.includes('Admin relationships')),
      10_000,
      journey.logs,
    );
    expect(card).toContain('Partner Center → Customers → Admin relationships');
  }, 90_000);

  it('a customer Graph cannot be reached for by either token completes through Partner Center App+User', async () => {
    const { run } = await migrate(PARTNER_CENTER_ONLY);
    expect(run).toMatchObject({ status: 'completed', outcome: 'suspended' });
    const ledger = await journey.ledger(ids.get(PARTNER_CENTER_ONLY) ?? '');
    const moves = ledger.filter((entry) => entry.operation === 'licenseUpdates' && entry.status < 300);
    expect(moves.length).toBeGreaterThanOrEqual(run.users.length);
    // Graph never answered a call for this tenant: neither token was issued for it.
    expect(graphCallsFor(PARTNER_CENTER_ONLY).filter((entry) => entry.status < 300)).toEqual([]);
    const tokenRequests = tokenRequestsFor(PARTNER_CENTER_ONLY);
    expect(tokenRequests.length).toBeGreaterThan(0);
    expect(tokenRequests.every((entry) => entry.status >= 400)).toBe(true);
  }, 90_000);
});
