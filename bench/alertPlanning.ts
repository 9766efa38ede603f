/**
 * The alert run over a large stored report: ExpiryAlerter.sendDueAlerts with the real store (SQLite on disk) and a
 * notifier that only counts, so the time is planning, claiming and recording, not Teams. The second run finds
 * every alert already sent and must send nothing.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AlertPreferences, Assignments, DEFAULT_ALERT_THRESHOLDS, ExpiryAlerter } from '../services/alerts';
import type { AlertNotifier, DeliveredMessage, DeliveryOutcome, ExpiryAlert } from '../services/alerts';
import { subscriptionKey, type ExpiringSubscription } from '../services/domain/expiring';
import type { Person } from '../services/domain/people';
import { silentLogger } from '../services/logging';
import { classifyExpiry, PartnerCalendar } from '../services/scan';
import { openSqliteStore } from '../services/store';
import type { Store } from '../services/store/store';
import { atMost, benchResult, type BenchResult } from './result';
import { timed } from './stats';

export interface AlertPlanningOptions {
  /** Stored subscriptions, one customer each. */
  subscriptions: number;
  /** Account managers the customers are shared among. */
  accountManagers: number;
}

const TIME_ZONE = 'UTC';
const DAY_MS = 86_400_000;
/** Days left run from 20 days ago to 200 days ahead, so about half the rows have crossed a threshold. */
const FIRST_DAY = -20;
const DAY_SPAN = 221;

/** A notifier that reaches everyone at once and counts what it was asked to deliver. */
class CountingNotifier implements AlertNotifier {
  alerts = 0;
  digests = 0;
  digestRows = 0;
  private nextId = 1;

  async isReachable(): Promise<boolean> {
    return true;
  }

  async sendAlert(recipient: Person): Promise<DeliveryOutcome> {
    this.alerts++;
    return this.sent(recipient);
  }

  async sendDigest(recipient: Person, alerts: readonly ExpiryAlert[]): Promise<DeliveryOutcome> {
    this.digests++;
    this.digestRows += alerts.length;
    return this.sent(recipient);
  }

  async updateAlert(message: DeliveredMessage): Promise<DeliveryOutcome> {
    return { status: 'sent', message };
  }

  private sent(recipient: Person): DeliveryOutcome {
    return { status: 'sent', message: { conversationKey: recipient.aadObjectId, activityId: `bench-${this.nextId++}` } };
  }
}

export async function benchAlertPlanning(options: AlertPlanningOptions): Promise<BenchResult[]> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kma-bench-alerts-'));
  const store = openSqliteStore(dataDir);
  try {
    const now = new Date();
    await seedPortfolio(store, options, now);
    const notifier = new CountingNotifier();
    const alerter = new ExpiryAlerter({ store, notifier, thresholds: DEFAULT_ALERT_THRESHOLDS, timeZone: TIME_ZONE, logger: silentLogger, now: () => now });

    const first = await timed(() => alerter.sendDueAlerts());
    const delivered = { alerts: notifier.alerts, digests: notifier.digests, digestRows: notifier.digestRows };
    const second = await timed(() => alerter.sendDueAlerts());
    const secondSentNothing = second.result.due === 0 && notifier.alerts === delivered.alerts && notifier.digests === delivered.digests;

    const common = { subscriptions: options.subscriptions, accountManagers: options.accountManagers, store: 'sqlite (file)' };
    return [
      benchResult({
        name: 'alerts: first run (plan, claim, send, record)',
        unit: 'ms',
        value: first.ms,
        target: atMost(2000),
        alsoRequired: first.result.failed === 0 && first.result.sent === first.result.due,
        details: { ...common, due: first.result.due, sent: first.result.sent, failed: first.result.failed, ...delivered },
      }),
      benchResult({
        name: 'alerts: second run (all deduplicated)',
        unit: 'ms',
        value: second.ms,
        target: atMost(2000),
        alsoRequired: secondSentNothing,
        details: { ...common, due: second.result.due, sent: second.result.sent },
      }),
    ];
  } finally {
    await store.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * Rows as the scan writes them, each customer assigned to one of the account managers, plus one person who wants
 * every alert (a team lead), so due alerts go both to individuals and as digests.
 */
async function seedPortfolio(store: Store, options: AlertPlanningOptions, now: Date): Promise<void> {
  const calendar = new PartnerCalendar(TIME_ZONE);
  const managers: Person[] = Array.from({ length: options.accountManagers }, (_, index) => ({
    aadObjectId: guid('a0000000', index),
    name: `Account Manager ${index + 1}`,
  }));
  const assignments = new Assignments(store, () => now);
  for (let index = 0; index < options.subscriptions; index++) {
    const customerId = guid('c0000000', index);
    const endDate = new Date(now.getTime() + (FIRST_DAY + (index % DAY_SPAN)) * DAY_MS).toISOString().slice(0, 10);
    const commitmentEndDate = `${endDate}T00:00:00Z`;
    const { daysLeft, urgency } = classifyExpiry(commitmentEndDate, now, calendar);
    const row: ExpiringSubscription = {
      customerId,
      customerName: `Customer ${index + 1}`,
      customerDomain: `customer${index + 1}.onmicrosoft.com`,
      tenantId: customerId,
      education: false,
      subscriptionId: guid('50000000', index),
      offerName: 'Microsoft Kaizala Pro',
      skuId: '00000000-0000-4000-8000-00000000c0de',
      quantity: 25,
      usersOnKaizala: 20,
      consumedUnits: 20,
      status: daysLeft < 0 ? 'expired' : 'active',
      autoRenewEnabled: false,
      commitmentEndDate,
      daysLeft,
      urgency,
      migrating: false,
      scannedAt: now.toISOString(),
      usersSource: 'graphUsers',
      identifiedAt: now.toISOString(),
    };
    await store.upsert('subscriptionsSeen', subscriptionKey(row.customerId, row.subscriptionId), row);
    await assignments.set(customerId, row.customerName, managers[index % managers.length], 'csv');
  }
  await new AlertPreferences(store).setMode({ aadObjectId: guid('b0000000', 0), name: 'Team Lead' }, 'all', now);
}

function guid(prefix: string, index: number): string {
  return `${prefix}-0000-4000-8000-${String(index).padStart(12, '0')}`;
}
