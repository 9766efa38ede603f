import type { ExpiringSubscription } from '../domain/expiring';
import type { Logger } from '../logging';
import { PartnerCalendar } from '../scan/expiryClock';
import type { Store, StoredItem } from '../store/store';
import { AlertLedger, type AlertRecord } from './alertLedger';
import { Assignments } from './assignments';
import type { AlertNotifier, DeliveryOutcome } from './notifier';
import { planDueAlerts, type DueAlert } from './planner';
import { AlertPreferences } from './preferences';

/** More due alerts than this for one person in one run go out as a digest card instead. */
export const DIGEST_AFTER = 5;
/** Rows per digest card, which keeps it well under Teams' message size; more rows make more digests. */
export const MAX_DIGEST_ROWS = 25;

export interface ExpiryAlerterDeps {
  store: Store;
  notifier: AlertNotifier;
  thresholds: readonly number[];
  timeZone: string;
  logger: Logger;
  now?: () => Date;
  /** People alerted at once; the notifier paces the sends themselves. */
  concurrency?: number;
}

export interface AlertRunSummary {
  due: number;
  sent: number;
  failed: number;
  /** Due for people with no conversation with the bot; left for a later run. */
  unreachable: number;
  /** Claimed by another instance or an earlier run that did not finish. */
  claimedElsewhere: number;
  digests: number;
}

/** The alert use case: find due alerts, claim each before sending, send, then record how it went. */
export class ExpiryAlerter {
  private readonly ledger: AlertLedger;
  private readonly assignments: Assignments;
  private readonly preferences: AlertPreferences;
  private readonly now: () => Date;
  private readonly calendar: PartnerCalendar;

  constructor(private readonly deps: ExpiryAlerterDeps) {
    this.calendar = new PartnerCalendar(deps.timeZone);
    this.ledger = new AlertLedger(deps.store);
    this.assignments = new Assignments(deps.store);
    this.preferences = new AlertPreferences(deps.store);
    this.now = deps.now ?? (() => new Date());
  }

  async sendDueAlerts(): Promise<AlertRunSummary> {
    const now = this.now();
    const [rows, assignments, modes, snoozes, records] = await Promise.all([
      this.deps.store.list<ExpiringSubscription>('subscriptionsSeen'),
      this.assignments.all(),
      this.preferences.modes(),
      this.preferences.activeSnoozes(now),
      this.ledger.all(),
    ]);
    const due = planDueAlerts({
      subscriptions: rows.map((r) => r.value),
      assignments: new Map(assignments.map((a) => [a.customerId, a])),
      modes,
      snoozes,
      records,
      now,
      calendar: this.calendar,
      thresholds: this.deps.thresholds,
    });

    const summary: AlertRunSummary = { due: due.length, sent: 0, failed: 0, unreachable: 0, claimedElsewhere: 0, digests: 0 };
    const perPerson = groupByRecipient(due);
    await forEachConcurrently([...perPerson.values()], this.deps.concurrency ?? 8, async (alerts) => {
      try {
        await this.alertPerson(alerts, summary);
      } catch (error) {
        // One person's failure (e.g. a store hiccup) must not cost everyone else their alerts.
        summary.failed += alerts.length;
        this.deps.logger.error('Alerting one person failed', { recipient: alerts[0].recipient.aadObjectId, error: describe(error) });
      }
    });
    this.deps.logger.info('Alert run finished', { ...summary });
    return summary;
  }

  private async alertPerson(due: DueAlert[], summary: AlertRunSummary): Promise<void> {
    const recipient = due[0].recipient;
    if (!(await this.deps.notifier.isReachable(recipient.aadObjectId))) {
      summary.unreachable += due.length;
      return;
    }
    const claimed: { due: DueAlert; record: StoredItem<AlertRecord> }[] = [];
    for (const item of due) {
      const subscription = item.alert.subscription;
      const record = await this.ledger.claim(
        {
          customerId: subscription.customerId,
          subscriptionId: subscription.subscriptionId,
          recipient,
          level: item.level,
          daysLeft: subscription.daysLeft,
        },
        item.previous,
        this.now(),
      );
      if (record) claimed.push({ due: item, record });
      else summary.claimedElsewhere++;
    }

    if (claimed.length > DIGEST_AFTER) {
      for (const chunk of chunks(claimed, MAX_DIGEST_ROWS)) {
        const outcome = await this.deliver(() => this.deps.notifier.sendDigest(recipient, chunk.map((c) => c.due.alert)));
        if (outcome.status === 'sent') summary.digests++;
        for (const { record } of chunk) await this.settle(record, outcome, true, summary);
      }
      return;
    }
    for (const { due: item, record } of claimed) {
      const outcome = await this.deliver(() => this.deps.notifier.sendAlert(recipient, item.alert));
      await this.settle(record, outcome, false, summary);
    }
  }

  /** The port promises outcomes, not exceptions; a broken implementation still only fails this one send. */
  private async deliver(send: () => Promise<DeliveryOutcome>): Promise<DeliveryOutcome> {
    try {
      return await send();
    } catch (error) {
      return { status: 'failed', reason: describe(error) };
    }
  }

  private async settle(record: StoredItem<AlertRecord>, outcome: DeliveryOutcome, digest: boolean, summary: AlertRunSummary): Promise<void> {
    if (outcome.status === 'sent') {
      summary.sent++;
      await this.ledger.markSent(record, outcome.message, digest, this.now());
      return;
    }
    summary.failed++;
    const reason = outcome.status === 'unreachable' ? 'the person has no conversation with the bot' : outcome.reason;
    this.deps.logger.warn('Alert not delivered', { recipient: record.value.recipient.aadObjectId, subscription: record.value.subscriptionId, reason });
    await this.ledger.markFailed(record, reason, digest, this.now());
  }
}

function groupByRecipient(due: readonly DueAlert[]): Map<string, DueAlert[]> {
  const groups = new Map<string, DueAlert[]>();
  for (const item of due) {
    const id = item.recipient.aadObjectId.toLowerCase();
    groups.set(id, [...(groups.get(id) ?? []), item]);
  }
  return groups;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let i = 0; i < items.length; i += size) result.push(items.slice(i, i + size));
  return result;
}

async function forEachConcurrently<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

