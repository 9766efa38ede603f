import { subscriptionKey, type ExpiringSubscription } from '../domain/expiring';
import type { Person } from '../domain/people';
import type { Logger } from '../logging';
import { PartnerCalendar } from '../scan/expiryClock';
import type { Store } from '../store/store';
import { AlertLedger } from './alertLedger';
import { Assignments, type Assignment } from './assignments';
import type { AlertNotifier, ExpiryAlert } from './notifier';
import { asOf } from './planner';
import { AlertPreferences } from './preferences';

export const SNOOZE_DAYS = 7;
const DAY_MS = 86_400_000;

export interface AlertActionsDeps {
  store: Store;
  notifier: AlertNotifier;
  timeZone: string;
  logger: Logger;
  now?: () => Date;
}

export type TakeCustomerResult =
  | { outcome: 'unknownSubscription' }
  | { outcome: 'taken' | 'alreadyYours' | 'takenByOther'; assignment: Assignment; alert: ExpiryAlert };

export type SnoozeResult = { outcome: 'unknownSubscription' } | { outcome: 'snoozed'; until: Date; alert: ExpiryAlert };

/** What the buttons on an alert card do. Card data is never trusted: everything is reloaded by id. */
export class AlertActions {
  private readonly assignments: Assignments;
  private readonly preferences: AlertPreferences;
  private readonly ledger: AlertLedger;
  private readonly now: () => Date;
  private readonly calendar: PartnerCalendar;

  constructor(private readonly deps: AlertActionsDeps) {
    this.now = deps.now ?? (() => new Date());
    this.calendar = new PartnerCalendar(deps.timeZone);
    this.assignments = new Assignments(deps.store, this.now);
    this.preferences = new AlertPreferences(deps.store);
    this.ledger = new AlertLedger(deps.store);
  }

  /** "Take it": the clicker becomes the customer's account manager unless someone was first. */
  async takeCustomer(actor: Person, customerId: string, subscriptionId: string): Promise<TakeCustomerResult> {
    const subscription = await this.subscription(customerId, subscriptionId);
    if (!subscription) return { outcome: 'unknownSubscription' };
    const result = await this.assignments.take(customerId, subscription.customerName, actor);
    return { ...result, alert: { subscription, accountManager: result.assignment.accountManager } };
  }

  /** "Snooze 7 days": no alerts about this subscription to this person until then, except that it expired. */
  async snooze(actor: Person, customerId: string, subscriptionId: string): Promise<SnoozeResult> {
    const subscription = await this.subscription(customerId, subscriptionId);
    if (!subscription) return { outcome: 'unknownSubscription' };
    const until = new Date(this.now().getTime() + SNOOZE_DAYS * DAY_MS);
    await this.preferences.snooze(actor, customerId, subscriptionId, until);
    const assignment = await this.assignments.get(customerId);
    return { outcome: 'snoozed', until, alert: { subscription, accountManager: assignment?.accountManager } };
  }

  /**
   * After a take, the other alert cards about the customer's subscriptions still offer "Take it": rewrite them to
   * show who has it. Digests are left alone (their rows carry no such button). Returns how many were updated.
   */
  async refreshCardsOfCustomer(customerId: string, except: { aadObjectId: string; subscriptionId: string }): Promise<number> {
    const assignment = await this.assignments.get(customerId);
    let updated = 0;
    for (const { value: record } of await this.ledger.ofCustomer(customerId)) {
      if (record.status !== 'sent' || record.digest || !record.message) continue;
      const isClickedCard =
        record.recipient.aadObjectId.toLowerCase() === except.aadObjectId.toLowerCase() && record.subscriptionId === except.subscriptionId;
      if (isClickedCard) continue;
      const subscription = await this.subscription(customerId, record.subscriptionId);
      if (!subscription) continue;
      const outcome = await this.deps.notifier.updateAlert(record.message, record.recipient, { subscription, accountManager: assignment?.accountManager });
      if (outcome.status === 'sent') updated++;
      else this.deps.logger.warn('Could not update an alert card after a take', { customerId, recipient: record.recipient.aadObjectId, outcome: outcome.status });
    }
    return updated;
  }

  private async subscription(customerId: string, subscriptionId: string): Promise<ExpiringSubscription | undefined> {
    const row = (await this.deps.store.get<ExpiringSubscription>('subscriptionsSeen', subscriptionKey(customerId, subscriptionId)))?.value;
    return row && asOf(row, this.now(), this.calendar);
  }
}
