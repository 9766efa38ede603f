import type { ExpiringSubscription } from '../../services/domain/expiring';
import { subscriptionKey } from '../../services/domain/expiring';
import { parseCsv, row } from './reportHelpers';
import { ExpiringReport, formatCsv, formatJson, formatTable, toReportRow } from '../../services/scan';
import { IN_MEMORY, openSqliteStore, type Store } from '../../services/store';

async function storeWith(rows: ExpiringSubscription[]): Promise<Store> {
  const store = openSqliteStore(IN_MEMORY);
  for (const r of rows) await store.upsert('subscriptionsSeen', subscriptionKey(r.customerId, r.subscriptionId), r);
  return store;
}

describe('reading the stored report', () => {
  const now = () => new Date('2026-11-23T12:00:00Z');
  const rows = [
    row({ customerName: 'Zeta', subscriptionId: 's1', commitmentEndDate: '2026-12-01T00:00:00Z' }),
    row({ customerName: 'alpha', subscriptionId: 's2', commitmentEndDate: '2026-12-01T00:00:00Z' }),
    row({ customerName: 'Beta', subscriptionId: 's3', commitmentEndDate: '2026-11-20T00:00:00Z' }),
    row({ customerName: 'Gamma', subscriptionId: 's4', commitmentEndDate: '2027-06-01T00:00:00Z' }),
    row({ customerName: 'Delta', subscriptionId: 's5', commitmentEndDate: '2026-11-25T00:00:00Z' }),
    row({ customerName: 'Epsilon', subscriptionId: 's6', commitmentEndDate: '2026-12-20T00:00:00Z' }),
  ];

  it('recounts days for today, most urgent first, then by end date, then by customer name', async () => {
    const store = await storeWith(rows);
    const report = await new ExpiringReport({ store, timeZone: 'UTC', now }).read();
    expect(report.map((r) => [r.customerName, r.daysLeft, r.urgency])).toEqual([
      ['Beta', -3, 'expired'],
      ['Delta', 2, 'within7'],
      ['alpha', 8, 'within30'],
      ['Zeta', 8, 'within30'],
      ['Epsilon', 27, 'within30'],
      ['Gamma', 190, 'later'],
    ]);
    await store.close();
  });

  it('keeps only what ends within the given days, expired ones included', async () => {
    const store = await storeWith(rows);
    const report = await new ExpiringReport({ store, timeZone: 'UTC', now }).read({ withinDays: 8 });
    expect(report.map((r) => r.customerName)).toEqual(['Beta', 'Delta', 'alpha', 'Zeta']);
    expect(await new ExpiringReport({ store, timeZone: 'UTC', now }).read({ withinDays: 0 })).toHaveLength(1);
    await store.close();
  });

  it('shows a subscription as migrating while its request is pending or approved, from the requests table', async () => {
    const store = await storeWith(rows);
    const delta = rows[4];
    await store.upsert('requests', 'r1', { id: 'r1', status: 'pending', customerId: delta.customerId.toUpperCase(), kaizalaSubscriptionId: delta.subscriptionId });
    const report = await new ExpiringReport({ store, timeZone: 'UTC', now }).read();
    expect(report.filter((r) => r.migrating).map((r) => r.customerName)).toEqual(['Delta']);
    await store.upsert('requests', 'r1', { id: 'r1', status: 'withdrawn', customerId: delta.customerId, kaizalaSubscriptionId: delta.subscriptionId });
    expect((await new ExpiringReport({ store, timeZone: 'UTC', now }).read()).some((r) => r.migrating)).toBe(false);
    await store.close();
  });
});

describe('report formats', () => {
  const hostile = row({
    customerName: 'Contoso, "Beta"\nLtd',
    subscriptionId: 'sub-1',
    commitmentEndDate: '2026-12-05T00:00:00Z',
    daysLeft: 12,
    urgency: 'within30',
    review: { reason: 'bundledWithSuite', detail: 'SKU SPE_E3 carries KAIZALA_O365_P3 next to EXCHANGE_S_ENTERPRISE' },
  });
  const formula = row({
    customerName: '=HYPERLINK("http://evil")',
    subscriptionId: 'sub-2',
    commitmentEndDate: '2026-12-05T00:00:00Z',
    migrating: true,
    unknowns: [{ what: 'education', reason: 'qualifications unknown: Partner Center HTTP 404 600: not found; education plans not offered' }],
  });

  it('writes RFC 4180 CSV: a header, CRLF records, quoted fields with doubled quotes', () => {
    const csv = formatCsv([hostile, formula].map(toReportRow));
    expect(csv.endsWith('\r\n')).toBe(true);
    const [header, first, second] = parseCsv(csv);
    expect(header).toEqual([
      'customerId', 'customerName', 'subscriptionId', 'offerName', 'quantity', 'usersOnKaizala', 'consumedUnits',
      'commitmentEndDate', 'daysLeft', 'urgency', 'autoRenewEnabled', 'status', 'migrating', 'review', 'unknown',
    ]);
    expect(first[14]).toBe('');
    expect(second[14]).toBe('education: qualifications unknown: Partner Center HTTP 404 600: not found; education plans not offered');
    expect(first[1]).toBe('Contoso, "Beta"\nLtd');
    expect(first.slice(4, 14)).toEqual(['10', '8', '8', '2026-12-05T00:00:00Z', '12', 'within30', 'false', 'active', 'false', 'bundledWithSuite: SKU SPE_E3 carries KAIZALA_O365_P3 next to EXCHANGE_S_ENTERPRISE']);
    expect(second[12]).toBe('true');
  });

  it('keeps a spreadsheet from running a customer name as a formula', () => {
    const [, record] = parseCsv(formatCsv([toReportRow(formula)]));
    expect(record[1]).toBe('\'=HYPERLINK("http://evil")');
  });

  it('writes a JSON array of the report rows', () => {
    const parsed = JSON.parse(formatJson([toReportRow(hostile)])) as unknown[];
    expect(parsed).toEqual([expect.objectContaining({ customerName: 'Contoso, "Beta"\nLtd', daysLeft: 12, urgency: 'within30', review: expect.stringMatching(/^bundledWithSuite/) })]);
  });

  it('prints an aligned table without letting control characters reach the terminal', () => {
    const table = formatTable([hostile, formula, row({ customerName: 'Evil\u001b[2J', subscriptionId: 's3', commitmentEndDate: '2027-01-01T00:00:00Z' })].map(toReportRow));
    const lines = table.trimEnd().split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatch(/^Customer\s+Customer id\s+Subscription id\s+Offer\s+Qty\s+Users\s+Ends\s+Days\s+Urgency\s+Auto-renew\s+Status\s+Note$/);
    expect(table).not.toContain('\u001b');
    expect(lines[2]).toContain('Contoso, "Beta" Ltd');
    expect(lines[2]).toContain('needs review (bundledWithSuite)');
    expect(table).toContain('partial (education unknown), migration requested');
    expect(lines[2]).toContain('2026-12-05');
    expect(lines[3]).toContain('migration requested');
    const daysColumn = lines[0].indexOf('Days') + 'Days'.length;
    expect(lines[2].slice(0, daysColumn).endsWith('12')).toBe(true);
  });

  it('says so when the report is empty', () => {
    expect(formatTable([])).toBe('No Kaizala Pro subscriptions in the report.\n');
    expect(formatCsv([]).split('\r\n')).toHaveLength(2);
    expect(formatJson([])).toBe('[]\n');
  });
});
