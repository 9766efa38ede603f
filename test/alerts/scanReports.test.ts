import { TeamsAlertNotifier } from '../../bot/proactive/alertNotifier';
import { ConversationReferences } from '../../bot/proactive/conversationReferences';
import type { ProactiveMessenger, RenderForLocale, SentMessage } from '../../bot/proactive/messenger';
import { AlertPreferences } from '../../services/alerts/preferences';
import { ScanProblemReporter } from '../../services/alerts/scanReports';
import { silentLogger } from '../../services/logging';
import { emptyUrgencyCounts, type ScanSummary } from '../../services/scan';
import { openSqliteStore } from '../../services/store/sqliteStore';
import { ADELE, ALEX, FakeNotifier, MEGAN, TODAY } from './support';

function summary(customersFailed: number): ScanSummary {
  return {
    scanId: 's',
    startedAt: TODAY.toISOString(),
    finishedAt: TODAY.toISOString(),
    durationMs: 1000,
    resumed: false,
    timeZone: 'UTC',
    customersTotal: 10,
    customersScanned: 10 - customersFailed,
    customersReused: 0,
    customersFailed,
    subscriptionsFound: 47,
    subscriptionsKept: 9,
    needsReview: 0,
    partial: 0,
    discoveryTestFailed: 0,
    byUrgency: emptyUrgencyCounts(),
    urgent: 0,
    failures: [],
    warnings: [],
  };
}

async function setUp() {
  const store = openSqliteStore(':memory:');
  const preferences = new AlertPreferences(store);
  await preferences.setMode(MEGAN, 'all', TODAY);
  await preferences.setMode(ALEX, 'mine', TODAY);
  await preferences.setMode(ADELE, 'all', TODAY);
  const notifier = new FakeNotifier();
  const reporter = new ScanProblemReporter({ store, notifier, logger: silentLogger, now: () => TODAY });
  return { store, notifier, reporter };
}

describe('scheduled scan problems reach the people who get all alerts', () => {
  it('a scan that could not read some customers is posted, with the whole report’s figures, to everyone in mode "all" only', async () => {
    const { notifier, reporter } = await setUp();
    await reporter.scanned(summary(2));
    expect(notifier.scanReports.map((r) => r.to).sort()).toEqual([MEGAN.aadObjectId, ADELE.aadObjectId].sort());
    expect(notifier.scanReports[0].report).toEqual({ kind: 'partial', summary: summary(2) });
  });

  it('a scan that read every customer posts nothing', async () => {
    const { notifier, reporter } = await setUp();
    await reporter.scanned(summary(0));
    expect(notifier.scanReports).toEqual([]);
  });

  it('a scan that stopped is posted with when and why, and one person’s failed delivery does not stop the others', async () => {
    const { notifier, reporter } = await setUp();
    notifier.failing.add(MEGAN.aadObjectId);
    await reporter.failed(new Error('Partner Center unreachable'));
    expect(notifier.scanReports).toEqual([{ to: ADELE.aadObjectId, report: { kind: 'stopped', at: TODAY.toISOString(), reason: 'Partner Center unreachable' } }]);
  });
});

describe('the Teams side of scan reports', () => {
  it('goes through the proactive messenger (so Teams pacing applies) as text in the reader’s language and time zone', async () => {
    const store = openSqliteStore(':memory:');
    await new AlertPreferences(store).setMode(MEGAN, 'all', TODAY);
    const sent: { to: string; en: string; de: string }[] = [];
    const messenger: ProactiveMessenger = {
      sendToPerson: async (aadObjectId: string, render: RenderForLocale): Promise<SentMessage | undefined> => {
        sent.push({ to: aadObjectId, en: String(render('en')), de: String(render('de')) });
        return { conversationKey: aadObjectId, activityId: 'a1' };
      },
      update: async () => undefined,
    };
    const notifier = new TeamsAlertNotifier(messenger, new ConversationReferences(store), silentLogger, 'Europe/Berlin');
    const reporter = new ScanProblemReporter({ store, notifier, logger: silentLogger, now: () => new Date('2026-11-23T07:00:00Z') });
    await reporter.failed(new Error('Partner Center unreachable'));
    expect(sent).toEqual([
      {
        to: MEGAN.aadObjectId,
        en: 'The scheduled scan stopped at Nov 23, 2026 08:00 (Europe/Berlin) because of an error: Partner Center unreachable. Alerts went out from the last stored report. Type **expiring** to see it, or **scan now** to try again.',
        de: expect.stringContaining('Die geplante Suche wurde um 23. Nov. 2026 08:00 (Europe/Berlin)'),
      },
    ]);
  });
});
