import { mostUrgentCrossedLevel, parseAlertThresholds, DEFAULT_ALERT_THRESHOLDS } from '../../services/alerts/levels';
import { planDueAlerts, type AlertPlanInput } from '../../services/alerts/planner';
import { snoozeId } from '../../services/alerts/preferences';
import { PartnerCalendar } from '../../services/scan/expiryClock';
import { readAlertSettings } from '../../services/alerts/settings';
import { CLAIM_LEASE_MS, alertKey, type AlertRecord } from '../../services/alerts/alertLedger';
import type { Assignment } from '../../services/alerts/assignments';
import type { StoredItem } from '../../services/store/store';
import type { ExpiringSubscription } from '../../services/domain/expiring';
import type { Person } from '../../services/domain/people';
import { ADELE, ALEX, MEGAN, TODAY, endingIn, row } from './support';

function assigned(subscription: ExpiringSubscription, person: Person): Assignment {
  return { customerId: subscription.customerId, customerName: subscription.customerName, accountManager: person, assignedAt: TODAY.toISOString(), source: 'command' };
}

function sent(subscription: ExpiringSubscription, person: Person, level: AlertRecord['level'], status: AlertRecord['status'] = 'sent', attempts = 1): StoredItem<AlertRecord> {
  return {
    key: alertKey(subscription.customerId, subscription.subscriptionId, person.aadObjectId, level),
    version: 'v1',
    value: {
      customerId: subscription.customerId,
      subscriptionId: subscription.subscriptionId,
      recipient: person,
      level,
      status,
      attempts,
      daysLeft: 0,
      digest: false,
      claimedAt: TODAY.toISOString(),
    },
  };
}

function plan(input: Partial<AlertPlanInput> & Pick<AlertPlanInput, 'subscriptions'>) {
  return planDueAlerts({
    assignments: new Map(),
    modes: new Map(),
    snoozes: new Set(),
    records: [],
    now: TODAY,
    calendar: new PartnerCalendar('UTC'),
    thresholds: DEFAULT_ALERT_THRESHOLDS,
    ...input,
  }).map((d) => ({ to: d.recipient.name, level: d.level, subscriptionId: d.alert.subscription.subscriptionId, retry: d.previous !== undefined }));
}

describe('alert levels', () => {
  it.each([
    [91, false, undefined],
    [90, false, 90],
    [45, false, 60],
    [30, false, 30],
    [8, false, 14],
    [1, false, 1],
    [0, false, 1],
    [-1, true, 'expired'],
  ])('%i days left (expired: %s) → most urgent crossed level %s', (days, expired, level) => {
    expect(mostUrgentCrossedLevel(days, expired, DEFAULT_ALERT_THRESHOLDS)).toBe(level);
  });

  it('reads ALERT_THRESHOLDS in any order and refuses nonsense', () => {
    expect(parseAlertThresholds('7, 30,1')).toEqual({ thresholds: [30, 7, 1] });
    expect(parseAlertThresholds('')).toEqual({ thresholds: DEFAULT_ALERT_THRESHOLDS });
    expect(parseAlertThresholds('30,abc,-1')).toEqual({ problem: expect.stringContaining('"abc", "-1"') });
    expect(parseAlertThresholds('30,30')).toEqual({ problem: expect.stringContaining('twice') });
  });

  it('validates ALERT_SCHEDULE, ALERT_THRESHOLDS and PARTNER_TIMEZONE, naming each bad variable', () => {
    expect(readAlertSettings({})).toEqual({ settings: { schedule: '0 8 * * *', thresholds: DEFAULT_ALERT_THRESHOLDS, timeZone: 'UTC' }, problems: [] });
    expect(readAlertSettings({ ALERT_SCHEDULE: '30 7 * * 1-5', PARTNER_TIMEZONE: 'Europe/Berlin', ALERT_THRESHOLDS: '30,7' }).settings).toEqual({
      schedule: '30 7 * * 1-5',
      thresholds: [30, 7],
      timeZone: 'Europe/Berlin',
    });
    const { problems } = readAlertSettings({ ALERT_SCHEDULE: 'every morning', PARTNER_TIMEZONE: 'Mars/Olympus', ALERT_THRESHOLDS: '0' });
    expect(problems).toEqual([
      expect.stringMatching(/^PARTNER_TIMEZONE="Mars\/Olympus" must be an IANA time zone/),
      expect.stringMatching(/^ALERT_SCHEDULE="every morning" must be a cron pattern/),
      expect.stringMatching(/^ALERT_THRESHOLDS="0" must be a comma-separated list/),
    ]);
    expect(readAlertSettings({ ALERT_SCHEDULE: '0 8 31 2 *' }).problems).toEqual([expect.stringContaining('never fires')]);
  });
});

describe('which alerts are due', () => {
  it('escalates: with the 60-day alert sent, crossing 30 makes a 30-day alert', () => {
    const sub = row({ daysLeft: 29 });
    const due = plan({ subscriptions: [sub], assignments: new Map([[sub.customerId, assigned(sub, MEGAN)]]), records: [sent(sub, MEGAN, 60)] });
    expect(due).toEqual([{ to: 'Megan Bowen', level: 30, subscriptionId: sub.subscriptionId, retry: false }]);
  });

  it('crossing 7 and 1 at once (after 14 was sent) alerts only the 1-day level', () => {
    const sub = row({ daysLeft: 1 });
    const due = plan({ subscriptions: [sub], assignments: new Map([[sub.customerId, assigned(sub, MEGAN)]]), records: [sent(sub, MEGAN, 14)] });
    expect(due.map((d) => d.level)).toEqual([1]);
  });

  it('sends nothing twice for a level, nor a less urgent level after a more urgent one', () => {
    const sub = row({ daysLeft: 29 });
    const assignments = new Map([[sub.customerId, assigned(sub, MEGAN)]]);
    expect(plan({ subscriptions: [sub], assignments, records: [sent(sub, MEGAN, 30)] })).toEqual([]);
    // The term was extended to 50 days after the 30-day alert: no "60 days" alert follows it.
    expect(plan({ subscriptions: [{ ...sub, commitmentEndDate: endingIn(50) }], assignments, records: [sent(sub, MEGAN, 30)] })).toEqual([]);
    // An alert claimed by a sender whose claim is still live counts as sent: never repeated.
    expect(plan({ subscriptions: [sub], assignments, records: [sent(sub, MEGAN, 30, 'claimed')] })).toEqual([]);
  });

  it('an expired claim (its sender died) is due again and taken over; a live one is not', () => {
    const sub = row({ daysLeft: 29 });
    const assignments = new Map([[sub.customerId, assigned(sub, MEGAN)]]);
    const claim = sent(sub, MEGAN, 30, 'claimed');
    const leaseUntil = new Date(TODAY.getTime() + 60_000).toISOString();
    const claimed = { ...claim, value: { ...claim.value, leaseUntil } };
    expect(plan({ subscriptions: [sub], assignments, records: [claimed], now: new Date(TODAY.getTime() + 59_999) })).toEqual([]);
    expect(plan({ subscriptions: [sub], assignments, records: [claimed], now: new Date(TODAY.getTime() + 60_000) })).toEqual([
      { to: 'Megan Bowen', level: 30, subscriptionId: sub.subscriptionId, retry: true },
    ]);
    // A claim written before claims carried a lease runs out CLAIM_LEASE_MS after it was made.
    expect(plan({ subscriptions: [sub], assignments, records: [claim], now: new Date(TODAY.getTime() + CLAIM_LEASE_MS - 1) })).toEqual([]);
    expect(plan({ subscriptions: [sub], assignments, records: [claim], now: new Date(TODAY.getTime() + CLAIM_LEASE_MS) })).toHaveLength(1);
  });

  it('tries a failed alert again, up to three attempts', () => {
    const sub = row({ daysLeft: 29 });
    const assignments = new Map([[sub.customerId, assigned(sub, MEGAN)]]);
    expect(plan({ subscriptions: [sub], assignments, records: [sent(sub, MEGAN, 30, 'failed', 1)] })).toEqual([
      { to: 'Megan Bowen', level: 30, subscriptionId: sub.subscriptionId, retry: true },
    ]);
    expect(plan({ subscriptions: [sub], assignments, records: [sent(sub, MEGAN, 30, 'failed', 3)] })).toEqual([]);
  });

  it('counts days left for now, not as of the scan, in the partner time zone', () => {
    // Scanned a day ago with 31 days left: today it is 30, so the 30-day level is due.
    const sub = row({ daysLeft: 30, scannedAt: '2026-04-30T12:00:00Z' });
    const assignments = new Map([[sub.customerId, assigned(sub, MEGAN)]]);
    const stale = { ...sub, daysLeft: 31, urgency: 'within60' as const };
    expect(plan({ subscriptions: [stale], assignments, records: [sent(sub, MEGAN, 60)] }).map((d) => d.level)).toEqual([30]);

    // At 23:30 UTC on 1 May it is already 2 May in Berlin: one day less there than in UTC.
    const lateEvening = new Date('2026-05-01T23:30:00Z');
    const ends = row({ commitmentEndDate: '2026-06-01T23:59:59Z' });
    const endsAssigned = new Map([[ends.customerId, assigned(ends, MEGAN)]]);
    const records = [sent(ends, MEGAN, 60)];
    expect(plan({ subscriptions: [ends], assignments: endsAssigned, records, now: lateEvening })).toEqual([]);
    expect(plan({ subscriptions: [ends], assignments: endsAssigned, records, now: lateEvening, calendar: new PartnerCalendar('Europe/Berlin') })).toEqual([
      expect.objectContaining({ level: 30 }),
    ]);
  });

  it('gives subscriptions already migrating, suspended ones, and ones further out than every threshold no alert', () => {
    const subs = [row({ daysLeft: 5, migrating: true }), row({ daysLeft: 5, status: 'suspended' }), row({ daysLeft: 120 })];
    const assignments = new Map(subs.map((s) => [s.customerId, assigned(s, MEGAN)]));
    expect(plan({ subscriptions: subs, assignments })).toEqual([]);
  });

  describe('routing by preference', () => {
    const mine = row({ daysLeft: 20 });
    const unassigned = row({ daysLeft: 10 });
    const assignments = new Map([[mine.customerId, assigned(mine, MEGAN)]]);
    const modes = (entries: [Person, 'all' | 'mine' | 'off'][]) =>
      new Map(entries.map(([person, mode]) => [person.aadObjectId.toLowerCase(), { person, mode }]));

    it('mine (the default): only my customers; unassigned customers reach nobody', () => {
      expect(plan({ subscriptions: [mine, unassigned], assignments })).toEqual([expect.objectContaining({ to: 'Megan Bowen', subscriptionId: mine.subscriptionId })]);
    });

    it('all: every customer, unassigned ones included; off: nothing, even for my own customers', () => {
      const due = plan({ subscriptions: [mine, unassigned], assignments, modes: modes([[ALEX, 'all'], [MEGAN, 'off'], [ADELE, 'mine']]) });
      expect(due.map((d) => `${d.to}→${d.subscriptionId}`).sort()).toEqual(
        [`Alex Wilber→${mine.subscriptionId}`, `Alex Wilber→${unassigned.subscriptionId}`].sort(),
      );
    });

    it('an account manager who also wants all alerts gets each alert once', () => {
      const due = plan({ subscriptions: [mine], assignments, modes: modes([[MEGAN, 'all']]) });
      expect(due.map((d) => d.to)).toEqual(['Megan Bowen']);
    });
  });

  it('a snooze silences that person and subscription until it ends, but not expiry', () => {
    const soon = row({ daysLeft: 6 });
    const gone = row({ daysLeft: -2 });
    const assignments = new Map([soon, gone].map((s) => [s.customerId, assigned(s, MEGAN)]));
    const snoozes = new Set([snoozeId(MEGAN.aadObjectId, soon.customerId, soon.subscriptionId), snoozeId(MEGAN.aadObjectId, gone.customerId, gone.subscriptionId)]);
    expect(plan({ subscriptions: [soon, gone], assignments, snoozes })).toEqual([
      { to: 'Megan Bowen', level: 'expired', subscriptionId: gone.subscriptionId, retry: false },
    ]);
  });

  it('orders due alerts most urgent first', () => {
    const subs = [row({ daysLeft: 40 }), row({ daysLeft: -3 }), row({ daysLeft: 12 })];
    const assignments = new Map(subs.map((s) => [s.customerId, assigned(s, MEGAN)]));
    expect(plan({ subscriptions: subs, assignments }).map((d) => d.level)).toEqual(['expired', 14, 60]);
  });
});
