import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CONNECTION_VERBS } from '../../bot/connectionHandlers';
import { TeamsConnectionNotifier } from '../../bot/connectionNotifier';
import { ConnectionAlerts, FAILURE_ALERT_QUIET_MS, PartnerAdmins } from '../../services/auth/connectionAlerts';
import { BackgroundWork } from '../../services/background';
import { silentLogger } from '../../services/logging';
import { openSqliteStore, type SqliteStore } from '../../services/store/sqliteStore';
import { ALEX, cardText, FakeMessenger, MEGAN } from '../wizard/support';
import { actionsOf, connectedStatus, DAY_MS, FakePartnerConnection, FakePeople, T0 } from './support';

/** Two admins (one by object id, one by UPN), the real Teams notifier over a fake messenger, a store on disk. */
function setUp() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kma-connect-'));
  const clock = { now: T0 };
  const connection = new FakePartnerConnection(() => clock.now);
  const people = new FakePeople();
  people.upns.set(MEGAN.aadObjectId, 'megan.bowen@partner.example');
  const messenger = new FakeMessenger();
  const stores: SqliteStore[] = [];
  const backgrounds: BackgroundWork[] = [];
  /** One bot instance: its own store handle, notifier and background work, the same database file. */
  const instance = () => {
    const store = openSqliteStore(dataDir);
    const background = new BackgroundWork(silentLogger);
    stores.push(store);
    backgrounds.push(background);
    return new ConnectionAlerts({
      store,
      connection,
      admins: new PartnerAdmins([ALEX.aadObjectId, 'megan.bowen@partner.example'], people),
      notifier: new TeamsConnectionNotifier(messenger, () => clock.now),
      background,
      logger: silentLogger,
      now: () => clock.now,
    });
  };
  const cards = () => messenger.sent.map((s) => ({ to: s.aadObjectId, text: cardText(s.content), verbs: actionsOf(s.content).map((a) => a.verb) }));
  const settle = async () => {
    for (const background of backgrounds) await background.idle();
  };
  const cleanup = async () => {
    for (const store of stores) await store.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  return { clock, connection, people, messenger, instance, cards, settle, cleanup };
}

describe('admin cards about the stored sign-in’s age', () => {
  it('sends the 60-day and the 80-day card once each, across two sweeps a day and a restart', async () => {
    const w = setUp();
    try {
      w.connection.current = connectedStatus(0);
      let alerts = w.instance();
      for (let day = 0; day <= 85; day++) {
        w.clock.now = T0 + day * DAY_MS;
        await alerts.sweep();
        if (day === 70) alerts = w.instance(); // a restart: new process, same store
        await alerts.sweep();
      }
      const sent = w.cards();
      expect(sent.map((c) => [c.to, c.text.split('\n')[0]])).toEqual([
        [ALEX.aadObjectId, 'Partner Center sign-in: 60 days without use'],
        [MEGAN.aadObjectId, 'Partner Center sign-in: 60 days without use'],
        [ALEX.aadObjectId, 'Partner Center sign-in: 80 days without use'],
        [MEGAN.aadObjectId, 'Partner Center sign-in: 80 days without use'],
      ]);
      for (const card of sent) {
        expect(card.verbs).toEqual([CONNECTION_VERBS.reconnect]);
        expect(card.text).toContain('pc.admin@partner.example');
      }
    } finally {
      await w.cleanup();
    }
  });

  it('sends one card per admin, not one per threshold, when the first sweep finds the token already past 80 days', async () => {
    const w = setUp();
    try {
      w.connection.current = connectedStatus(85);
      await w.instance().sweep();
      await w.instance().sweep();
      w.clock.now = T0 + DAY_MS;
      await w.instance().sweep();
      // One card per admin, not one per threshold passed: both thresholds are remembered as sent.
      expect(w.cards().map((c) => [c.to, c.text.split('\n')[0]])).toEqual([
        [ALEX.aadObjectId, 'Partner Center sign-in: 85 days without use'],
        [MEGAN.aadObjectId, 'Partner Center sign-in: 85 days without use'],
      ]);
    } finally {
      await w.cleanup();
    }
  });

  it('says nothing while the token is renewed, and starts over for a new token', async () => {
    const w = setUp();
    try {
      const alerts = w.instance();
      w.connection.current = connectedStatus(59);
      await alerts.sweep();
      expect(w.cards()).toEqual([]);
      w.connection.current = connectedStatus(61);
      await alerts.sweep();
      expect(w.cards()).toHaveLength(2);
      // A scan redeemed the token (a new one, issued now); 61 days later it warns again.
      w.connection.current = connectedStatus(0);
      await alerts.sweep();
      w.clock.now = T0 + 61 * DAY_MS;
      await alerts.sweep();
      expect(w.cards()).toHaveLength(4);
    } finally {
      await w.cleanup();
    }
  });

  it('keeps an admin’s card for the next sweep while the bot cannot reach them', async () => {
    const w = setUp();
    try {
      w.messenger.unknown.add(MEGAN.aadObjectId);
      w.connection.current = connectedStatus(60);
      const alerts = w.instance();
      await alerts.sweep();
      expect(w.cards().map((c) => c.to)).toEqual([ALEX.aadObjectId]);
      w.messenger.unknown.delete(MEGAN.aadObjectId);
      await alerts.sweep();
      expect(w.cards().map((c) => c.to)).toEqual([ALEX.aadObjectId, MEGAN.aadObjectId]);
    } finally {
      await w.cleanup();
    }
  });

  it('warns nobody when the partner was never connected', async () => {
    const w = setUp();
    try {
      await w.instance().sweep();
      expect(w.cards()).toEqual([]);
    } finally {
      await w.cleanup();
    }
  });

  it('writes each admin’s card in their language', async () => {
    const w = setUp();
    try {
      w.messenger.locales.set(MEGAN.aadObjectId, 'de');
      w.connection.current = connectedStatus(60);
      await w.instance().sweep();
      const [alex, megan] = w.cards();
      expect(alex.text).toContain('60 days without use');
      expect(megan.text).toContain('60 Tage nicht verwendet');
      expect(megan.text).toContain('Neu verbinden');
    } finally {
      await w.cleanup();
    }
  });
});

describe('admin cards when a redemption fails', () => {
  const failing = () => connectedStatus(2, { state: 'failing', lastFailure: { at: T0, reason: 'AADSTS700082: The refresh token has expired due to inactivity.' } });

  it('sends the failure card at once, with the reason and Reconnect', async () => {
    const w = setUp();
    try {
      w.instance().start();
      w.connection.emit(failing());
      await w.settle();
      const sent = w.cards();
      expect(sent.map((c) => c.to)).toEqual([ALEX.aadObjectId, MEGAN.aadObjectId]);
      expect(sent[0].text).toContain('Partner Center sign-in failed');
      expect(sent[0].text).toContain('AADSTS700082');
      expect(sent[0].verbs).toEqual([CONNECTION_VERBS.reconnect]);
    } finally {
      await w.cleanup();
    }
  });

  it('turns a burst of failures, on two instances, into one card per admin per hour', async () => {
    const w = setUp();
    try {
      w.instance().start();
      w.instance().start();
      for (let i = 0; i < 10; i++) w.connection.emit(failing());
      await w.settle();
      expect(w.cards()).toHaveLength(2);
      w.clock.now = T0 + FAILURE_ALERT_QUIET_MS - 1000;
      w.connection.emit({ ...failing(), state: 'expired' });
      await w.settle();
      expect(w.cards()).toHaveLength(2);
      w.clock.now = T0 + FAILURE_ALERT_QUIET_MS;
      w.connection.emit(failing());
      w.connection.emit(failing());
      await w.settle();
      expect(w.cards()).toHaveLength(4);
    } finally {
      await w.cleanup();
    }
  });

  it('ignores successful redemptions, and stops listening when unsubscribed', async () => {
    const w = setUp();
    try {
      const stop = w.instance().start();
      w.connection.emit(connectedStatus(0));
      await w.settle();
      expect(w.cards()).toEqual([]);
      stop();
      expect(w.connection.listenerCount).toBe(0);
    } finally {
      await w.cleanup();
    }
  });

  it('reminds the admins once a day while the sign-in stays broken', async () => {
    const w = setUp();
    try {
      w.connection.current = { ...failing(), state: 'expired' };
      const alerts = w.instance();
      await alerts.sweep();
      await alerts.sweep();
      w.clock.now = T0 + DAY_MS;
      await alerts.sweep();
      expect(w.cards().map((c) => c.text.split('\n')[0])).toEqual(Array(4).fill('Partner Center sign-in failed'));
    } finally {
      await w.cleanup();
    }
  });
});
