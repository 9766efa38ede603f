import type { ExpiringSubscription } from '../domain/expiring';
import type { Person } from '../domain/people';
import { classifyExpiry, hasUsableEndDate, type PartnerCalendar } from '../scan/expiryClock';
import type { StoredItem } from '../store/store';
import { alertPairPrefix, settlesLevel, type AlertRecord } from './alertLedger';
import type { Assignment } from './assignments';
import { mostUrgentCrossedLevel, urgencyRank, type AlertLevel } from './levels';
import type { ExpiryAlert } from './notifier';
import { snoozeId, type AlertMode } from './preferences';

/** Everything one alert run decides on, read from the store beforehand. */
export interface AlertPlanInput {
  subscriptions: readonly ExpiringSubscription[];
  /** By customer id. */
  assignments: ReadonlyMap<string, Assignment>;
  /** By lower-cased aadObjectId; absent = the default mode. */
  modes: ReadonlyMap<string, { person: Person; mode: AlertMode }>;
  /** `snoozeId(...)` of every running snooze. */
  snoozes: ReadonlySet<string>;
  records: readonly StoredItem<AlertRecord>[];
  now: Date;
  /** The partner's calendar (PARTNER_TIMEZONE): days left are counted in it. */
  calendar: PartnerCalendar;
  thresholds: readonly number[];
}

export interface DueAlert {
  recipient: Person;
  level: AlertLevel;
  alert: ExpiryAlert;
  /** This level's earlier failed attempt or expired claim, taken over (at its version) when claiming. */
  previous?: StoredItem<AlertRecord>;
}

/** Subscriptions in these states can still be saved or have just run out; suspended or deleted ones are past caring. */
const ALERTABLE_STATUSES = new Set(['active', 'expired']);

/**
 * Which alerts are due now, most urgent first: for each subscription not yet being migrated, its most urgent
 * crossed level, to its account manager (unless they turned alerts off) and to everyone who wants all alerts,
 * unless that person already has this level or a more urgent one (sent, or claimed by a live sender), or snoozed it
 * (expiry ignores snoozes). An expired claim is due again, taken over at its version.
 */
export function planDueAlerts(input: AlertPlanInput): DueAlert[] {
  const recordsByPair = groupRecords(input.records);
  const everyAlertWanted = [...input.modes.values()].filter((m) => m.mode === 'all').map((m) => m.person);
  const due: DueAlert[] = [];

  for (const row of input.subscriptions) {
    if (row.migrating || !ALERTABLE_STATUSES.has(row.status.toLowerCase()) || !hasUsableEndDate(row.commitmentEndDate)) continue;
    const subscription = asOf(row, input.now, input.calendar);
    const level = mostUrgentCrossedLevel(subscription.daysLeft, subscription.urgency === 'expired', input.thresholds);
    if (level === undefined) continue;

    const accountManager = input.assignments.get(row.customerId)?.accountManager;
    const alert: ExpiryAlert = { subscription, accountManager };
    for (const recipient of recipientsOf(accountManager, everyAlertWanted, input.modes)) {
      if (level !== 'expired' && input.snoozes.has(snoozeId(recipient.aadObjectId, row.customerId, row.subscriptionId))) continue;
      const earlier = recordsByPair.get(alertPairPrefix(row.customerId, row.subscriptionId, recipient.aadObjectId)) ?? [];
      const settled = earlier.some((r) => urgencyRank(r.value.level) <= urgencyRank(level) && settlesLevel(r.value, input.now));
      if (settled) continue;
      const previous = earlier.find((r) => r.value.level === level);
      due.push({ recipient, level, alert, previous });
    }
  }
  return due.sort((a, b) => a.alert.subscription.daysLeft - b.alert.subscription.daysLeft);
}

/**
 * The row with days left and urgency recounted for `now` by the scan's own rule: an alert run the day after a scan
 * must not announce yesterday's number.
 */
export function asOf(row: ExpiringSubscription, now: Date, calendar: PartnerCalendar): ExpiringSubscription {
  return hasUsableEndDate(row.commitmentEndDate) ? { ...row, ...classifyExpiry(row.commitmentEndDate, now, calendar) } : row;
}

function recipientsOf(
  accountManager: Person | undefined,
  everyAlertWanted: readonly Person[],
  modes: AlertPlanInput['modes'],
): Person[] {
  const recipients = new Map<string, Person>();
  if (accountManager && modes.get(accountManager.aadObjectId.toLowerCase())?.mode !== 'off') {
    recipients.set(accountManager.aadObjectId.toLowerCase(), accountManager);
  }
  for (const person of everyAlertWanted) {
    if (!recipients.has(person.aadObjectId.toLowerCase())) recipients.set(person.aadObjectId.toLowerCase(), person);
  }
  return [...recipients.values()];
}

function groupRecords(records: readonly StoredItem<AlertRecord>[]): Map<string, StoredItem<AlertRecord>[]> {
  const byPair = new Map<string, StoredItem<AlertRecord>[]>();
  for (const item of records) {
    const pair = alertPairPrefix(item.value.customerId, item.value.subscriptionId, item.value.recipient.aadObjectId);
    byPair.set(pair, [...(byPair.get(pair) ?? []), item]);
  }
  return byPair;
}
