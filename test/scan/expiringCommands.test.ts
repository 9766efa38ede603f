import { Activity, ConversationReference, ConversationState, MemoryStorage, TestAdapter, TurnContext } from 'botbuilder';
import { DialogState } from 'botbuilder-dialogs';
import { createCardValidator } from '../../cards/schemaValidator';
import { ExpiringCommands, scanSummaryText, scheduledScanReportText, type ConversationNotifier } from '../../dialogs/expiringCommands';
import { RootDialog } from '../../dialogs/rootDialog';
import { subscriptionKey, type ExpiringSubscription } from '../../services/domain/expiring';
import { silentLogger } from '../../services/logging';
import { ExpiringReport, ScanHealth, ScanRunner, emptyUrgencyCounts, type ScanSummary } from '../../services/scan';
import { IN_MEMORY, openSqliteStore, type Store } from '../../services/store';
import { row } from './reportHelpers';

type Json = Record<string, unknown>;

/** A TestAdapter that also records in-place card updates (paging replaces the card it came from). */
class RecordingAdapter extends TestAdapter {
  readonly updates: Partial<Activity>[] = [];
  async updateActivity(context: TurnContext, activity: Partial<Activity>): Promise<void> {
    this.updates.push(activity);
    await super.updateActivity(context, activity);
  }
}

class RecordingNotifier implements ConversationNotifier {
  readonly sent: Array<{ conversationId?: string; text: string }> = [];
  async send(reference: Partial<ConversationReference>, text: string): Promise<void> {
    this.sent.push({ conversationId: reference.conversation?.id, text });
  }
}

/** A scanner whose scan ends when the test says so. */
class ControlledScanner {
  private finishScan?: (summary: ScanSummary) => void;
  private failScan?: (error: Error) => void;
  findExpiringSubscriptions(): Promise<ScanSummary> {
    return new Promise((resolve, reject) => {
      this.finishScan = resolve;
      this.failScan = reject;
    });
  }
  finish(summary: ScanSummary): void {
    this.finishScan?.(summary);
  }
  fail(error: Error): void {
    this.failScan?.(error);
  }
}

const NOW = new Date('2026-11-23T10:00:00Z');

/** 23 subscriptions ending from 10 days ago to 210 days ahead; one needs review, one is being migrated, one has a hostile name. */
function reportRows(): ExpiringSubscription[] {
  return Array.from({ length: 23 }, (_, index) => {
    const end = new Date(NOW.getTime() + (index * 10 - 10) * 86_400_000).toISOString().slice(0, 10);
    return row({
      customerId: `c${String(index).padStart(2, '0')}00000-0000-4000-8000-000000000000`,
      customerName: index === 2 ? 'Contoso [Beta] *Ltd* <script>' : `Customer ${String(index).padStart(2, '0')}`,
      subscriptionId: `5${String(index).padStart(2, '0')}00000-0000-4000-8000-000000000000`,
      commitmentEndDate: `${end}T00:00:00Z`,
      usersOnKaizala: 30 + index,
      quantity: 40 + index,
      status: index === 0 ? 'expired' : 'active',
      review: index === 3 ? { reason: 'bundledWithSuite', detail: 'SPE_E3' } : undefined,
    });
  });
}

async function storeWith(rows: ExpiringSubscription[]): Promise<Store> {
  const store = openSqliteStore(IN_MEMORY);
  for (const r of rows) await store.upsert('subscriptionsSeen', subscriptionKey(r.customerId, r.subscriptionId), r);
  return store;
}

function harness(store: Store, scans: Pick<ScanRunner, 'start'> = new ScanRunner({ scanner: new ControlledScanner(), logger: silentLogger })) {
  const notifier = new RecordingNotifier();
  const commands = new ExpiringCommands({
    report: new ExpiringReport({ store, timeZone: 'Europe/Berlin', now: () => NOW }),
    scans,
    notifier,
    logger: silentLogger,
  });
  const root = new RootDialog([commands]);
  const state = new ConversationState(new MemoryStorage());
  const dialogState = state.createProperty<DialogState>('dialogState');
  const adapter = new RecordingAdapter(async (context) => {
    await root.run(context, dialogState);
    await state.saveChanges(context, false);
  });
  const say = async (activity: string | Partial<Activity>): Promise<Partial<Activity>[]> => {
    await adapter.receiveActivity(activity);
    return adapter.activeQueue.splice(0);
  };
  return { adapter, notifier, say };
}

function cardOf(reply: Partial<Activity> | undefined): Json {
  const attachment = reply?.attachments?.[0];
  if (!attachment) throw new Error(`expected a card, got ${JSON.stringify(reply)}`);
  return attachment.content as Json;
}

function texts(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(texts);
  if (node && typeof node === 'object') {
    const record = node as Json;
    const own = ['text', 'title', 'value'].filter((key) => typeof record[key] === 'string').map((key) => record[key] as string);
    return [...own, ...Object.values(record).flatMap(texts)];
  }
  return [];
}

/** The report rows on a card: the containers that carry a FactSet. */
function rowsOf(card: Json): Json[] {
  return ((card.body as Json[]) ?? []).filter((element) => element.type === 'Container');
}

function submitData(node: unknown): Json[] {
  if (Array.isArray(node)) return node.flatMap(submitData);
  if (node && typeof node === 'object') {
    const record = node as Json;
    const own = record.type === 'Action.Submit' ? [record.data as Json] : [];
    return [...own, ...Object.values(record).flatMap(submitData)];
  }
  return [];
}

describe('the expiring command', () => {
  const validate = createCardValidator();

  it('shows the first page, most urgent first, ten rows, with Next and a Start migration button per row', async () => {
    const { say } = harness(await storeWith(reportRows()));
    const [reply] = await say('expiring');
    const card = cardOf(reply);
    expect(validate(card).errors).toEqual([]);
    expect(texts(card.body)).toContain('23 subscriptions, most urgent first. Days are counted in Europe/Berlin. Page 1 of 3.');
    const rows = rowsOf(card);
    expect(rows).toHaveLength(10);
    expect(texts(rows[0])).toEqual(expect.arrayContaining(['Customer 00', 'expired 10 days ago', 'Expired', '30 users · 40 seats bought']));
    expect(texts(rows[1])).toEqual(expect.arrayContaining(['Customer 01', 'ends today', 'Within 7 days']));
    expect(JSON.stringify(rows[0])).toContain('"color":"attention"');
    expect(JSON.stringify(rows[4])).toContain('"color":"default"');

    expect(card.actions).toEqual([expect.objectContaining({ title: 'Next', data: { command: 'expiring', page: 2 } })]);
    const migrate = submitData(card.body);
    expect(migrate).toHaveLength(9); // the row that needs review gets no button
    expect(migrate[0]).toEqual({ command: 'migrate', customerId: 'c0000000-0000-4000-8000-000000000000', subscriptionId: '50000000-0000-4000-8000-000000000000' });
  });

  it('shows a row that needs review with its reason and no migration button', async () => {
    const { say } = harness(await storeWith(reportRows()));
    const card = cardOf((await say('expiring'))[0]);
    const reviewRow = rowsOf(card)[3];
    expect(texts(reviewRow)).toContain('Needs review: its licence also carries Exchange or Office, so it is not standalone Kaizala Pro.');
    expect(submitData(reviewRow)).toEqual([]);
  });

  it('shows what is unknown about a row and why, and still offers its migration', async () => {
    const rows = reportRows();
    rows[1] = { ...rows[1], unknowns: [{ what: 'education', reason: 'qualifications unknown: Partner Center HTTP 404 1000: Not found; education plans not offered' }] };
    const { say } = harness(await storeWith(rows));
    const card = cardOf((await say('expiring'))[0]);
    expect(validate(card).errors).toEqual([]);
    const partialRow = rowsOf(card)[1];
    expect(texts(partialRow)).toContain(
      'Partly unknown, listed anyway: education eligibility (qualifications unknown: Partner Center HTTP 404 1000: Not found; education plans not offered)',
    );
    expect(submitData(partialRow)).toEqual([expect.objectContaining({ command: 'migrate' })]);
  });

  it('shows a customer name with markdown literally', async () => {
    const { say } = harness(await storeWith(reportRows()));
    const card = cardOf((await say('expiring'))[0]);
    expect(texts(rowsOf(card)[2])).toContain('Contoso [Beta] ∗Ltd∗ <\u2060script>');
  });

  it('pages with Next and Previous, replacing the card that was clicked', async () => {
    const { say, adapter } = harness(await storeWith(reportRows()));
    const replies = await say({ type: 'message', value: { command: 'expiring', page: 3 }, replyToId: 'card-1' });
    expect(replies).toEqual([]);
    expect(adapter.updates).toHaveLength(1);
    expect(adapter.updates[0].id).toBe('card-1');
    const card = cardOf(adapter.updates[0]);
    expect(texts(card.body)).toContain('23 subscriptions, most urgent first. Days are counted in Europe/Berlin. Page 3 of 3.');
    expect(rowsOf(card)).toHaveLength(3);
    expect(card.actions).toEqual([expect.objectContaining({ title: 'Previous', data: { command: 'expiring', page: 2 } })]);
  });

  it('keeps the days filter across pages', async () => {
    const { say } = harness(await storeWith(reportRows()));
    const card = cardOf((await say('expiring 150'))[0]);
    expect(texts(card.body)).toContain('17 subscriptions ending within 150 days, most urgent first. Days are counted in Europe/Berlin. Page 1 of 2.');
    expect(card.actions).toEqual([expect.objectContaining({ data: { command: 'expiring', page: 2, within: 150 } })]);
    const second = cardOf((await say({ type: 'message', value: { command: 'expiring', page: 2, within: 150 } }))[0]);
    expect(rowsOf(second)).toHaveLength(7);
  });

  it('clamps a page beyond the end to the last page', async () => {
    const { say } = harness(await storeWith(reportRows()));
    const card = cardOf((await say({ type: 'message', value: { command: 'expiring', page: 99 } }))[0]);
    expect(texts(card.body).join()).toContain('Page 3 of 3.');
  });

  it('speaks German to a German client', async () => {
    const { say } = harness(await storeWith(reportRows()));
    const card = cardOf((await say({ type: 'message', text: 'expiring', locale: 'de-DE' }))[0]);
    expect(texts(card.body)).toContain('Ablaufende Kaizala-Pro-Abonnements');
    expect(texts(rowsOf(card)[0])).toContain('seit 10 Tagen abgelaufen');
  });

  it('answers an empty report with a friendly message that suggests scan now', async () => {
    const { say } = harness(openSqliteStore(IN_MEMORY));
    const [reply] = await say('expiring');
    expect(reply.text).toBe('No Kaizala Pro subscriptions are recorded yet. Type **scan now** to scan Partner Center.');
  });

  it('names each customer the last scan could not read: "not scanned since <date>, <reason>", and a scan that stopped', async () => {
    const rows = reportRows();
    const store = await storeWith(rows);
    const health = new ScanHealth(store);
    await health.customerUnread(
      { customerId: rows[2].customerId, customerName: rows[2].customerName, kind: 'authorization', reason: 'Partner Center HTTP 403 900308: no GDAP role' },
      [{ ...rows[2], scannedAt: '2026-11-20T06:00:00Z' }],
      NOW,
    );
    await health.customerUnread({ customerId: 'c9900000-0000-4000-8000-000000000000', customerName: 'Never Read Ltd', kind: 'error', reason: 'HTTP 503' }, [], NOW);
    await health.scanStopped('Partner Center unavailable', new Date('2026-11-23T07:00:00Z'));
    const { say } = harness(store);
    const card = cardOf((await say('expiring'))[0]);
    expect(validate(card).errors).toEqual([]);
    expect(texts(card.body)).toEqual(
      expect.arrayContaining([
        'The last scan stopped on Nov 23, 2026 08:00 (Europe/Berlin): Partner Center unavailable. This report is from earlier scans.',
        'Customers the last scan could not read',
        // The hostile name is made literal (no markdown, no tags), as in the rows.
        expect.stringMatching(/^Contoso \[Beta\] ∗Ltd∗ <\u2060script>: not scanned since Nov 20, 2026, access denied: Partner Center HTTP 403 900308: no GDAP role$/),
        'Never Read Ltd: never scanned, error: HTTP 503',
      ]),
    );
    // Still the report's rows below.
    expect(rowsOf(card)).toHaveLength(10);
  });

  it('with nothing stored, still names the customers the last scan could not read', async () => {
    const store = openSqliteStore(IN_MEMORY);
    await new ScanHealth(store).customerUnread({ customerId: 'c1', customerName: 'Fabrikam', kind: 'authorization', reason: 'no GDAP role' }, [], NOW);
    const { say } = harness(store);
    const [reply] = await say('expiring');
    expect(reply.text).toContain('Fabrikam: never scanned, access denied: no GDAP role');
  });

  it('a card without scan problems shows none of their lines', async () => {
    const { say } = harness(await storeWith(reportRows()));
    const card = cardOf((await say('expiring'))[0]);
    expect(JSON.stringify(card)).not.toContain('could not read');
  });

  it('says so when nothing ends within the given days', async () => {
    const rows = reportRows().slice(5);
    const { say } = harness(await storeWith(rows));
    const [reply] = await say('expiring 7');
    expect(reply.text).toMatch(/^No Kaizala Pro subscription ends within 7 days\..*scan now/);
  });
});

function summary(fields: Partial<ScanSummary> = {}): ScanSummary {
  return {
    scanId: 's',
    startedAt: NOW.toISOString(),
    finishedAt: NOW.toISOString(),
    durationMs: 83_000,
    resumed: false,
    timeZone: 'Europe/Berlin',
    customersTotal: 44,
    customersScanned: 43,
    customersReused: 0,
    customersFailed: 0,
    subscriptionsFound: 47,
    subscriptionsKept: 0,
    needsReview: 1,
    partial: 0,
    discoveryTestFailed: 0,
    byUrgency: { ...emptyUrgencyCounts(), expired: 4, within7: 5 },
    urgent: 9,
    failures: [],
    warnings: [],
    ...fields,
  };
}

describe('scan now', () => {
  it('answers at once, refuses a second scan meanwhile, then posts the summary when the scan is done', async () => {
    const scanner = new ControlledScanner();
    const runner = new ScanRunner({ scanner, logger: silentLogger, now: () => Date.parse('2026-11-23T13:05:00Z') });
    const { say, notifier } = harness(openSqliteStore(IN_MEMORY), runner);

    const [first] = await say('scan now');
    expect(first.text).toBe('Scanning Partner Center for expiring Kaizala Pro subscriptions. I will post a summary here when it is done.');
    const [busy] = await say('scan now');
    expect(busy.text).toBe('A scan is already running (started at 14:05 (Europe/Berlin) by User1). Please wait for its summary, then type **expiring**.');

    scanner.finish(
      summary({
        customersFailed: 7,
        failures: [
          { customerId: 'c1', customerName: 'Humongous *Insurance*', kind: 'authorization', reason: 'Partner Center HTTP 403 900308: no GDAP role' },
          ...Array.from({ length: 6 }, (_, index) => ({ customerId: `e${index}`, customerName: `Broken ${index}`, kind: 'error' as const, reason: 'HTTP 503' })),
        ],
      }),
    );
    await runner.whenIdle();
    expect(notifier.sent).toHaveLength(1);
    expect(notifier.sent[0].text).toBe(
      'Scan finished in 1 min 23 s: 43 of 44 customers scanned, 47 Kaizala Pro subscriptions found, 9 urgent (expired or ending within 7 days), 1 need review. Type **expiring** to see them.\n\n' +
        '7 customers could not be scanned: Humongous ∗Insurance∗ (access denied: Partner Center HTTP 403 900308: no GDAP role); ' +
        'Broken 0 (error: HTTP 503); Broken 1 (error: HTTP 503); Broken 2 (error: HTTP 503); Broken 3 (error: HTTP 503); and 2 more\n\n' +
        "Access denied means the partner's GDAP relationship with that customer is missing or lacks the Directory Readers role: ask the customer's admin to grant it in Partner Center → Customers → Admin relationships; the next scan reads the customer again. " +
        'Other errors are usually temporary: the next scan tries again, or type scan now in a few minutes; if one keeps failing, tell your administrator.',
    );
    expect(notifier.sent[0].conversationId).toBeDefined();
  });

  it('says in the summary how many subscriptions are listed with something unknown', () => {
    expect(scanSummaryText(summary({ partial: 44 }), 'en')).toBe(
      'Scan finished in 1 min 23 s: 43 of 44 customers scanned, 47 Kaizala Pro subscriptions found, 9 urgent (expired or ending within 7 days), 1 need review. Type **expiring** to see them.\n\n' +
        '44 of them are listed with something unknown because a lookup failed; **expiring** shows what and why.',
    );
    expect(scanSummaryText(summary({ partial: 0 }), 'de')).not.toContain('unbekannt');
  });

  it('counts rows kept from customers the scan could not read, and tells the people who get all alerts about a scheduled scan', () => {
    const partial = summary({ customersFailed: 1, subscriptionsKept: 9, failures: [{ customerId: 'c', customerName: 'Fabrikam', kind: 'authorization', reason: 'no GDAP role' }] });
    expect(scanSummaryText(partial, 'en')).toContain('47 Kaizala Pro subscriptions found');
    expect(scanSummaryText(partial, 'en')).toContain('9 of them are kept from earlier scans of customers this scan could not read.');
    expect(scheduledScanReportText({ kind: 'partial', summary: partial }, 'UTC', 'en')).toMatch(
      /^The scheduled scan could not read every customer\.\n\nScan finished .*1 customer could not be scanned: Fabrikam \(access denied: no GDAP role\)\n\nAccess denied means [^\n]+$/s,
    );
    expect(scheduledScanReportText({ kind: 'stopped', at: '2026-11-23T07:00:00Z', reason: 'Partner Center unavailable' }, 'Europe/Berlin', 'en')).toBe(
      'The scheduled scan stopped at Nov 23, 2026 08:00 (Europe/Berlin) because of an error: Partner Center unavailable. Alerts went out from the last stored report. Type **expiring** to see it, or **scan now** to try again.',
    );
    expect(scheduledScanReportText({ kind: 'stopped', at: '2026-11-23T07:00:00Z', reason: 'x' }, 'UTC', 'de')).toContain('Die geplante Suche');
  });

  it('tells the person when the scan fails, with a reference to find it in the logs', async () => {
    const scanner = new ControlledScanner();
    const runner = new ScanRunner({ scanner, logger: silentLogger });
    const { say, notifier } = harness(openSqliteStore(IN_MEMORY), runner);
    await say('scan now');
    scanner.fail(new Error('disk full'));
    await runner.whenIdle();
    expect(notifier.sent.map((sent) => sent.text)).toEqual([expect.stringMatching(/^The scan stopped because of an error \(reference [0-9a-f]{8}\)/)]);
  });

  it('is refused when another bot instance is scanning', async () => {
    const runner: Pick<ScanRunner, 'start'> = { start: async () => ({ started: false }) };
    const { say } = harness(openSqliteStore(IN_MEMORY), runner);
    const [reply] = await say('scan now');
    expect(reply.text).toBe('A scan is already running on another instance of this bot. Please try again in a few minutes.');
  });
});
