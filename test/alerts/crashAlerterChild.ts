/**
 * One alert run in a process of its own, for the crash test (test/alerts/crashSafety.test.ts), which SIGKILLs it
 * mid-run. Started through scripts/chaosRegister.cjs:
 *   node -r scripts/chaosRegister.cjs test/alerts/crashAlerterChild.ts DATA_DIR LOG_FILE CLOCK_ORIGIN_MS LEASE_MS SEND_MS
 * Every send appends `sending` to LOG_FILE, waits SEND_MS (Teams' answer), then appends `delivered`, each line
 * fsynced before the notifier answers, so the log holds every delivery a kill could not undo. The alerter's clock is
 * TODAY + (now − CLOCK_ORIGIN_MS), shared by every process of one test, so claims age in real time across restarts.
 */
import * as fs from 'node:fs';
import { ExpiryAlerter } from '../../services/alerts/expiryAlerter';
import { DEFAULT_ALERT_THRESHOLDS } from '../../services/alerts/levels';
import type { AlertNotifier, DeliveryOutcome, ExpiryAlert } from '../../services/alerts/notifier';
import type { Person } from '../../services/domain/people';
import { silentLogger } from '../../services/logging';
import { openSqliteStore } from '../../services/store/sqliteStore';
import { TODAY } from './support';

/** Alerts being sent at once; the test's bound on duplicates depends on it. */
export const CHILD_CONCURRENCY = 4;

export interface LoggedSend {
  event: 'sending' | 'delivered';
  pid: number;
  to: string;
  subscriptionIds: string[];
}

function append(file: string, entry: LoggedSend): void {
  const fd = fs.openSync(file, 'a');
  try {
    fs.writeSync(fd, `${JSON.stringify(entry)}\n`);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

class LoggingNotifier implements AlertNotifier {
  private next = 1;

  constructor(
    private readonly file: string,
    private readonly sendMs: number,
  ) {}

  async isReachable(): Promise<boolean> {
    return true;
  }

  sendAlert(recipient: Person, alert: ExpiryAlert): Promise<DeliveryOutcome> {
    return this.send(recipient, [alert]);
  }

  sendDigest(recipient: Person, alerts: readonly ExpiryAlert[]): Promise<DeliveryOutcome> {
    return this.send(recipient, alerts);
  }

  async updateAlert(): Promise<DeliveryOutcome> {
    return { status: 'failed', reason: 'not used by this test' };
  }

  private async send(recipient: Person, alerts: readonly ExpiryAlert[]): Promise<DeliveryOutcome> {
    const entry = { pid: process.pid, to: recipient.aadObjectId, subscriptionIds: alerts.map((a) => a.subscription.subscriptionId) };
    append(this.file, { event: 'sending', ...entry });
    await new Promise((resolve) => setTimeout(resolve, this.sendMs));
    append(this.file, { event: 'delivered', ...entry });
    return { status: 'sent', message: { conversationKey: recipient.aadObjectId, activityId: `${process.pid}-${this.next++}` } };
  }
}

async function main(): Promise<void> {
  const [dataDir, logFile, clockOrigin, leaseMs, sendMs] = process.argv.slice(2);
  const store = openSqliteStore(dataDir);
  const origin = Number(clockOrigin);
  const alerter = new ExpiryAlerter({
    store,
    notifier: new LoggingNotifier(logFile, Number(sendMs)),
    thresholds: DEFAULT_ALERT_THRESHOLDS,
    timeZone: 'UTC',
    logger: silentLogger,
    now: () => new Date(TODAY.getTime() + Date.now() - origin),
    concurrency: CHILD_CONCURRENCY,
    claimLeaseMs: Number(leaseMs),
  });
  const summary = await alerter.sendDueAlerts();
  await store.close();
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
