import { createLogger } from '../../services/logging';
import { PartnerCalendar, classifyExpiry, type ScanSummary } from '../../services/scan';
import { admin, kaizalaInSandbox, setUpSandboxScan, storedRows, type Json, type SandboxKaizala, type SandboxScanSetup } from './support';

const UNREADABLE = 'Humongous Insurance';
const GRAPH_REFUSED = 'Lamna Healthcare';

describe('the expiry scan against the sandbox demo portfolio', () => {
  let setup: SandboxScanSetup;
  let expected: SandboxKaizala[];
  let summary: ScanSummary;
  const logLines: string[] = [];

  beforeAll(async () => {
    setup = await setUpSandboxScan({ timeZone: 'Europe/Berlin', logger: createLogger('info', (line) => logLines.push(line)) });
    expected = await kaizalaInSandbox(setup.sandbox);
    summary = await setup.scanner().findExpiringSubscriptions();
  });
  afterAll(() => setup.close());

  it('finds every Kaizala subscription of every readable customer, with the seats and users the sandbox holds', async () => {
    const rows = (await storedRows(setup.store)).filter((row) => row.customerName !== UNREADABLE);
    const readable = expected.filter((sub) => sub.companyName !== UNREADABLE);
    expect(readable.length).toBeGreaterThan(40);
    expect(rows.map((row) => row.subscriptionId).sort()).toEqual(readable.map((sub) => sub.subscriptionId).sort());
    for (const sub of readable) {
      const row = rows.find((candidate) => candidate.subscriptionId === sub.subscriptionId);
      expect({
        customerName: row?.customerName,
        quantity: row?.quantity,
        status: row?.status,
        commitmentEndDate: row?.commitmentEndDate,
        consumedUnits: row?.consumedUnits,
        usersOnKaizala: row?.usersOnKaizala,
      }).toEqual({
        customerName: sub.companyName,
        quantity: sub.quantity,
        status: sub.status,
        commitmentEndDate: sub.commitmentEndDate,
        consumedUnits: sub.consumed,
        usersOnKaizala: sub.holders,
      });
    }
    // The demo's E3, E5, Business and education suites carry Kaizala plans; none of them is mistaken for Kaizala Pro.
    expect(rows.every((row) => row.offerName === 'Microsoft Kaizala Pro' && row.review === undefined && row.unknowns === undefined)).toBe(true);
  });

  it('counts days in the partner time zone and totals urgencies in the summary', async () => {
    const rows = await storedRows(setup.store);
    const calendar = new PartnerCalendar('Europe/Berlin');
    for (const row of rows) {
      expect({ daysLeft: row.daysLeft, urgency: row.urgency }).toEqual(classifyExpiry(row.commitmentEndDate, new Date(row.scannedAt), calendar));
    }
    const expired = rows.filter((row) => row.urgency === 'expired').length;
    const within7 = rows.filter((row) => row.urgency === 'within7').length;
    expect(expired).toBeGreaterThan(0);
    expect(summary.byUrgency.expired).toBe(expired);
    expect(summary.urgent).toBe(expired + within7);
    expect(summary.subscriptionsFound).toBe(rows.length);
  });

  it('still lists the subscription of the customer whose licences nobody may read: SKU unknown, and why', async () => {
    const rows = (await storedRows(setup.store)).filter((row) => row.customerName === UNREADABLE);
    expect(rows.map((row) => row.subscriptionId).sort()).toEqual(expected.filter((sub) => sub.companyName === UNREADABLE).map((sub) => sub.subscriptionId).sort());
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(row).toMatchObject({ review: { reason: 'skuUnknown' }, discoveryTestMet: true, unknowns: [{ what: 'sku', reason: expect.stringContaining('900308') }] });
    }
    expect(summary.partial).toBe(rows.length);
  });

  it('reports the customer whose access is refused by name and reason, and scans all the others', () => {
    expect(summary.customersTotal).toBe(44);
    expect(summary.customersScanned).toBe(43);
    expect(summary.customersFailed).toBe(1);
    expect(summary.failures).toEqual([
      expect.objectContaining({ customerName: UNREADABLE, kind: 'authorization', reason: expect.stringContaining('900308') }),
    ]);
  });

  it('still reads the customer that refuses only Graph, through Partner Center, and says so', async () => {
    const rows = await storedRows(setup.store);
    expect(rows.find((row) => row.customerName === GRAPH_REFUSED)).toMatchObject({ usersSource: 'consumedUnits' });
    expect(summary.warnings).toEqual([expect.objectContaining({ customerName: GRAPH_REFUSED, message: expect.stringContaining('Graph refused access') })]);
  });

  it('logs its progress as "n of N customers"', () => {
    expect(logLines.some((line) => line.includes('Expiry scan: 44 of 44 customers (100%)'))).toBe(true);
    expect(logLines.filter((line) => /Expiry scan: \d+ of 44 customers/.test(line)).length).toBeGreaterThanOrEqual(10);
  });

  it('marks subscriptions with a pending or approved migration request, and not those whose request was rejected', async () => {
    const [first, second] = (await storedRows(setup.store)).filter((row) => row.customerName === 'Fabrikam Inc');
    const request = (id: string, status: string, subscriptionId: string) => ({ id, status, customerId: first.customerId, kaizalaSubscriptionId: subscriptionId });
    await setup.store.upsert('requests', 'r1', request('r1', 'approved', first.subscriptionId.toUpperCase()));
    await setup.store.upsert('requests', 'r2', request('r2', 'rejected', second.subscriptionId));
    await setup.scanner().findExpiringSubscriptions();
    const rows = await storedRows(setup.store);
    expect(rows.find((row) => row.subscriptionId === first.subscriptionId)?.migrating).toBe(true);
    expect(rows.find((row) => row.subscriptionId === second.subscriptionId)?.migrating).toBe(false);
  });

  it('on a re-scan, skips the SKU and user reads of customers whose Kaizala subscriptions and seats are unchanged', async () => {
    setup.calls.clear();
    const again = await setup.scanner().findExpiringSubscriptions();
    expect(again.customersReused).toBe(43);
    expect(again.partial).toBe(summary.partial);
    expect(setup.calls.get('listSubscriptions')).toBe(44);
    // Only the customer whose licences cannot be read is read in full again (its rows are partial).
    const unreadable = (await storedRows(setup.store)).filter((row) => row.customerName === UNREADABLE).length;
    expect(setup.calls.get('getSubscriptionProvisioningStatus')).toBe(unreadable);
    expect(setup.calls.get('listUsers')).toBeUndefined();
    expect(setup.calls.get('getQualifications')).toBe(1);
    expect(again.subscriptionsFound).toBe(summary.subscriptionsFound);
  });

  it('reads a customer in full again once its Kaizala seats change', async () => {
    const rows = await storedRows(setup.store);
    const contoso = rows.find((row) => row.customerName === 'Contoso Ltd');
    if (!contoso) throw new Error('Contoso Ltd missing');
    const state = await admin(setup.sandbox, 'GET', `/state/customers/${contoso.customerId}`);
    const holder = (state.users as Json[]).find((user) => (user.licenses as Json[]).some((license) => license.skuId === contoso.skuId));
    await admin(setup.sandbox, 'PATCH', `/customers/${contoso.customerId}/users/${holder.id}`, { licenses: [] });

    setup.calls.clear();
    const again = await setup.scanner().findExpiringSubscriptions();
    expect(again.customersReused).toBe(42);
    expect(setup.calls.get('listUsers')).toBe(1);
    const unreadable = (await storedRows(setup.store)).filter((row) => row.customerName === UNREADABLE).length;
    expect(setup.calls.get('getSubscriptionProvisioningStatus')).toBe(1 + unreadable);
    const updated = (await storedRows(setup.store)).find((row) => row.subscriptionId === contoso.subscriptionId);
    expect(updated).toMatchObject({ usersOnKaizala: contoso.usersOnKaizala - 1, consumedUnits: contoso.consumedUnits - 1 });
  });

  it('removes the row of a subscription that is gone', async () => {
    const rows = await storedRows(setup.store);
    const gone = rows.find((row) => row.customerName === 'Proseware Inc');
    if (!gone) throw new Error('Proseware Inc missing');
    await admin(setup.sandbox, 'PATCH', `/customers/${gone.customerId}/subscriptions/${gone.subscriptionId}`, { status: 'deleted' });
    await setup.scanner().findExpiringSubscriptions();
    const after = await storedRows(setup.store);
    expect(after.find((row) => row.subscriptionId === gone.subscriptionId)).toBeUndefined();
    expect(after).toHaveLength(rows.length - 1);
  });
});
