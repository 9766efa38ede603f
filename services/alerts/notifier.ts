import type { ExpiringSubscription } from '../domain/expiring';
import type { Person } from '../domain/people';
import type { ScanSummary } from '../scan/types';

/** One subscription to warn about, as the recipient should see it now. */
export interface ExpiryAlert {
  /** The scan's row with `daysLeft` brought up to date. */
  subscription: ExpiringSubscription;
  /** Undefined while nobody looks after the customer: the card then offers "Take it". */
  accountManager?: Person;
}

/** Where a delivered alert landed, so it can be updated later (same shape as the bot's SentMessage). */
export interface DeliveredMessage {
  conversationKey: string;
  activityId: string;
}

export type DeliveryOutcome =
  | { status: 'sent'; message: DeliveredMessage }
  /** The person has no conversation with the bot (never installed, or uninstalled). */
  | { status: 'unreachable' }
  | { status: 'failed'; reason: string };

/**
 * How the alerts reach people; bot/ implements it with cards and the proactive messenger, tests with a fake.
 * Implementations never throw for a delivery problem: they answer an outcome, so one person's failure is theirs.
 */
/** Which slice of a person's due alerts a digest carries, when they do not fit one message: "1–25 of 73". */
export interface DigestPart {
  from: number;
  to: number;
  total: number;
  /** Digest messages still to come after this one. */
  messagesLeft: number;
}

export interface AlertNotifier {
  /** True when the person has a conversation with the bot that alerts can be sent to. */
  isReachable(aadObjectId: string): Promise<boolean>;
  sendAlert(recipient: Person, alert: ExpiryAlert): Promise<DeliveryOutcome>;
  /** Several alerts on one card, most urgent first; `part` when they are split over several messages. */
  sendDigest(recipient: Person, alerts: readonly ExpiryAlert[], part?: DigestPart): Promise<DeliveryOutcome>;
  /** Rewrites an alert sent earlier (e.g. its customer was just taken by someone). */
  updateAlert(message: DeliveredMessage, recipient: Person, alert: ExpiryAlert): Promise<DeliveryOutcome>;
}

/** What the people who get all alerts hear about a scheduled scan that did not read everything. */
export type ScanProblemReport =
  /** Finished, but some customers could not be read; the summary counts the whole report. */
  | { kind: 'partial'; summary: ScanSummary }
  /** Stopped before it was done (e.g. the customer list failed); alerts went out from the stored report. */
  | { kind: 'stopped'; at: string; reason: string };

/** How scan problems reach a person; bot/ implements it with the proactive messenger, so Teams' pacing applies. */
export interface ScanReportNotifier {
  sendScanReport(recipient: Person, report: ScanProblemReport): Promise<DeliveryOutcome>;
}
