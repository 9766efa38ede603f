import { scheduledScanReportText } from '../../dialogs/expiringCommands';
import type { AlertNotifier, DeliveredMessage, DeliveryOutcome, DigestPart, ExpiryAlert, ScanProblemReport, ScanReportNotifier } from '../../services/alerts/notifier';
import type { Person } from '../../services/domain/people';
import type { Logger } from '../../services/logging';
import { alertDigestCard, expiryAlertCard } from './alertCards';
import { ConversationReferences } from './conversationReferences';
import type { ProactiveMessenger, SentMessage } from './messenger';
import { telemetry } from '../../services/observability/telemetry';

/** The alerts' port implemented with cards and the proactive messenger, in each reader's stored language. */
export class TeamsAlertNotifier implements AlertNotifier, ScanReportNotifier {
  constructor(
    private readonly messenger: ProactiveMessenger,
    private readonly conversations: ConversationReferences,
    private readonly logger: Logger,
    /** PARTNER_TIMEZONE, for the times in scan reports. */
    private readonly timeZone: string = 'UTC',
  ) {}

  async isReachable(aadObjectId: string): Promise<boolean> {
    return (await this.conversations.get(aadObjectId)) !== undefined;
  }

  async sendAlert(recipient: Person, alert: ExpiryAlert): Promise<DeliveryOutcome> {
    const outcome = await this.outcomeOf(recipient, () => this.messenger.sendToPerson(recipient.aadObjectId, (locale) => expiryAlertCard(alert, recipient.aadObjectId, locale)));
    if (outcome.status === 'sent') telemetry.alertSent();
    return outcome;
  }

  async sendDigest(recipient: Person, alerts: readonly ExpiryAlert[], part?: DigestPart): Promise<DeliveryOutcome> {
    const outcome = await this.outcomeOf(recipient, () =>
      this.messenger.sendToPerson(recipient.aadObjectId, (locale) => alertDigestCard(alerts, recipient.aadObjectId, locale, part)),
    );
    if (outcome.status === 'sent') telemetry.alertSent(alerts.length);
    return outcome;
  }

  sendScanReport(recipient: Person, report: ScanProblemReport): Promise<DeliveryOutcome> {
    return this.outcomeOf(recipient, () => this.messenger.sendToPerson(recipient.aadObjectId, (locale) => scheduledScanReportText(report, this.timeZone, locale)));
  }

  updateAlert(message: DeliveredMessage, recipient: Person, alert: ExpiryAlert): Promise<DeliveryOutcome> {
    return this.outcomeOf(recipient, async () => {
      await this.messenger.update(message, (locale) => expiryAlertCard(alert, recipient.aadObjectId, locale));
      return message;
    });
  }

  private async outcomeOf(recipient: Person, send: () => Promise<SentMessage | undefined>): Promise<DeliveryOutcome> {
    try {
      const message = await send();
      return message ? { status: 'sent', message } : { status: 'unreachable' };
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.logger.warn('Alert delivery failed', { recipient: recipient.aadObjectId, reason });
      return { status: 'failed', reason };
    }
  }
}
