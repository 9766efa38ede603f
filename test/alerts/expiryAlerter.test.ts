import { Assignments } from '../../services/alerts/assignments';
import { AlertLedger, CLAIM_LEASE_MS } from '../../services/alerts/alertLedger';
import type { AlertNotifier } from '../../services/alerts/notifier';
import { ExpiryAlerter, MAX_DIGEST_ROWS } from '../../services/alerts/expiryAlerter';
import { DEFAULT_ALERT_THRESHOLDS } from '../../services/alerts/levels';
import { AlertPreferences } from '../../services/alerts/preferences';
import type { ExpiringSubscription } from '../../services/domain/expiring';
import type { Person } from '../../services/domain/people';
import { silentLogger } from '../../services/logging';
import { openSqliteStore } from '../../services/store/sqliteStore';
import type { Store } from '../../services/store/store';
import { ALEX, FakeNotifier, MEGAN, TODAY, row, saveRows, tempDir } from './support';

function alerter(store: Store, notifier: AlertNotifier, now: Date = TODAY): ExpiryAlerter {
  return new ExpiryAlerter({ store, notifier, thresholds: DEFAULT_ALERT_THRESHOLDS, timeZone: 'UTC', logger: silentLogger, now: () => now });
}

const later = (ms: number): Date => new Date(TODAY.getTime() + ms);

async function assign(store: Store, person: Person, ...subs: ExpiringSubscription[]): Promise<void> {
  for (const s of subs) await new Assignments(store).set(s.customerId, s.customerName, person, 'command');
}

describe('the alert run', () => {
  const temp = tempDir('kma-alerts-');
  afterAll(() => temp.remove());

  it('never sends an alert twice, even after a restart on the same SQLite file', async () => {
    const dir = `${temp.dir}/restart`;
    const sub = row({ daysLeft: 25 });
    const notifier = new FakeNotifier();

    const first = openSqliteStore(dir);
    await saveRows(first, sub);
    await assign(first, MEGAN, sub);
    expect(await alerter(first, notifier).sendDueAlerts()).toMatchObject({ due: 1, sent: 1 });
    await first.close();

    const afterRestart = openSqliteStore(dir);
    expect(await alerter(afterRestart, notifier).sendDueAlerts()).toMatchObject({ due: 0, sent: 0 });
    await afterRestart.close();
    expect(notifier.pairs()).toEqual([`${MEGAN.aadObjectId}→${sub.subscriptionId}`]);
  });

  it('two instances running at once on one database send each alert once', async () => {
    const dir = `${temp.dir}/two-instances`;
    const subs = Array.from({ length: 4 }, () => row({ daysLeft: 10 }));
    const setup = openSqliteStore(dir);
    await saveRows(setup, ...subs);
    await assign(setup, MEGAN, ...subs);
    await setup.close();

    const [a, b] = [openSqliteStore(dir), openSqliteStore(dir)];
    const notifier = new FakeNotifier();
    const [ra, rb] = await Promise.all([alerter(a, notifier).sendDueAlerts(), alerter(b, notifier).sendDueAlerts()]);
    await Promise.all([a.close(), b.close()]);

    expect(notifier.pairs().sort()).toEqual(subs.map((s) => `${MEGAN.aadObjectId}→${s.subscriptionId}`).sort());
    expect(ra.sent + rb.sent).toBe(4);
    expect(ra.claimedElsewhere + rb.claimedElsewhere).toBe(4);
  });

  it('writes the claim before sending and records the sent message after', async () => {
    const store = openSqliteStore(':memory:');
    const sub = row({ daysLeft: 3 });
    await saveRows(store, sub);
    await assign(store, MEGAN, sub);
    const statusesSeenWhileSending: string[] = [];
    const notifier = new FakeNotifier();
    const send = notifier.sendAlert.bind(notifier);
    notifier.sendAlert = async (recipient, alert) => {
      statusesSeenWhileSending.push(...(await new AlertLedger(store).all()).map((r) => r.value.status));
      return send(recipient, alert);
    };
    await alerter(store, notifier).sendDueAlerts();
    expect(statusesSeenWhileSending).toEqual(['claimed']);
    const [record] = await new AlertLedger(store).all();
    expect(record.value).toMatchObject({ status: 'sent', level: 7, attempts: 1, digest: false, message: { activityId: 'activity-1' } });
  });

  it('escalates across runs as days pass: 60, then 30, then only 1 when 7 and 1 are crossed together', async () => {
    const store = openSqliteStore(':memory:');
    const notifier = new FakeNotifier();
    const sub = row({ daysLeft: 45 });
    await saveRows(store, sub);
    await assign(store, MEGAN, sub);
    const levels = async (daysLeft: number) => {
      const daysLater = new Date(TODAY.getTime() + (45 - daysLeft) * 86_400_000);
      await alerter(store, notifier, daysLater).sendDueAlerts();
      return (await new AlertLedger(store).all()).map((r) => r.value.level).sort();
    };
    expect(await levels(45)).toEqual([60]);
    expect(await levels(40)).toEqual([60]);
    expect(await levels(29)).toEqual([30, 60]);
    expect(await levels(1)).toEqual([1, 30, 60]);
    expect(notifier.delivered.map((d) => d.daysLeft[0])).toEqual([45, 29, 1]);
  });

  it('turns more than five due alerts for one person into one digest, and five or fewer into single cards', async () => {
    const store = openSqliteStore(':memory:');
    const notifier = new FakeNotifier();
    const many = Array.from({ length: 6 }, (_, i) => row({ daysLeft: 20 - i }));
    const few = Array.from({ length: 5 }, () => row({ daysLeft: 20 }));
    await saveRows(store, ...many, ...few);
    await assign(store, MEGAN, ...many);
    await assign(store, ALEX, ...few);

    const summary = await alerter(store, notifier).sendDueAlerts();
    expect(summary).toMatchObject({ due: 11, sent: 11, digests: 1 });
    const megan = notifier.delivered.filter((d) => d.to === MEGAN.aadObjectId);
    expect(megan).toHaveLength(1);
    expect(megan[0]).toMatchObject({ kind: 'digest', daysLeft: [15, 16, 17, 18, 19, 20] });
    expect(notifier.delivered.filter((d) => d.to === ALEX.aadObjectId).map((d) => d.kind)).toEqual(['alert', 'alert', 'alert', 'alert', 'alert']);
    const records = await new AlertLedger(store).all();
    expect(records.filter((r) => r.value.digest)).toHaveLength(6);
  });

  it(`splits a very long digest into cards of ${MAX_DIGEST_ROWS} rows`, async () => {
    const store = openSqliteStore(':memory:');
    const notifier = new FakeNotifier();
    const subs = Array.from({ length: MAX_DIGEST_ROWS + 3 }, () => row({ daysLeft: 50 }));
    await saveRows(store, ...subs);
    await assign(store, MEGAN, ...subs);
    await alerter(store, notifier).sendDueAlerts();
    expect(notifier.delivered.map((d) => [d.kind, d.subscriptionIds.length])).toEqual([
      ['digest', MAX_DIGEST_ROWS],
      ['digest', 3],
    ]);
    // Each part says which slice of the total it carries and how many messages follow.
    expect(notifier.delivered.map((d) => d.part)).toEqual([
      { from: 1, to: MAX_DIGEST_ROWS, total: MAX_DIGEST_ROWS + 3, messagesLeft: 1 },
      { from: MAX_DIGEST_ROWS + 1, to: MAX_DIGEST_ROWS + 3, total: MAX_DIGEST_ROWS + 3, messagesLeft: 0 },
    ]);
  });

  it('one person failing or unreachable does not stop the others, and the failed alert is tried again next run', async () => {
    const store = openSqliteStore(':memory:');
    const notifier = new FakeNotifier();
    const forMegan = row({ daysLeft: 12 });
    const forAlex = row({ daysLeft: 12 });
    await saveRows(store, forMegan, forAlex);
    await assign(store, MEGAN, forMegan);
    await assign(store, ALEX, forAlex);
    notifier.failing.add(MEGAN.aadObjectId);

    expect(await alerter(store, notifier).sendDueAlerts()).toMatchObject({ sent: 1, failed: 1 });
    expect(notifier.pairs()).toEqual([`${ALEX.aadObjectId}→${forAlex.subscriptionId}`]);

    notifier.failing.clear();
    expect(await alerter(store, notifier).sendDueAlerts()).toMatchObject({ due: 1, sent: 1 });
    const meganRecord = (await new AlertLedger(store).all()).find((r) => r.value.recipient.aadObjectId === MEGAN.aadObjectId);
    expect(meganRecord?.value).toMatchObject({ status: 'sent', attempts: 2 });
  });

  it('claims nothing for someone who never installed the bot, so they get the alert once they do', async () => {
    const store = openSqliteStore(':memory:');
    const notifier = new FakeNotifier();
    const sub = row({ daysLeft: 12 });
    await saveRows(store, sub);
    await assign(store, MEGAN, sub);
    notifier.unreachable.add(MEGAN.aadObjectId);
    expect(await alerter(store, notifier).sendDueAlerts()).toMatchObject({ due: 1, unreachable: 1, sent: 0 });
    expect(await new AlertLedger(store).all()).toEqual([]);
    notifier.unreachable.clear();
    expect(await alerter(store, notifier).sendDueAlerts()).toMatchObject({ sent: 1 });
  });

  it('a snooze holds alerts back for seven days, then the level still due is sent', async () => {
    const store = openSqliteStore(':memory:');
    const notifier = new FakeNotifier();
    const sub = row({ daysLeft: 20 });
    await saveRows(store, sub);
    await assign(store, MEGAN, sub);
    await new AlertPreferences(store).snooze(MEGAN, sub.customerId, sub.subscriptionId, new Date(TODAY.getTime() + 7 * 86_400_000));

    expect(await alerter(store, notifier).sendDueAlerts()).toMatchObject({ due: 0 });
    const eightDaysLater = new Date(TODAY.getTime() + 8 * 86_400_000);
    expect(await alerter(store, notifier, eightDaysLater).sendDueAlerts()).toMatchObject({ due: 1, sent: 1 });
    expect(notifier.delivered[0].daysLeft).toEqual([12]);
  });

  it('a claim older than its lease is taken over and sent by another run; a fresh one is left to its sender', async () => {
    const store = openSqliteStore(':memory:');
    const sub = row({ daysLeft: 12 });
    await saveRows(store, sub);
    await assign(store, MEGAN, sub);
    // A run claimed the alert and died before sending it.
    const ledger = new AlertLedger(store);
    const claim = { customerId: sub.customerId, subscriptionId: sub.subscriptionId, recipient: MEGAN, level: 14 as const, daysLeft: 12 };
    expect(await ledger.claim(claim, undefined, TODAY)).toBeDefined();
    expect(await ledger.claim(claim, undefined, TODAY)).toBeUndefined();

    const notifier = new FakeNotifier();
    expect(await alerter(store, notifier, later(CLAIM_LEASE_MS - 1)).sendDueAlerts()).toMatchObject({ due: 0, sent: 0 });
    expect(notifier.pairs()).toEqual([]);

    expect(await alerter(store, notifier, later(CLAIM_LEASE_MS)).sendDueAlerts()).toMatchObject({ due: 1, sent: 1, reclaimed: 1 });
    expect(notifier.pairs()).toEqual([`${MEGAN.aadObjectId}→${sub.subscriptionId}`]);
    const [record] = await ledger.all();
    expect(record.value).toMatchObject({ status: 'sent', attempts: 2 });
    expect(record.value.leaseUntil).toBeUndefined();
    expect(await alerter(store, notifier, later(2 * CLAIM_LEASE_MS)).sendDueAlerts()).toMatchObject({ due: 0 });
  });

  it('claims one alert at a time: while the first is being sent the others are not yet claimed', async () => {
    const store = openSqliteStore(':memory:');
    const subs = [row({ daysLeft: 3 }), row({ daysLeft: 4 }), row({ daysLeft: 5 })];
    await saveRows(store, ...subs);
    await assign(store, MEGAN, ...subs);
    const seen: string[][] = [];
    const notifier = new FakeNotifier();
    const send = notifier.sendAlert.bind(notifier);
    notifier.sendAlert = async (recipient, alert) => {
      seen.push((await new AlertLedger(store).all()).map((r) => `${r.value.daysLeft}:${r.value.status}`).sort());
      return send(recipient, alert);
    };
    await alerter(store, notifier).sendDueAlerts();
    expect(seen).toEqual([['3:claimed'], ['3:sent', '4:claimed'], ['3:sent', '4:sent', '5:claimed']]);
  });

  it('a digest claims only its own rows before it is sent', async () => {
    const store = openSqliteStore(':memory:');
    const subs = Array.from({ length: MAX_DIGEST_ROWS + 2 }, () => row({ daysLeft: 50 }));
    await saveRows(store, ...subs);
    await assign(store, MEGAN, ...subs);
    const claimedWhileSending: number[] = [];
    const notifier = new FakeNotifier();
    const send = notifier.sendDigest.bind(notifier);
    notifier.sendDigest = async (recipient, alerts) => {
      claimedWhileSending.push((await new AlertLedger(store).all()).filter((r) => r.value.status === 'claimed').length);
      return send(recipient, alerts);
    };
    await alerter(store, notifier).sendDueAlerts();
    expect(claimedWhileSending).toEqual([MAX_DIGEST_ROWS, 2]);
  });

  it('renews the claim while a send is slow, so a second instance does not take it over', async () => {
    const store = openSqliteStore(':memory:');
    const sub = row({ daysLeft: 12 });
    await saveRows(store, sub);
    await assign(store, MEGAN, sub);
    const leaseMs = 150;
    let clock = TODAY.getTime();
    const notifier = new FakeNotifier();
    const send = notifier.sendAlert.bind(notifier);
    let secondRun: Awaited<ReturnType<ExpiryAlerter['sendDueAlerts']>> | undefined;
    notifier.sendAlert = async (recipient, alert) => {
      // The send takes three leases; the clock moves with real time meanwhile.
      for (let i = 0; i < 6; i++) {
        await new Promise((resolve) => setTimeout(resolve, leaseMs / 2));
        clock += leaseMs / 2;
      }
      secondRun = await second.sendDueAlerts();
      return send(recipient, alert);
    };
    const options = { store, thresholds: DEFAULT_ALERT_THRESHOLDS, timeZone: 'UTC', logger: silentLogger, now: () => new Date(clock), claimLeaseMs: leaseMs };
    const first = new ExpiryAlerter({ ...options, notifier });
    const second = new ExpiryAlerter({ ...options, notifier: new FakeNotifier() });
    expect(await first.sendDueAlerts()).toMatchObject({ sent: 1 });
    expect(secondRun).toMatchObject({ due: 0, sent: 0 });
    expect(notifier.pairs()).toHaveLength(1);
  });

  it('tells when the claims a dead run left behind expire, so a restarted bot can send them at once', async () => {
    const store = openSqliteStore(':memory:');
    const notifier = new FakeNotifier();
    expect(await alerter(store, notifier).claimsLeftBehindFreeAt()).toBeUndefined();
    const sub = row({ daysLeft: 12 });
    await saveRows(store, sub);
    await assign(store, MEGAN, sub);
    await new AlertLedger(store).claim({ customerId: sub.customerId, subscriptionId: sub.subscriptionId, recipient: MEGAN, level: 14, daysLeft: 12 }, undefined, TODAY);
    expect(await alerter(store, notifier).claimsLeftBehindFreeAt()).toEqual(later(CLAIM_LEASE_MS));
    await alerter(store, notifier, later(CLAIM_LEASE_MS)).sendDueAlerts();
    expect(await alerter(store, notifier).claimsLeftBehindFreeAt()).toBeUndefined();
  });
});
