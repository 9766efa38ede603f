import type { ExpiringSubscription } from '../domain/expiring';
import type { Logger } from '../logging';
import { PartnerCalendar } from '../scan/expiryClock';
import { StoreConflictError, type Store, type StoredItem } from '../store/store';
import { AlertLedger, CLAIM_LEASE_MS, claimLeaseEnd, type AlertRecord } from './alertLedger';
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
  /** How long a claim holds an alert without renewal; default CLAIM_LEASE_MS (2 min). */
  claimLeaseMs?: number;
}

export interface AlertRunSummary {
  due: number;
  sent: number;
  failed: number;
  /** Due for people with no conversation with the bot; left for a later run. */
  unreachable: number;
  /** Claimed by another instance or run that is still sending it. */
  claimedElsewhere: number;
  /** Taken over from a claim that expired (its sender died) and sent by this run. */
  reclaimed: number;
  digests: number;
}

interface Claimed {
  due: DueAlert;
  /** Replaced by each renewal, so the final mark is written at the current version. */
  record: StoredItem<AlertRecord>;
}

/**
 * The alert use case: find due alerts, then per person a small batch at a time: claim it (a lease), send it, record
 * how it went. A claim left by a crashed run expires and the alert is sent by a later run (see AlertLedger).
 */
export class ExpiryAlerter {
  private readonly ledger: AlertLedger;
  private readonly assignments: Assignments;
  private readonly preferences: AlertPreferences;
  private readonly now: () => Date;
  private readonly calendar: PartnerCalendar;
  private readonly claimLeaseMs: number;

  constructor(private readonly deps: ExpiryAlerterDeps) {
    this.calendar = new PartnerCalendar(deps.timeZone);
    this.ledger = new AlertLedger(deps.store);
    this.assignments = new Assignments(deps.store);
    this.preferences = new AlertPreferences(deps.store);
    this.now = deps.now ?? (() => new Date());
    this.claimLeaseMs = deps.claimLeaseMs ?? CLAIM_LEASE_MS;
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

    const summary: AlertRunSummary = { due: due.length, sent: 0, failed: 0, unreachable: 0, claimedElsewhere: 0, reclaimed: 0, digests: 0 };
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

  /**
   * When the claims a dead run left behind (status `claimed`) will all have expired, so that a run then sends them;
   * undefined when there are none. Read once at start: a crash in the middle of an alert run must not wait a day.
   */
  async claimsLeftBehindFreeAt(): Promise<Date | undefined> {
    const ends = (await this.ledger.all())
      .filter((record) => record.value.status === 'claimed')
      .map((record) => claimLeaseEnd(record.value));
    return ends.length === 0 ? undefined : new Date(Math.max(...ends));
  }

  /**
   * One person's due alerts, a small batch at a time: claim the batch, send it, mark it, then the next. So a crash
   * leaves at most one batch claimed and unsent (taken over once its claims expire), never everything due.
   */
  private async alertPerson(due: DueAlert[], summary: AlertRunSummary): Promise<void> {
    const recipient = due[0].recipient;
    if (!(await this.deps.notifier.isReachable(recipient.aadObjectId))) {
      summary.unreachable += due.length;
      return;
    }
    // The card kind is chosen from everything due, so the person sees one digest, not a digest then singles.
    const digest = due.length > DIGEST_AFTER;
    const batches = chunks(due, digest ? MAX_DIGEST_ROWS : 1);
    for (const [index, batch] of batches.entries()) {
      const claimed = await this.claimAll(batch, summary);
      if (claimed.length === 0) continue;
      // Split digests say which slice they carry and how many messages follow ("1–25 of 73 — 2 more messages follow").
      const from = index * MAX_DIGEST_ROWS + 1;
      const part = batches.length > 1 ? { from, to: from + batch.length - 1, total: due.length, messagesLeft: batches.length - 1 - index } : undefined;
      const outcome = await this.whileRenewing(claimed, () =>
        this.deliver(() =>
          digest
            ? this.deps.notifier.sendDigest(recipient, claimed.map((c) => c.due.alert), part)
            : this.deps.notifier.sendAlert(recipient, claimed[0].due.alert),
        ),
      );
      if (digest && outcome.status === 'sent') summary.digests++;
      for (const claim of claimed) await this.settle(claim.record, outcome, digest, summary);
    }
  }

  private async claimAll(batch: readonly DueAlert[], summary: AlertRunSummary): Promise<Claimed[]> {
    const claimed: Claimed[] = [];
    for (const item of batch) {
      const subscription = item.alert.subscription;
      const record = await this.ledger.claim(
        { customerId: subscription.customerId, subscriptionId: subscription.subscriptionId, recipient: item.recipient, level: item.level, daysLeft: subscription.daysLeft },
        item.previous,
        this.now(),
        this.claimLeaseMs,
      );
      if (!record) {
        summary.claimedElsewhere++;
        continue;
      }
      if (item.previous?.value.status === 'claimed') summary.reclaimed++;
      claimed.push({ due: item, record });
    }
    return claimed;
  }

  /**
   * Renews the batch's claims every third of the lease while `work` runs (a send may wait minutes for Teams' pacing),
   * so that only a dead sender's claims expire. A renewal that finds the claim taken over is logged: the alert may
   * then go out twice, which the ledger documents as the one duplicate window.
   */
  private async whileRenewing<T>(claimed: Claimed[], work: () => Promise<T>): Promise<T> {
    let renewing: Promise<void> = Promise.resolve();
    const renewAll = async (): Promise<void> => {
      for (const claim of claimed) {
        try {
          const renewed = await this.ledger.renew(claim.record, this.now(), this.claimLeaseMs);
          if (renewed) claim.record = renewed;
          else this.deps.logger.warn('Alert claim was taken over while sending', { key: claim.record.key });
        } catch (error) {
          this.deps.logger.warn('Could not renew an alert claim', { key: claim.record.key, error: describe(error) });
        }
      }
    };
    const timer = setInterval(() => {
      renewing = renewing.then(renewAll);
    }, this.claimLeaseMs / 3);
    timer.unref();
    try {
      return await work();
    } finally {
      clearInterval(timer);
      // Marks are written at the version the last renewal left.
      await renewing;
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
    try {
      if (outcome.status === 'sent') {
        summary.sent++;
        await this.ledger.markSent(record, outcome.message, digest, this.now());
        return;
      }
      summary.failed++;
      const reason = outcome.status === 'unreachable' ? 'the person has no conversation with the bot' : outcome.reason;
      this.deps.logger.warn('Alert not delivered', { recipient: record.value.recipient.aadObjectId, subscription: record.value.subscriptionId, reason });
      await this.ledger.markFailed(record, reason, digest, this.now());
    } catch (error) {
      if (!(error instanceof StoreConflictError)) throw error;
      // The claim expired and another run took it over: that run owns the record now (and may send it again).
      this.deps.logger.warn('Alert claim was taken over before it was marked', { key: record.key, outcome: outcome.status });
    }
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

