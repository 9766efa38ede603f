/**
 * What a scan could not read is kept and shown: per customer "not scanned since <date>, <reason>", a scan that
 * stopped, and summaries that count the whole report after a partial re-scan (kept rows + rows read now).
 */
import { AdaptiveConcurrencyLimiter } from '../../services/http';
import { silentLogger } from '../../services/logging';
import { ExpiryScanner, ExpiringReport, ScanHealth, type ScanPartnerCenter } from '../../services/scan';
import { IN_MEMORY, openSqliteStore, type Store } from '../../services/store';
import { FakeBackend, apiError, kaizalaTenant } from './fakes';

const ids = Array.from({ length: 5 }, (_, i) => `${String(i + 1).repeat(8)}-0000-4000-8000-000000000000`);
const DAY_1 = new Date('2026-11-20T06:00:00Z');
const DAY_2 = new Date('2026-11-21T06:00:00Z');
const DAY_3 = new Date('2026-11-22T06:00:00Z');

function scannerAt(store: Store, partnerCenter: ScanPartnerCenter, backend: FakeBackend, now: () => Date): ExpiryScanner {
  return new ExpiryScanner({ partnerCenter, graph: backend.graph, store, limiter: new AdaptiveConcurrencyLimiter(), logger: silentLogger, timeZone: 'UTC', now });
}

describe('what a scan could not read', () => {
  it('after a partly failed re-scan the summary counts the whole report, and the unread customers are kept with since when and why', async () => {
    // Two Kaizala subscriptions per customer for the first two, one for the others: 7 rows in all.
    const tenants = ids.map((id, index) => kaizalaTenant(id, `Customer ${index}`));
    for (const tenant of tenants.slice(0, 2)) {
      const extra = { ...tenant.subscriptions[0], id: `${tenant.subscriptions[0].id.slice(0, -1)}9` };
      tenant.subscriptions.push(extra);
      tenant.skus[0].subscriptionIds.push(extra.id);
      tenant.provisioning[extra.id] = tenant.provisioning[tenant.subscriptions[0].id];
    }
    const backend = new FakeBackend(tenants);
    const store = openSqliteStore(IN_MEMORY);
    let now = DAY_1;
    const scanner = scannerAt(store, backend.partnerCenter, backend, () => now);
    const first = await scanner.findExpiringSubscriptions();
    expect(first).toMatchObject({ subscriptionsFound: 7, subscriptionsKept: 0, customersFailed: 0 });

    now = DAY_2;
    tenants[0].subscriptionsError = apiError('partnerCenter', 403, '900308', 'no GDAP role');
    tenants[3].subscriptionsError = apiError('partnerCenter', 500, '500', 'internal');
    const second = await scanner.findExpiringSubscriptions();
    const report = await new ExpiringReport({ store, timeZone: 'UTC', now: () => now }).read();
    // 4 rows read now, 3 kept from the first scan: the summary speaks for the 7 the report holds.
    expect(report).toHaveLength(7);
    expect(second).toMatchObject({ subscriptionsFound: 7, subscriptionsKept: 3, customersFailed: 2, customersScanned: 3 });
    const byUrgency = Object.values(second.byUrgency).reduce((sum, count) => sum + count, 0);
    expect(byUrgency).toBe(7);

    const unread = await new ScanHealth(store).unread();
    expect(unread).toEqual([
      expect.objectContaining({ customerName: 'Customer 0', kind: 'authorization', since: DAY_1.toISOString(), failedAt: DAY_2.toISOString() }),
      expect.objectContaining({ customerName: 'Customer 3', kind: 'error', since: DAY_1.toISOString() }),
    ]);
    expect(unread[0].reason).toContain('no GDAP role');

    // Still unreadable a day later: "since" stays the day it was last read; read again, it is cleared.
    now = DAY_3;
    tenants[3].subscriptionsError = undefined;
    await scanner.findExpiringSubscriptions();
    expect(await new ScanHealth(store).unread()).toEqual([expect.objectContaining({ customerName: 'Customer 0', since: DAY_1.toISOString(), failedAt: DAY_3.toISOString() })]);
    await store.close();
  });

  it('a customer never read is "never scanned"; a customer gone from the list is forgotten', async () => {
    const tenants = ids.slice(0, 2).map((id, index) => kaizalaTenant(id, `Customer ${index}`));
    tenants[1].subscriptionsError = apiError('partnerCenter', 403, '900308', 'no GDAP role');
    const backend = new FakeBackend(tenants);
    const store = openSqliteStore(IN_MEMORY);
    const scanner = scannerAt(store, backend.partnerCenter, backend, () => DAY_1);
    await scanner.findExpiringSubscriptions();
    const [unread] = await new ScanHealth(store).unread();
    expect(unread).toMatchObject({ customerName: 'Customer 1' });
    expect(unread.since).toBeUndefined();
    backend.tenants.delete(ids[1]);
    await scanner.findExpiringSubscriptions();
    expect(await new ScanHealth(store).unread()).toEqual([]);
    await store.close();
  });

  it('a scan that stops is recorded with when and why until a scan completes', async () => {
    const backend = new FakeBackend(ids.slice(0, 2).map((id, index) => kaizalaTenant(id, `Customer ${index}`)));
    const store = openSqliteStore(IN_MEMORY);
    let down = true;
    const partnerCenter: ScanPartnerCenter = {
      ...backend.partnerCenter,
      listAllCustomers: async () => {
        if (down) throw apiError('partnerCenter', 503, '503', 'Partner Center unavailable');
        return backend.partnerCenter.listAllCustomers();
      },
    };
    const scanner = scannerAt(store, partnerCenter, backend, () => DAY_1);
    await expect(scanner.findExpiringSubscriptions()).rejects.toThrow();
    const stopped = await new ScanHealth(store).stopped();
    expect(stopped).toMatchObject({ at: DAY_1.toISOString() });
    expect(stopped?.reason).toContain('Partner Center unavailable');
    down = false;
    await scanner.findExpiringSubscriptions();
    expect(await new ScanHealth(store).stopped()).toBeUndefined();
    await store.close();
  });
});
