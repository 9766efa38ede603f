import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AlertNotifier, DeliveredMessage, DeliveryOutcome, DigestPart, ExpiryAlert, ScanProblemReport, ScanReportNotifier } from '../../services/alerts/notifier';
import { subscriptionKey, type ExpiringSubscription } from '../../services/domain/expiring';
import type { Person } from '../../services/domain/people';
import type { Store } from '../../services/store/store';

export const MEGAN: Person = { aadObjectId: '00000000-0000-0000-0000-0000000000a1', name: 'Megan Bowen' };
export const ALEX: Person = { aadObjectId: '00000000-0000-0000-0000-000000000020', name: 'Alex Wilber' };
export const ADELE: Person = { aadObjectId: '00000000-0000-0000-0000-0000000000b2', name: 'Adele Vance' };

/** Noon UTC on a fixed day, so calendar-day arithmetic in any test time zone is unambiguous. */
export const TODAY = new Date('2026-05-01T12:00:00Z');

let counter = 0;

/** A Partner Center end date (the last day of the term, UTC) `days` after TODAY. */
export function endingIn(days: number): string {
  return `${new Date(TODAY.getTime() + days * 86_400_000).toISOString().slice(0, 10)}T23:59:59Z`;
}

/** A `subscriptionsSeen` row as the scan writes it, scanned at `TODAY`. */
export function row(overrides: Partial<ExpiringSubscription> = {}): ExpiringSubscription {
  counter++;
  const id = String(counter).padStart(12, '0');
  const daysLeft = overrides.daysLeft ?? 45;
  return {
    customerId: `c0000000-0000-4000-8000-${id}`,
    customerName: `Customer ${counter}`,
    customerDomain: `customer${counter}.onmicrosoft.com`,
    tenantId: `c0000000-0000-4000-8000-${id}`,
    education: false,
    subscriptionId: `50000000-0000-4000-8000-${id}`,
    offerName: 'Microsoft Kaizala Pro',
    skuId: '0898bdbb-73b0-471a-81e5-20f1fe4dd66e',
    quantity: 25,
    usersOnKaizala: 20,
    consumedUnits: 20,
    status: daysLeft < 0 ? 'expired' : 'active',
    autoRenewEnabled: false,
    commitmentEndDate: endingIn(daysLeft),
    daysLeft,
    urgency: daysLeft < 0 ? 'expired' : daysLeft <= 7 ? 'within7' : daysLeft <= 30 ? 'within30' : daysLeft <= 60 ? 'within60' : daysLeft <= 90 ? 'within90' : 'later',
    migrating: false,
    scannedAt: TODAY.toISOString(),
    ...overrides,
  };
}

export async function saveRows(store: Store, ...rows: ExpiringSubscription[]): Promise<void> {
  for (const r of rows) await store.upsert('subscriptionsSeen', subscriptionKey(r.customerId, r.subscriptionId), r);
}

export interface NotifiedAlert {
  to: string;
  kind: 'alert' | 'digest' | 'update';
  subscriptionIds: string[];
  accountManager?: string;
  daysLeft: number[];
  /** The slice a split digest carries. */
  part?: DigestPart;
}

/** An AlertNotifier that records what it was asked to deliver; people can be made unreachable or failing. */
export class FakeNotifier implements AlertNotifier, ScanReportNotifier {
  readonly delivered: NotifiedAlert[] = [];
  readonly scanReports: { to: string; report: ScanProblemReport }[] = [];
  readonly unreachable = new Set<string>();
  readonly failing = new Set<string>();
  private nextId = 1;

  async isReachable(aadObjectId: string): Promise<boolean> {
    return !this.unreachable.has(aadObjectId);
  }

  async sendAlert(recipient: Person, alert: ExpiryAlert): Promise<DeliveryOutcome> {
    return this.record(recipient, 'alert', [alert]);
  }

  async sendDigest(recipient: Person, alerts: readonly ExpiryAlert[], part?: DigestPart): Promise<DeliveryOutcome> {
    return this.record(recipient, 'digest', alerts, part);
  }

  async updateAlert(message: DeliveredMessage, recipient: Person, alert: ExpiryAlert): Promise<DeliveryOutcome> {
    const outcome = await this.record(recipient, 'update', [alert]);
    return outcome.status === 'sent' ? { status: 'sent', message } : outcome;
  }

  async sendScanReport(recipient: Person, report: ScanProblemReport): Promise<DeliveryOutcome> {
    if (this.failing.has(recipient.aadObjectId)) return { status: 'failed', reason: 'Teams said no' };
    this.scanReports.push({ to: recipient.aadObjectId, report });
    return { status: 'sent', message: { conversationKey: recipient.aadObjectId, activityId: `activity-${this.nextId++}` } };
  }

  /** Single alerts and digest rows, flattened: "recipient→subscription". */
  pairs(): string[] {
    return this.delivered.filter((d) => d.kind !== 'update').flatMap((d) => d.subscriptionIds.map((s) => `${d.to}→${s}`));
  }

  private async record(recipient: Person, kind: NotifiedAlert['kind'], alerts: readonly ExpiryAlert[], part?: DigestPart): Promise<DeliveryOutcome> {
    if (this.failing.has(recipient.aadObjectId)) return { status: 'failed', reason: 'Teams said no' };
    this.delivered.push({
      to: recipient.aadObjectId,
      kind,
      subscriptionIds: alerts.map((a) => a.subscription.subscriptionId),
      accountManager: alerts[0]?.accountManager?.aadObjectId,
      daysLeft: alerts.map((a) => a.subscription.daysLeft),
      ...(part ? { part } : {}),
    });
    return { status: 'sent', message: { conversationKey: recipient.aadObjectId, activityId: `activity-${this.nextId++}` } };
  }
}

export function tempDir(prefix: string): { dir: string; remove(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
