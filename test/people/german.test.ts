/**
 * German that reads as German: commands typed in German are understood, the German help card shows the German way to
 * type them, and counts, statuses and dates read as a German speaker would write them.
 */
import { ConversationState, MemoryStorage, TestAdapter, type Activity } from 'botbuilder';
import type { DialogState } from 'botbuilder-dialogs';
import { createAlertCommandModule } from '../../dialogs/alertCommands';
import { EXPIRING_COMMAND, expiringCardData, SCAN_NOW_COMMAND, scanSummaryText } from '../../dialogs/expiringCommands';
import { commandHelp, parseCommand, type CommandModule } from '../../dialogs/commands';
import { RootDialog } from '../../dialogs/rootDialog';
import { subscriptionSummary } from '../../dialogs/migrationWizardCards';
import { Assignments } from '../../services/alerts/assignments';
import { AlertPreferences } from '../../services/alerts/preferences';
import { CustomerDirectory } from '../../services/alerts/customerDirectory';
import { openSqliteStore } from '../../services/store/sqliteStore';
import type { Store } from '../../services/store/store';
import { MEGAN, TODAY, row, saveRows } from '../alerts/support';

const FABRIKAM = row({ customerName: 'Fabrikam Inc' });

function alertModule(store: Store): CommandModule {
  return createAlertCommandModule({
    assignments: new Assignments(store),
    customers: new CustomerDirectory(store),
    preferences: new AlertPreferences(store),
    now: () => TODAY,
  });
}

/** Says each line as Megan from a German Teams client; returns the bot's answers. */
async function sayInGerman(store: Store, lines: readonly string[]): Promise<string[]> {
  const root = new RootDialog([alertModule(store)]);
  const state = new ConversationState(new MemoryStorage());
  const dialogState = state.createProperty<DialogState>('dialogState');
  const answers: string[] = [];
  const adapter = new TestAdapter(async (context) => {
    await root.run(context, dialogState);
    await state.saveChanges(context);
  });
  const from = { id: '29:megan', name: MEGAN.name, aadObjectId: MEGAN.aadObjectId };
  for (const text of lines) {
    await adapter.send({ type: 'message', text, from, locale: 'de-DE' } as Partial<Activity>);
    answers.push(...adapter.activeQueue.splice(0).map((activity) => activity.text ?? ''));
  }
  return answers;
}

describe('German commands', () => {
  let store: Store;
  beforeEach(async () => {
    store = openSqliteStore(':memory:');
    await saveRows(store, FABRIKAM);
  });
  afterEach(async () => {
    await store.close();
  });

  it('"Fabrikam mir zuweisen", "meine Kunden", "warnungen aus" and "warnungen" are understood and answered in German', async () => {
    const answers = await sayInGerman(store, ['meine Kunden', 'Fabrikam mir zuweisen', 'meine Kunden', 'warnungen aus', 'warnungen', 'austragen fabrikam']);
    expect(answers[0]).toBe('Sie betreuen noch keine Kunden. Geben Sie ein: <Kunde> mir zuweisen');
    expect(answers[1]).toContain('Fabrikam Inc');
    expect(answers[2]).toBe(`Sie betreuen 1 Kunden:\n- Fabrikam Inc · ${FABRIKAM.customerId}`);
    expect(answers[3]).toMatch(/^Sie erhalten keine Ablaufwarnungen\. Geben Sie warnungen meine ein/);
    expect(answers[4]).toMatch(/^Ihre Ablaufwarnungen stehen auf aus\./);
    expect(answers[5]).toMatch(/^Fabrikam Inc hat keinen Kundenbetreuer mehr/);
  });

  it('the English forms still work from a German client', () => {
    const modules = [alertModule(store)];
    expect(parseCommand(modules, 'assign Fabrikam to me')?.args.filter(Boolean)).toEqual(['Fabrikam']);
    expect(parseCommand(modules, 'Fabrikam mir zuweisen')?.args.filter(Boolean)).toEqual(['Fabrikam']);
    expect(parseCommand(modules, 'my customers')?.spec.id).toBe('myCustomers');
  });

  it('the German help card shows the German way to type each command, the English one the English way', () => {
    const modules: CommandModule[] = [alertModule(store), { commands: [EXPIRING_COMMAND, SCAN_NOW_COMMAND], handle: () => Promise.reject(new Error('unused')) }];
    const german = commandHelp(modules, 'de').map((line) => line.command);
    expect(german).toEqual(['<Kunde> mir zuweisen', 'austragen <Kunde>', 'meine Kunden', 'warnungen alle | meine | aus', 'ablaufend [Tage]', 'jetzt scannen']);
    const english = commandHelp(modules, 'en').map((line) => line.command);
    expect(english).toEqual(['assign <customer> to me', 'unassign <customer>', 'my customers', 'alerts all | mine | off', 'expiring [days]', 'scan now']);
    // Every German usage is itself understood.
    for (const usage of ['meine Kunden', 'ablaufend 30', 'jetzt scannen', 'warnungen meine', 'austragen Fabrikam']) expect(parseCommand(modules, usage)).toBeDefined();
  });
});

describe('German counts, statuses and dates', () => {
  it('one customer that could not be scanned is "1 Kunde konnte", not "1 Kunden konnten"', () => {
    const text = scanSummaryText(
      {
        durationMs: 4000,
        customersScanned: 4,
        customersTotal: 5,
        subscriptionsFound: 3,
        urgent: 1,
        needsReview: 0,
        partial: 0,
        subscriptionsKept: 0,
        customersFailed: 1,
        failures: [{ customerId: 'c1', customerName: 'Fabrikam', kind: 'authorization', reason: 'no GDAP role' }],
      } as Parameters<typeof scanSummaryText>[0],
      'de',
    );
    expect(text).toContain('1 Kunde konnte nicht durchsucht werden: Fabrikam');
    expect(text).not.toContain('1 Kunden');
  });

  it('the expiry report shows the status in German and the end date as "13. Nov. 2026", never ISO', () => {
    const subscription = row({ customerName: 'Fabrikam Inc', commitmentEndDate: '2026-11-13T00:00:00Z', daysLeft: 1, status: 'expired' });
    const data = expiringCardData([subscription], { page: 1, pageSize: 10, timeZone: 'UTC', locale: 'de' });
    expect(data.rows[0].endDate).toBe('13. Nov. 2026');
    expect(data.rows[0].statusText).toMatch(/^abgelaufen, /);
    expect(data.rows[0].daysLeftText).toBe('noch 1 Tag');
    const english = expiringCardData([{ ...subscription, status: 'active' }], { page: 1, pageSize: 10, timeZone: 'UTC', locale: 'en' });
    expect(english.rows[0].endDate).toBe('Nov 13, 2026');
    expect(english.rows[0].statusText).toMatch(/^active, /);
  });

  it('the wizard says "noch 1 Tag" and "(1 day left)" with the date in words', () => {
    const subscription = row({ commitmentEndDate: '2026-11-13T00:00:00Z', daysLeft: 1 });
    expect(subscriptionSummary(subscription, 'de')).toBe('endet am 13. Nov. 2026 (noch 1 Tag)');
    expect(subscriptionSummary(subscription, 'en')).toBe('ends Nov 13, 2026 (1 day left)');
    expect(subscriptionSummary({ ...subscription, daysLeft: 5 }, 'de')).toBe('endet am 13. Nov. 2026 (noch 5 Tage)');
  });
});
