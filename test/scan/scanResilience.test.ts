import { AdaptiveConcurrencyLimiter, TokenAcquisitionError } from '../../services/http';
import { silentLogger } from '../../services/logging';
import { CURSOR_KEY, ExpiryScanner, type ScanCursorRecord, type ScanGraph, type ScanPartnerCenter } from '../../services/scan';
import { IN_MEMORY, openSqliteStore, type Store } from '../../services/store';
import { FakeBackend, apiError, kaizalaTenant } from './fakes';
import { admin, kaizalaInSandbox, setUpSandboxScan, storedRows, type Json } from './support';

/** A store whose cursor writes start failing after `healthyWrites`, like a process killed mid-scan. */
function crashingStore(store: Store, healthyWrites: number): Store {
  let writes = 0;
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'upsert') {
        return async (table: string, key: string, value: unknown) => {
          if (table === 'scanCursor' && ++writes > healthyWrites) throw new Error('simulated crash');
          return target.upsert(table as 'scanCursor', key, value);
        };
      }
      const member: unknown = Reflect.get(target, property, receiver);
      return typeof member === 'function' ? (member as (...args: unknown[]) => unknown).bind(target) : member;
    },
  });
}

describe('the scan under Partner Center throttling', () => {
  it('completes every customer when the partner bucket is tiny, waiting out each Retry-After and shrinking its concurrency', async () => {
    // A fake clock shared by the sandbox's buckets, the tokens and ApiHttp's sleeps: a wait advances time at once.
    let clockMs = Date.now();
    const sleeps: number[] = [];
    const lowestLimits: number[] = [];
    const setup = await setUpSandboxScan({
      sandbox: { now: () => new Date(clockMs), knobs: { partnerRequestsPerMinute: 30 } },
      tokenNow: () => clockMs,
      now: () => new Date(clockMs),
      http: {
        now: () => clockMs,
        sleep: async (ms) => {
          sleeps.push(ms);
          lowestLimits.push(setup.limiter.limit);
          clockMs += ms;
          await new Promise((resolve) => setImmediate(resolve));
        },
      },
    });
    try {
      const summary = await setup.scanner().findExpiringSubscriptions();
      expect(summary.customersFailed).toBe(1); // the demo customer without access, nothing else
      expect(summary.customersScanned).toBe(43);
      expect(summary.subscriptionsFound).toBe((await storedRows(setup.store)).length);

      const { requests } = (await admin(setup.sandbox, 'GET', '/requests')) as { requests: Json[] };
      const throttled = requests.filter((entry) => entry.status === 429);
      expect(throttled.length).toBeGreaterThan(5);
      expect(setup.throttles).toHaveLength(throttled.length);
      // Every 429 was followed by a wait of exactly the Retry-After the sandbox sent.
      expect([...sleeps].sort((a, b) => a - b)).toEqual(throttled.map((entry) => entry.retryAfterSeconds * 1000).sort((a: number, b: number) => a - b));
      expect(Math.min(...lowestLimits)).toBe(1);
    } finally {
      await setup.close();
    }
  });
});

describe('the scan against a sandbox whose qualifications answer 404 or 403', () => {
  it.each([
    ['notFound', 404],
    ['forbidden', 403],
  ] as const)('qualificationsAnswer %s: every Kaizala subscription is still listed, education unknown and why, summary counts partial rows', async (answer, status) => {
    const setup = await setUpSandboxScan({ sandbox: { knobs: { qualificationsAnswer: answer } } });
    try {
      const summary = await setup.scanner().findExpiringSubscriptions();
      const rows = await storedRows(setup.store);
      const inSandbox = await kaizalaInSandbox(setup.sandbox);
      expect(rows.map((row) => row.subscriptionId).sort()).toEqual(inSandbox.map((sub) => sub.subscriptionId).sort());
      expect(summary.subscriptionsFound).toBe(rows.length);
      for (const row of rows) {
        expect(row.unknowns).toEqual(expect.arrayContaining([{ what: 'education', reason: expect.stringContaining(`qualifications unknown: Partner Center HTTP ${status}`) }]));
      }
      expect(summary.partial).toBe(rows.length);
      // Only the customer nobody may read is a failure; the qualifications never fail a customer.
      expect(summary.customersFailed).toBe(1);
      expect(rows.filter((row) => row.review === undefined).length).toBe(rows.length - rows.filter((row) => row.customerName === 'Humongous Insurance').length);
    } finally {
      await setup.close();
    }
  });
});

describe('resuming an interrupted scan', () => {
  it('continues from the cursor after a crash, redoing none of the customers it had finished', async () => {
    const setup = await setUpSandboxScan();
    try {
      const crashing = crashingStore(setup.store, 1 + 20);
      await expect(setup.scanner({ store: crashing }).findExpiringSubscriptions()).rejects.toThrow('simulated crash');
      const cursor = (await setup.store.get<ScanCursorRecord>('scanCursor', CURSOR_KEY))?.value;
      expect(cursor).toMatchObject({ status: 'running', customersDone: 20, customersTotal: 44 });
      const rowsAfterCrash = (await storedRows(setup.store)).length;
      expect(rowsAfterCrash).toBeGreaterThan(0);

      setup.calls.clear();
      const summary = await setup.scanner().findExpiringSubscriptions();
      expect(summary.resumed).toBe(true);
      expect(summary.scanId).toBe(cursor?.scanId);
      expect(setup.calls.get('listSubscriptions')).toBe(44 - 20);
      expect(summary.customersScanned + summary.customersFailed).toBe(44);

      const uninterrupted = await setUpSandboxScan();
      try {
        const reference = await uninterrupted.scanner().findExpiringSubscriptions();
        expect(summary.subscriptionsFound).toBe(reference.subscriptionsFound);
        expect(summary.byUrgency).toEqual(reference.byUrgency);
        expect((await storedRows(setup.store)).map((row) => row.subscriptionId).sort()).toEqual(
          (await storedRows(uninterrupted.store)).map((row) => row.subscriptionId).sort(),
        );
      } finally {
        await uninterrupted.close();
      }
      expect((await setup.store.get<ScanCursorRecord>('scanCursor', CURSOR_KEY))?.value.status).toBe('completed');
    } finally {
      await setup.close();
    }
  });

  it('starts afresh instead when the interrupted scan is too old to continue', async () => {
    const setup = await setUpSandboxScan();
    try {
      await expect(setup.scanner({ store: crashingStore(setup.store, 5) }).findExpiringSubscriptions()).rejects.toThrow('simulated crash');
      setup.calls.clear();
      const later = new Date(Date.now() + 25 * 3_600_000);
      const summary = await setup.scanner({ now: () => later }).findExpiringSubscriptions();
      expect(summary.resumed).toBe(false);
      expect(setup.calls.get('listSubscriptions')).toBe(44);
    } finally {
      await setup.close();
    }
  });
});

describe('the scan with many customers', () => {
  function slowed(backend: FakeBackend, inFlight: { now: number; max: number }): { partnerCenter: ScanPartnerCenter; graph: ScanGraph } {
    const wrap = <T extends object>(target: T): T =>
      new Proxy(target, {
        get(object, property) {
          const member: unknown = Reflect.get(object, property);
          if (typeof member !== 'function') return member;
          return async (...args: unknown[]) => {
            inFlight.now++;
            inFlight.max = Math.max(inFlight.max, inFlight.now);
            try {
              await new Promise((resolve) => setTimeout(resolve, 2));
              return await (member as (...a: unknown[]) => Promise<unknown>).apply(object, args);
            } finally {
              inFlight.now--;
            }
          };
        },
      });
    return { partnerCenter: wrap(backend.partnerCenter), graph: wrap(backend.graph) };
  }

  const ids = Array.from({ length: 30 }, (_, index) => `${String(index).padStart(8, '0')}-0000-4000-8000-000000000000`);

  it('keeps at most four calls in flight, yet works on several customers at once', async () => {
    const backend = new FakeBackend(ids.map((id, index) => kaizalaTenant(id, `Customer ${index}`)));
    const inFlight = { now: 0, max: 0 };
    const store = openSqliteStore(IN_MEMORY);
    const scanner = new ExpiryScanner({ ...slowed(backend, inFlight), store, limiter: new AdaptiveConcurrencyLimiter(), logger: silentLogger, timeZone: 'UTC' });
    const summary = await scanner.findExpiringSubscriptions();
    expect(summary.subscriptionsFound).toBe(30);
    expect(inFlight.max).toBe(4);
    await store.close();
  });

  it('forgets the rows of customers that are no longer in the customer list', async () => {
    const backend = new FakeBackend(ids.slice(0, 3).map((id, index) => kaizalaTenant(id, `Customer ${index}`)));
    const store = openSqliteStore(IN_MEMORY);
    const scanner = new ExpiryScanner({ partnerCenter: backend.partnerCenter, graph: backend.graph, store, limiter: new AdaptiveConcurrencyLimiter(), logger: silentLogger, timeZone: 'UTC' });
    await scanner.findExpiringSubscriptions();
    expect(await storedRows(store)).toHaveLength(3);
    backend.tenants.delete(ids[1]);
    await scanner.findExpiringSubscriptions();
    expect((await storedRows(store)).map((row) => row.customerId).sort()).toEqual([ids[0], ids[2]]);
    await store.close();
  });

  it('lists every expiring subscription whatever secondary lookup failed, and the summary says how many rows are partial', async () => {
    const tenants = ids.slice(0, 5).map((id, index) => kaizalaTenant(id, `Customer ${index}`));
    tenants[0].qualificationsError = apiError('partnerCenter', 404, '600', 'no qualifications');
    tenants[1].qualificationsError = apiError('partnerCenter', 403, '900308', 'no GDAP role');
    tenants[2].provisioningError = apiError('partnerCenter', 500, '500', 'internal');
    tenants[3].graphError = apiError('graph', 403, 'Authorization_RequestDenied');
    tenants[3].partnerCenterUserError = apiError('partnerCenter', 403, '900308', 'no GDAP role');
    const backend = new FakeBackend(tenants);
    const store = openSqliteStore(IN_MEMORY);
    const scanner = new ExpiryScanner({ partnerCenter: backend.partnerCenter, graph: backend.graph, store, limiter: new AdaptiveConcurrencyLimiter(), logger: silentLogger, timeZone: 'UTC' });
    const summary = await scanner.findExpiringSubscriptions();

    const rows = await storedRows(store);
    expect(rows.map((row) => row.customerName).sort()).toEqual(tenants.map((tenant) => tenant.customer.companyProfile.companyName).sort());
    expect(summary.subscriptionsFound).toBe(5);
    // Qualifications 404 and 403 (education unknown) and both licence APIs refused (SKU unknown); provisioning
    // status alone is made up for by Graph's subscription link, so that row is complete.
    expect(summary.partial).toBe(3);
    expect(rows.filter((row) => row.unknowns).map((row) => [row.customerName, row.unknowns?.map((unknown) => unknown.what)])).toEqual(
      expect.arrayContaining([['Customer 0', ['education']], ['Customer 1', ['education']], ['Customer 3', ['sku']]]),
    );
    expect(summary.customersFailed).toBe(1);
    expect(summary.failures).toEqual([expect.objectContaining({ customerName: 'Customer 3', kind: 'authorization' })]);
    expect(summary.customersScanned).toBe(4);
    expect(summary.byUrgency.later + summary.byUrgency.within90 + summary.byUrgency.within60 + summary.byUrgency.within30 + summary.byUrgency.within7 + summary.byUrgency.expired).toBe(5);
    await store.close();
  });

  it('keeps the earlier rows of a customer that cannot be read this time', async () => {
    const tenants = ids.slice(0, 2).map((id, index) => kaizalaTenant(id, `Customer ${index}`));
    const backend = new FakeBackend(tenants);
    const store = openSqliteStore(IN_MEMORY);
    const scanner = new ExpiryScanner({ partnerCenter: backend.partnerCenter, graph: backend.graph, store, limiter: new AdaptiveConcurrencyLimiter(), logger: silentLogger, timeZone: 'UTC' });
    await scanner.findExpiringSubscriptions();
    tenants[0].subscriptionsError = new TokenAcquisitionError({
      source: 'partnerCenter',
      tenantId: ids[0],
      code: 'invalid_client',
      retryable: false,
    });
    const summary = await scanner.findExpiringSubscriptions();
    expect(summary.failures).toEqual([expect.objectContaining({ customerName: 'Customer 0', kind: 'authorization' })]);
    expect(await storedRows(store)).toHaveLength(2);
    await store.close();
  });
});
