/**
 * Advice that does not mislead (issue 16, point 7): a missing permission names the permission or GDAP role and what
 * to do, scan failures give a short reason and a next step, a fully migrated customer is told as migrated, a rejection
 * without a reason says so, `help` inside the wizard explains the step, and a mistyped command gets "did you mean".
 */
import { renderCard } from '../../cards/cards';
import { approvalOutcomeCard } from '../../dialogs/migrationWizardCards';
import { problemLines, scanSummaryText } from '../../dialogs/expiringCommands';
import { suggestCommand } from '../../dialogs/rootDialog';
import { approvalCommandsModule } from '../../dialogs/approvalCommands';
import { migrationWizardModule } from '../../dialogs/migrationWizard';
import type { KaizalaUser } from '../../services/catalog';
import { GraphUnreachableError } from '../../services/graph/tenantAccess';
import { ApiError } from '../../services/http/errors';
import type { MigrationRequest } from '../../services/domain/request';
import type { MigrationRun } from '../../services/migration';
import { emptyUrgencyCounts, type ScanSummary } from '../../services/scan';
import { IN_MEMORY, openSqliteStore } from '../../services/store';
import { KaizalaSubscriptions } from '../../services/approvals/subscriptions';
import { silentLogger } from '../../services/logging';
import {
  ALEX,
  approvalWorld,
  cardText,
  Conversation,
  converse,
  FakeDirectory,
  makeUsers,
  MEGAN,
  seedSubscription,
  subscriptionRow,
  wizardBot,
  type WizardWorld,
} from '../wizard/support';

const CONTOSO = subscriptionRow({ customerId: 'c0000000-0000-4000-8000-000000000001', customerName: 'Contoso Ltd' });

class RefusingDirectory extends FakeDirectory {
  constructor(private readonly refusal: Error) {
    super();
  }
  async kaizalaUsers(): Promise<KaizalaUser[]> {
    throw this.refusal;
  }
}

async function world(directory?: FakeDirectory): Promise<WizardWorld> {
  const w = approvalWorld(openSqliteStore(IN_MEMORY), directory ? { directory } : {});
  await seedSubscription(w.store, CONTOSO);
  w.directory.set(CONTOSO.tenantId, makeUsers('a', 20));
  return w;
}

const graph403 = new ApiError({
  service: 'graph',
  status: 403,
  code: 'Authorization_RequestDenied',
  description: 'Insufficient privileges to complete the operation.',
  retryable: false,
  method: 'GET',
  path: '/v1.0/users',
  requestId: 'r-1',
  correlationId: 'c-1',
});

describe('a missing permission says what is missing and what to do', () => {
  it('a Graph 403 names the service, the GDAP roles reading needs and where to grant them, never "try again later"', async () => {
    const alex = new Conversation(wizardBot(await world(new RefusingDirectory(graph403))));
    const reply = await alex.say('migrate Contoso Ltd');
    expect(reply).toContain('Microsoft Graph refused to show Contoso Ltd');
    expect(reply).toContain('Directory Readers and License Administrator');
    expect(reply).toContain('Admin relationships');
    expect(reply).not.toMatch(/try again|Choose the new plan/);
  });

  it('Graph out of reach (no consent, no signed-in admin) says to connect Partner Center, in German too', async () => {
    const refusal = new GraphUnreachableError(CONTOSO.tenantId, 'no admin consent and no delegated token', 'AADSTS65001');
    const w = await world(new RefusingDirectory(refusal));
    expect(await new Conversation(wizardBot(w)).say('migrate Contoso Ltd')).toContain('type connect partner center');
    expect(await new Conversation(wizardBot(w), ALEX, 'de-DE').say('migrieren Contoso Ltd')).toContain('partner center verbinden');
  });

  it('any other failure gives a short reason and a next step instead of the raw answer', async () => {
    const long = new Error(`socket hang up while reading users. ${'stack frame '.repeat(40)}`);
    const reply = await new Conversation(wizardBot(await world(new RefusingDirectory(long)))).say('migrate Contoso Ltd');
    expect(reply).toContain("I could not read Contoso Ltd's users and licenses (socket hang up while reading users)");
    expect(reply).toContain('type migrate Contoso Ltd again in a few minutes');
    expect(reply).not.toContain('stack frame');
  });
});

describe('scan failures', () => {
  const summary = (failures: ScanSummary['failures']): ScanSummary => ({
    scanId: 's',
    startedAt: '2026-05-21T09:00:00Z',
    finishedAt: '2026-05-21T09:01:00Z',
    durationMs: 60_000,
    resumed: false,
    timeZone: 'UTC',
    customersTotal: 3,
    customersScanned: 3 - failures.length,
    customersReused: 0,
    customersFailed: failures.length,
    subscriptionsFound: 1,
    subscriptionsKept: 0,
    needsReview: 0,
    partial: 0,
    discoveryTestFailed: 0,
    byUrgency: emptyUrgencyCounts(),
    urgent: 0,
    failures,
    warnings: [],
  });

  it('show a short reason cut at a word, and what to do for each kind of failure', () => {
    const raw = `Partner Center GET /v1/customers/c1/subscriptions failed: HTTP 403 900308: ${'The caller does not have the required role for this operation on the customer '.repeat(4)}`;
    const text = scanSummaryText(summary([{ customerId: 'c1', customerName: 'Fabrikam', kind: 'authorization', reason: raw }, { customerId: 'c2', customerName: 'Tailspin', kind: 'error', reason: 'HTTP 503' }]), 'en');
    expect(text).toMatch(/Fabrikam \(access denied: Partner Center GET \/v1\/customers\/c1\/subscriptions failed: HTTP 403 900308: The caller does not [a-z ]+…\)/);
    expect(text).not.toContain(raw.slice(0, 200));
    expect(text).toContain('ask the customer\'s admin to grant it in Partner Center → Customers → Admin relationships');
    expect(text).toContain('type scan now in a few minutes');
    const german = problemLines({ unread: [{ customerId: 'c1', customerName: 'Fabrikam', kind: 'authorization', reason: raw, since: '2026-05-20T09:00:00Z' }] } as Parameters<typeof problemLines>[0], 'UTC', 'de');
    expect(german.notScanned.join('\n')).toContain('Administratorbeziehungen');
    expect(german.notScanned.join('\n')).not.toContain('Andere Fehler');
  });
});

describe('a completed migration is reported as done, not "already being migrated"', () => {
  it('migrate for a customer with nobody left on Kaizala Pro says when it was migrated and by which request', async () => {
    const w = await world();
    const outcome = await w.approvals.requestMigration(
      { customerId: CONTOSO.customerId, subscriptionId: CONTOSO.subscriptionId, planId: 'o365-e1', quantity: 20, userIds: 'all' },
      { aadObjectId: ALEX.aadObjectId, name: ALEX.name },
      'en-US',
    );
    if (outcome.kind !== 'requested') throw new Error(outcome.problem);
    await w.approvals.decide({ requestId: outcome.request.id, version: 1, actor: { aadObjectId: MEGAN.aadObjectId, name: MEGAN.name }, decision: 'approve' });
    await w.store.insert('runs', outcome.request.id, { id: outcome.request.id, status: 'completed', finishedAt: '2026-05-22T08:00:00Z' } as Partial<MigrationRun>);
    w.directory.set(CONTOSO.tenantId, []);
    const alex = new Conversation(wizardBot(w));
    await converse(alex, [
      ['migrate Contoso Ltd', [`Contoso Ltd was migrated on May 22, 2026 (request ${outcome.request.id}); nothing is left on Kaizala Pro`, '!already being migrated', '!Choose the new plan']],
    ]);
    // Users still on Kaizala Pro after a completed run (a partial migration) are the next request.
    w.directory.set(CONTOSO.tenantId, makeUsers('a', 3));
    await converse(alex, [['migrate Contoso Ltd', ['Choose the new plan']]]);
  });
});

describe('a rejection without a reason', () => {
  it('shows the requester that no reason was given instead of a blank', () => {
    const request = { id: 'MR-8M3R0YX5QE', customerName: 'Contoso Ltd', plan: { title: 'Office 365 E1' }, quantity: 20, status: 'rejected', decidedBy: { aadObjectId: MEGAN.aadObjectId, name: MEGAN.name }, decidedAt: '2026-05-21T10:00:00Z', expiresAt: '2026-05-28T10:00:00Z', rejectReason: '  ' } as unknown as MigrationRequest;
    expect(cardText(renderCard('approvalOutcome', approvalOutcomeCard(request, 'rejected', 'en'), 'en'))).toContain('No reason was given.');
    expect(cardText(renderCard('approvalOutcome', approvalOutcomeCard(request, 'rejected', 'de'), 'de'))).toContain('Es wurde keine Begründung angegeben.');
    expect(cardText(renderCard('approvalOutcome', approvalOutcomeCard({ ...request, rejectReason: 'Too expensive' }, 'rejected', 'en'), 'en'))).toContain('Too expensive');
  });
});

describe('help inside the wizard', () => {
  it('explains the current step and how to leave, in English and German, and the wizard goes on', async () => {
    const w = await world();
    const alex = new Conversation(wizardBot(w));
    await converse(alex, [
      ['migrate Contoso Ltd', ['Choose the new plan']],
      ['help', ['You are in the migration wizard', 'choose the new plan on the card above and press Next', 'cancel to stop', '!Choose one of the listed plans']],
      [{ press: 'Next', with: { planId: 'o365-e1' } }, ['Which users move?']],
      ['help', ['Move all users', 'cancel to stop']],
    ]);
    const anna = new Conversation(wizardBot(w), ALEX, 'de-DE');
    await converse(anna, [
      ['migrieren Contoso Ltd', ['Contoso Ltd']],
      ['hilfe', ['Sie sind im Migrationsassistenten', 'abbrechen']],
    ]);
  });
});

describe('did you mean …?', () => {
  const modules = [
    migrationWizardModule({ subscriptions: new KaizalaSubscriptions(openSqliteStore(IN_MEMORY)), directory: new FakeDirectory(), approvals: {} as never, logger: silentLogger }),
    approvalCommandsModule({ approvals: {} as never, subscriptions: {} as never }),
  ];

  it.each([
    ['histroy Contoso Ltd', 'history Contoso Ltd'],
    ['mirgate Contoso', 'migrate Contoso'],
    ['verlaf Contoso', 'verlauf Contoso'],
    ['migriern Contoso', 'migrieren Contoso'],
    ['withdrw MR-8M3R0YX5QE', 'withdraw MR-8M3R0YX5QE'],
  ])('"%s" suggests "%s"', (typed, suggestion) => {
    expect(suggestCommand(modules, typed)).toBe(suggestion);
  });

  it('suggests nothing for text that resembles no command', () => {
    for (const typed of ['banana', 'hello there', 'xy', '']) expect(suggestCommand(modules, typed)).toBeUndefined();
  });

  it('the bot answers a typo with the suggestion, in English and German', async () => {
    const w = await world();
    expect(await new Conversation(wizardBot(w)).say('histroy Contoso Ltd')).toContain('Did you mean "history Contoso Ltd"?');
    expect(await new Conversation(wizardBot(w)).say('hepl')).toContain('Did you mean "help"?');
    expect(await new Conversation(wizardBot(w), ALEX, 'de-DE').say('verlaf Contoso Ltd')).toContain('Meinten Sie "verlauf Contoso Ltd"?');
    expect(await new Conversation(wizardBot(w)).say('banana')).not.toContain('Did you mean');
  });
});
