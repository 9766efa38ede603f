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
import { PartnerCalendar } from './expiryClock';
import { migratingSubscriptionKeys } from './migrating';
import { ProgressLog } from './progressLog';
import { ScanCursor, type CustomerOutcome } from './scanCursor';
import type { ScanGraph, ScanPartnerCenter, ScanProgress, ScanSummary } from './types';

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

  constructor(private readonly deps: ExpiryScannerDeps) {
    this.now = deps.now ?? (() => new Date());
    this.calendar = new PartnerCalendar(deps.timeZone);
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

  /** Scans every customer (or the rest of an interrupted scan) and returns what it found. */
  async findExpiringSubscriptions(options: ScanOptions = {}): Promise<ScanSummary> {
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
            const outcome = await this.scanCustomer(customer, previousRows.get(customer.id.toLowerCase()) ?? [], migrating);
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
    await cursor.complete(this.now());
    const record = cursor.record;
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
      subscriptionsFound: record.subscriptionsFound,
      needsReview: record.needsReview,
      partial: record.partial ?? 0,
      discoveryTestFailed: record.discoveryTestFailed ?? 0,
      byUrgency: record.byUrgency,
      urgent: record.byUrgency.expired + record.byUrgency.within7,
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
