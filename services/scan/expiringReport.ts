/**
 * The stored expiry report, as the CLI and the `expiring` command show it: days left and urgency recounted for
 * today (the rows may be days old), `migrating` re-read from the requests, most urgent first.
 */
import type { ExpiringSubscription } from '../domain/expiring';
import type { Store } from '../store/store';
import { PartnerCalendar, URGENCY_ORDER, classifyExpiry } from './expiryClock';
import { migratingSubscriptionKeys, migrationKey } from './migrating';
import { ScanHealth, type StoppedScan, type UnreadCustomer } from './scanHealth';

/** What the report cannot show as current: customers the last scan could not read, and a scan that stopped. */
export interface ScanProblems {
  unread: UnreadCustomer[];
  stopped?: StoppedScan;
}

export interface ReportQuery {
  /** Only subscriptions ending within this many days (expired ones included). */
  withinDays?: number;
}

export interface ExpiringReportDeps {
  store: Store;
  timeZone: string;
  now?: () => Date;
}

export class ExpiringReport {
  private readonly calendar: PartnerCalendar;
  private readonly now: () => Date;

  constructor(private readonly deps: ExpiringReportDeps) {
    this.calendar = new PartnerCalendar(deps.timeZone);
    this.now = deps.now ?? (() => new Date());
  }

  get timeZone(): string {
    return this.calendar.timeZone;
  }

  async read(query: ReportQuery = {}): Promise<ExpiringSubscription[]> {
    const now = this.now();
    const [rows, migrating] = await Promise.all([
      this.deps.store.list<ExpiringSubscription>('subscriptionsSeen'),
      migratingSubscriptionKeys(this.deps.store),
    ]);
    const withinDays = query.withinDays;
    return rows
      .map(({ value }): ExpiringSubscription => ({
        ...value,
        ...classifyExpiry(value.commitmentEndDate, now, this.calendar),
        migrating: migrating.has(migrationKey(value.customerId, value.subscriptionId)),
      }))
      .filter((row) => withinDays === undefined || row.daysLeft <= withinDays)
      .sort(mostUrgentFirst);
  }

  async problems(): Promise<ScanProblems> {
    const health = new ScanHealth(this.deps.store);
    const [unread, stopped] = await Promise.all([health.unread(), health.stopped()]);
    return stopped ? { unread, stopped } : { unread };
  }
}

/** Urgency, then end date, then customer name, then subscription id (a stable order for paging). */
export function mostUrgentFirst(a: ExpiringSubscription, b: ExpiringSubscription): number {
  return (
    URGENCY_ORDER.indexOf(a.urgency) - URGENCY_ORDER.indexOf(b.urgency) ||
    Date.parse(a.commitmentEndDate) - Date.parse(b.commitmentEndDate) ||
    a.customerName.localeCompare(b.customerName, 'en', { sensitivity: 'base' }) ||
    (a.subscriptionId < b.subscriptionId ? -1 : a.subscriptionId > b.subscriptionId ? 1 : 0)
  );
}
