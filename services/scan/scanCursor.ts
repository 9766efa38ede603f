/**
 * Where a scan stands (table `scanCursor`, key `current`), written after every customer so that a scan interrupted by
 * a crash or a restart continues where it stopped instead of starting over. Customers are handled in id order; the
 * cursor keeps a watermark ("every id up to here is done") plus the few ids done ahead of it by concurrent workers,
 * so it stays small however many customers there are.
 */
import type { ExpiringSubscription } from '../domain/expiring';
import type { Store } from '../store/store';
import { MAX_LISTED, emptyUrgencyCounts, type ScanFailure, type ScanWarning, type ScanSummary } from './types';

export const CURSOR_KEY = 'current';

export interface ScanCursorRecord {
  scanId: string;
  startedAt: string;
  status: 'running' | 'completed';
  updatedAt: string;
  finishedAt?: string;
  timeZone: string;
  customersTotal: number;
  /** Every customer id (lower case) up to and including this one, in id order, is done. */
  doneThrough: string | null;
  /** Done ids after `doneThrough`. */
  doneAhead: string[];
  customersDone: number;
  customersScanned: number;
  customersReused: number;
  customersFailed: number;
  subscriptionsFound: number;
  needsReview: number;
  /** Absent in cursors written before it was counted (a resumed scan then counts from 0). */
  partial?: number;
  discoveryTestFailed?: number;
  byUrgency: ScanSummary['byUrgency'];
  failures: ScanFailure[];
  warnings: ScanWarning[];
}

/**
 * What one finished customer adds to the scan's totals. A failed customer may still bring rows: its subscriptions were
 * listed but its licences could not be read, so its rows are reported with what is unknown.
 */
export type CustomerOutcome =
  | { kind: 'scanned'; rows: readonly ExpiringSubscription[]; reused: boolean; warnings: readonly ScanWarning[] }
  | { kind: 'failed'; failure: ScanFailure; rows?: readonly ExpiringSubscription[]; warnings?: readonly ScanWarning[] };

export interface CursorStart {
  scanId: string;
  timeZone: string;
  /** Customer ids of this scan, any case. */
  customerIds: readonly string[];
  now: Date;
  /** A running cursor older than this is abandoned and the scan starts afresh. */
  resumeWithinMs: number;
}

export class ScanCursor {
  private readonly order: string[];
  private next: number;
  private readonly ahead: Set<string>;
  private saving: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly store: Store,
    readonly record: ScanCursorRecord,
    readonly resumed: boolean,
    customerIds: readonly string[],
  ) {
    this.order = [...new Set(customerIds.map((id) => id.toLowerCase()))].sort();
    const through = record.doneThrough;
    this.next = through === null ? 0 : this.order.findIndex((id) => id > through);
    if (this.next < 0) this.next = this.order.length;
    this.ahead = new Set(record.doneAhead);
  }

  /** Continues the running scan in the store if it is recent, else starts (and saves) a new one. */
  static async resumeOrStart(store: Store, start: CursorStart): Promise<ScanCursor> {
    const stored = await store.get<ScanCursorRecord>('scanCursor', CURSOR_KEY);
    const current = stored?.value;
    const age = current ? start.now.getTime() - Date.parse(current.updatedAt) : Infinity;
    if (current && current.status === 'running' && current.timeZone === start.timeZone && age <= start.resumeWithinMs) {
      const cursor = new ScanCursor(store, { ...current, customersTotal: start.customerIds.length }, true, start.customerIds);
      cursor.advance();
      return cursor;
    }
    const record: ScanCursorRecord = {
      scanId: start.scanId,
      startedAt: start.now.toISOString(),
      status: 'running',
      updatedAt: start.now.toISOString(),
      timeZone: start.timeZone,
      customersTotal: start.customerIds.length,
      doneThrough: null,
      doneAhead: [],
      customersDone: 0,
      customersScanned: 0,
      customersReused: 0,
      customersFailed: 0,
      subscriptionsFound: 0,
      needsReview: 0,
      partial: 0,
      discoveryTestFailed: 0,
      byUrgency: emptyUrgencyCounts(),
      failures: [],
      warnings: [],
    };
    const cursor = new ScanCursor(store, record, false, start.customerIds);
    await cursor.save();
    return cursor;
  }

  /** The most recently started scan, running or completed. */
  static async read(store: Store): Promise<ScanCursorRecord | undefined> {
    return (await store.get<ScanCursorRecord>('scanCursor', CURSOR_KEY))?.value;
  }

  isDone(customerId: string): boolean {
    const id = customerId.toLowerCase();
    const through = this.record.doneThrough;
    return (through !== null && id <= through) || this.ahead.has(id);
  }

  /** Records a finished customer and saves; call it only after that customer's rows are stored. */
  async markDone(customerId: string, outcome: CustomerOutcome, now: Date): Promise<void> {
    const record = this.record;
    record.customersDone++;
    if (outcome.kind === 'failed') {
      record.customersFailed++;
      if (record.failures.length < MAX_LISTED) record.failures.push(outcome.failure);
    } else {
      record.customersScanned++;
      if (outcome.reused) record.customersReused++;
    }
    for (const row of outcome.rows ?? []) {
      record.subscriptionsFound++;
      record.byUrgency[row.urgency]++;
      if (row.review) record.needsReview++;
      if (row.unknowns) record.partial = (record.partial ?? 0) + 1;
      if (row.discoveryTestMet === false) record.discoveryTestFailed = (record.discoveryTestFailed ?? 0) + 1;
    }
    for (const warning of outcome.warnings ?? []) if (record.warnings.length < MAX_LISTED) record.warnings.push(warning);
    this.ahead.add(customerId.toLowerCase());
    this.advance();
    record.updatedAt = now.toISOString();
    await this.save();
  }

  async complete(now: Date): Promise<void> {
    this.record.status = 'completed';
    this.record.finishedAt = now.toISOString();
    this.record.updatedAt = now.toISOString();
    await this.save();
  }

  private advance(): void {
    while (this.next < this.order.length && this.ahead.has(this.order[this.next])) {
      this.ahead.delete(this.order[this.next]);
      this.record.doneThrough = this.order[this.next];
      this.next++;
    }
    this.record.doneAhead = [...this.ahead].sort();
  }

  /** Writes are chained, so concurrent workers never overwrite a newer state with an older one. */
  private save(): Promise<void> {
    const write = this.saving.then(() => this.store.upsert('scanCursor', CURSOR_KEY, structuredClone(this.record)));
    this.saving = write.catch(() => undefined);
    return write.then(() => undefined);
  }
}
