/**
 * The expiry scan: every customer → its standalone Kaizala Pro subscriptions → days left, urgency, seats and users,
 * stored in `subscriptionsSeen`. A few customers at a time (adaptive, shrinking on 429s), resumable from its cursor,
 * and a customer that fails is reported without stopping the others.
 */
import { randomUUID } from 'node:crypto';
import type { ExpiringSubscription } from '../domain/expiring';
import { subscriptionKey } from '../domain/expiring';
import type { AdaptiveConcurrencyLimiter } from '../http/concurrencyLimiter';
import type { Logger } from '../logging';
import type { Customer } from '../partnerCenter/types';
import type { Store } from '../store/store';
import { CustomerScanner } from './customerScan';
import { PartnerCalendar, classifyExpiry, hasUsableEndDate } from './expiryClock';
import { migratingSubscriptionKeys } from './migrating';
import { ProgressLog } from './progressLog';
import { ScanHealth } from './scanHealth';
import { ScanCursor, type CustomerOutcome } from './scanCursor';
import { emptyUrgencyCounts, type ScanGraph, type ScanPartnerCenter, type ScanProgress, type ScanSummary } from './types';

export interface ExpiryScannerDeps {
  partnerCenter: ScanPartnerCenter;
  graph: ScanGraph;
  store: Store;
  /** The per-partner limiter whose `recordThrottle` is wired to ApiHttp's `onThrottled`, so every 429 shrinks it. */
  limiter: AdaptiveConcurrencyLimiter;
  logger: Logger;
  /** IANA name (PARTNER_TIMEZONE); days left are counted in it. */
  timeZone: string;
  now?: () => Date;
  newScanId?: () => string;
  /** Progress is logged at least this often (and at every tenth of the customers). Default 5 s. */
  progressIntervalMs?: number;
  /** A customer's SKU and user count are reused for this long while nothing changed. Default 24 h. */
  reuseWithinMs?: number;
  /** Market for legacy offer lookups when a customer's billing address names none (PARTNER_COUNTRY). Default `US`. */
  country?: string;
  /** An interrupted scan is continued if its cursor moved within this time; older ones start over. Default 24 h. */
  resumeWithinMs?: number;
}

export interface ScanOptions {
  /** Called after each customer (e.g. to renew the scan lease). */
  onProgress?: (progress: ScanProgress) => void | Promise<void>;
}

const HOUR_MS = 3_600_000;

export class ExpiryScanner {
  private readonly now: () => Date;
  private readonly calendar: PartnerCalendar;
  private readonly customers: CustomerScanner;
  private readonly health: ScanHealth;

  constructor(private readonly deps: ExpiryScannerDeps) {
    this.now = deps.now ?? (() => new Date());
    this.calendar = new PartnerCalendar(deps.timeZone);
    this.health = new ScanHealth(deps.store);
    this.customers = new CustomerScanner({
      partnerCenter: deps.partnerCenter,
      graph: deps.graph,
      calendar: this.calendar,
      reuseWithinMs: deps.reuseWithinMs ?? 24 * HOUR_MS,
      country: deps.country,
    });
  }

  get timeZone(): string {
    return this.calendar.timeZone;
  }

  /**
   * Scans every customer (or the rest of an interrupted scan) and returns the whole report's figures: rows kept from
   * earlier scans of customers it could not read count too. A scan that stops is recorded for `expiring`.
   */
  async findExpiringSubscriptions(options: ScanOptions = {}): Promise<ScanSummary> {
    try {
      return await this.scan(options);
    } catch (error) {
      await this.health.scanStopped(error instanceof Error ? error.message : String(error), this.now()).catch((recordError: unknown) => {
        // The store may be what failed; the scan's own error is the one to report.
        this.deps.logger.warn('Could not record that the scan stopped', { error: recordError instanceof Error ? recordError.message : String(recordError) });
      });
      throw error;
    }
  }

  private async scan(options: ScanOptions): Promise<ScanSummary> {
    const startedMs = this.now().getTime();
    const customers = await this.deps.partnerCenter.listAllCustomers();
    const cursor = await ScanCursor.resumeOrStart(this.deps.store, {
      scanId: (this.deps.newScanId ?? randomUUID)(),
      timeZone: this.calendar.timeZone,
      customerIds: customers.map((customer) => customer.id),
      now: this.now(),
      resumeWithinMs: this.deps.resumeWithinMs ?? 24 * HOUR_MS,
    });
    const { scanId } = cursor.record;
    const pending = [...customers].sort(byId).filter((customer) => !cursor.isDone(customer.id));
    this.deps.logger.info(cursor.resumed ? 'Expiry scan resumed' : 'Expiry scan started', {
      scanId,
      customers: customers.length,
      alreadyDone: customers.length - pending.length,
      timeZone: this.calendar.timeZone,
    });

    const previousRows = rowsByCustomer(await this.deps.store.list<ExpiringSubscription>('subscriptionsSeen'));
    const migrating = await migratingSubscriptionKeys(this.deps.store);
    const unread = new Set((await this.health.unread()).map((customer) => customer.customerId.toLowerCase()));
    const progress = new ProgressLog(
      this.deps.logger,
      scanId,
      customers.length,
      customers.length - pending.length,
      () => this.now().getTime(),
      this.deps.progressIntervalMs ?? 5_000,
    );

    // Workers stop picking up customers after an unexpected error (a bug or a broken store), which then fails the scan.
    let fatal: { error: unknown } | undefined;
    await Promise.all(
      pending.map((customer) =>
        this.deps.limiter.run(async () => {
          if (fatal) return;
          try {
            const earlierRows = previousRows.get(customer.id.toLowerCase()) ?? [];
            const outcome = await this.scanCustomer(customer, earlierRows, migrating);
            if (outcome.kind === 'failed') await this.health.customerUnread(outcome.failure, earlierRows, this.now());
            else if (unread.has(customer.id.toLowerCase())) await this.health.customerRead(customer.id);
            await cursor.markDone(customer.id, outcome, this.now());
            const customersDone = progress.customerDone();
            await options.onProgress?.({ scanId, customersDone, customersTotal: customers.length });
          } catch (error) {
            fatal ??= { error };
          }
        }),
      ),
    );
    if (fatal) throw fatal.error;

    await this.forgetVanishedCustomers(customers, previousRows);
    await this.health.forgetAllBut(customers.map((customer) => customer.id));
    await cursor.complete(this.now());
    await this.health.scanCompleted();
    const record = cursor.record;
    const report = reportFigures(await this.deps.store.list<ExpiringSubscription>('subscriptionsSeen'), this.now(), this.calendar);
    const summary: ScanSummary = {
      scanId,
      startedAt: record.startedAt,
      finishedAt: record.finishedAt ?? this.now().toISOString(),
      durationMs: this.now().getTime() - startedMs,
      resumed: cursor.resumed,
      timeZone: record.timeZone,
      customersTotal: record.customersTotal,
      customersScanned: record.customersScanned,
      customersReused: record.customersReused,
      customersFailed: record.customersFailed,
      ...report,
      subscriptionsKept: Math.max(0, report.subscriptionsFound - record.subscriptionsFound),
      failures: record.failures,
      warnings: record.warnings,
    };
    this.deps.logger.info('Expiry scan finished', {
      scanId,
      customers: summary.customersTotal,
      failed: summary.customersFailed,
      reused: summary.customersReused,
      subscriptions: summary.subscriptionsFound,
      urgent: summary.urgent,
      needsReview: summary.needsReview,
      partial: summary.partial,
      durationMs: summary.durationMs,
    });
    return summary;
  }

  private async scanCustomer(customer: Customer, previousRows: readonly ExpiringSubscription[], migrating: ReadonlySet<string>): Promise<CustomerOutcome> {
    const customerName = customer.companyProfile?.companyName ?? customer.id;
    const result = await this.customers.scan({ customer, previousRows, migrating, now: this.now() });
    if (result.kind === 'failed') {
      // The customer's earlier rows stay: stale data beats silently dropping a subscription nobody could read.
      this.deps.logger.warn('Expiry scan: customer could not be read', { customerId: customer.id, kind: result.failure.kind, reason: result.failure.reason });
      return { kind: 'failed', failure: { customerId: customer.id, customerName, ...result.failure } };
    }
    await this.storeRows(result.rows, previousRows);
    const warnings = result.warnings.map((message) => ({ customerId: customer.id, customerName, message }));
    if (result.failure) {
      // Listed but unreadable licences: the rows are reported (SKU unknown, and why) and a person must grant access.
      this.deps.logger.warn('Expiry scan: customer read in part', { customerId: customer.id, kind: result.failure.kind, reason: result.failure.reason });
      // Its warnings repeat the failure; the rows carry what is unknown.
      return { kind: 'failed', failure: { customerId: customer.id, customerName, ...result.failure }, rows: result.rows };
    }
    return { kind: 'scanned', rows: result.rows, reused: result.reused, warnings };
  }

  /** Writes the customer's rows, then removes its rows for subscriptions that are gone. */
  private async storeRows(rows: readonly ExpiringSubscription[], previousRows: readonly ExpiringSubscription[]): Promise<void> {
    const keep = new Set<string>();
    for (const row of rows) {
      const key = subscriptionKey(row.customerId, row.subscriptionId);
      keep.add(key);
      await this.deps.store.upsert('subscriptionsSeen', key, row);
    }
    for (const row of previousRows) {
      const key = subscriptionKey(row.customerId, row.subscriptionId);
      if (!keep.has(key)) await this.deps.store.delete('subscriptionsSeen', key);
    }
  }

  private async forgetVanishedCustomers(customers: readonly Customer[], previousRows: ReadonlyMap<string, ExpiringSubscription[]>): Promise<void> {
    const current = new Set(customers.map((customer) => customer.id.toLowerCase()));
    for (const [customerId, rows] of previousRows) {
      if (current.has(customerId)) continue;
      for (const row of rows) await this.deps.store.delete('subscriptionsSeen', subscriptionKey(row.customerId, row.subscriptionId));
    }
  }

}

/** The report's figures as `expiring` shows it now: every stored row, urgency recounted for today. */
function reportFigures(
  items: ReadonlyArray<{ value: ExpiringSubscription }>,
  now: Date,
  calendar: PartnerCalendar,
): Pick<ScanSummary, 'subscriptionsFound' | 'needsReview' | 'partial' | 'discoveryTestFailed' | 'byUrgency' | 'urgent'> {
  const byUrgency = emptyUrgencyCounts();
  let needsReview = 0;
  let partial = 0;
  let discoveryTestFailed = 0;
  for (const { value: row } of items) {
    const urgency = hasUsableEndDate(row.commitmentEndDate) ? classifyExpiry(row.commitmentEndDate, now, calendar).urgency : row.urgency;
    byUrgency[urgency]++;
    if (row.review) needsReview++;
    if (row.unknowns) partial++;
    if (row.discoveryTestMet === false) discoveryTestFailed++;
  }
  return { subscriptionsFound: items.length, needsReview, partial, discoveryTestFailed, byUrgency, urgent: byUrgency.expired + byUrgency.within7 };
}

function byId(a: Customer, b: Customer): number {
  const left = a.id.toLowerCase();
  const right = b.id.toLowerCase();
  return left < right ? -1 : left > right ? 1 : 0;
}

function rowsByCustomer(items: ReadonlyArray<{ value: ExpiringSubscription }>): Map<string, ExpiringSubscription[]> {
  const byCustomer = new Map<string, ExpiringSubscription[]>();
  for (const { value } of items) {
    const customerId = value.customerId.toLowerCase();
    const rows = byCustomer.get(customerId) ?? [];
    rows.push(value);
    byCustomer.set(customerId, rows);
  }
  return byCustomer;
}
