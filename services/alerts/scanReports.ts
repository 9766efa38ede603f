import type { Person } from '../domain/people';
import type { Logger } from '../logging';
import type { ScanSummary } from '../scan/types';
import type { Store } from '../store/store';
import type { DeliveryOutcome, ScanProblemReport, ScanReportNotifier } from './notifier';
import { AlertPreferences } from './preferences';

export interface ScanProblemReporterDeps {
  store: Store;
  notifier: ScanReportNotifier;
  logger: Logger;
  now?: () => Date;
}

/**
 * Posts a scheduled scan's failures (wholly, or for some customers) to the people who get all alerts (alert mode
 * `all`): they look after every customer, so a customer nobody could read is theirs to chase. Nothing is posted for a
 * scan that read everything.
 */
export class ScanProblemReporter {
  private readonly preferences: AlertPreferences;
  private readonly now: () => Date;

  constructor(private readonly deps: ScanProblemReporterDeps) {
    this.preferences = new AlertPreferences(deps.store);
    this.now = deps.now ?? (() => new Date());
  }

  /** After a scheduled scan finished: posts when it could not read some customers. */
  async scanned(summary: ScanSummary): Promise<void> {
    if (summary.customersFailed > 0) await this.post({ kind: 'partial', summary });
  }

  /** After a scheduled scan stopped. */
  async failed(error: unknown): Promise<void> {
    await this.post({ kind: 'stopped', at: this.now().toISOString(), reason: error instanceof Error ? error.message : String(error) });
  }

  private async post(report: ScanProblemReport): Promise<void> {
    const recipients: Person[] = [...(await this.preferences.modes()).values()].filter((m) => m.mode === 'all').map((m) => m.person);
    if (recipients.length === 0) {
      this.deps.logger.warn('The scheduled scan had problems and nobody gets all alerts to hear of them', { kind: report.kind });
      return;
    }
    for (const recipient of recipients) {
      let outcome: DeliveryOutcome;
      try {
        outcome = await this.deps.notifier.sendScanReport(recipient, report);
      } catch (error) {
        outcome = { status: 'failed', reason: error instanceof Error ? error.message : String(error) };
      }
      if (outcome.status !== 'sent') {
        this.deps.logger.warn('Could not tell someone about the scheduled scan', {
          recipient: recipient.aadObjectId,
          outcome: outcome.status,
          reason: outcome.status === 'failed' ? outcome.reason : undefined,
        });
      }
    }
  }
}
