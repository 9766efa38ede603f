import { randomUUID } from 'node:crypto';
import type { Store } from '../store/store';

/**
 * One external side effect of a run, or its failure (table `audit`). Same key and base fields as the approvals'
 * history (`<customerId>/<ISO time>/<suffix>`, `action`, `details`), so a customer's history reads requests,
 * decisions, purchases, license moves and the suspension in one time-ordered list, kept beyond Partner Center's
 * 90-day activity log.
 */
export interface RunAuditEntry {
  at: string;
  customerId: string;
  customerName: string;
  /** The run's request (the run id). */
  requestId: string;
  /** e.g. `createCart`, `checkout`, `assignLicense`, `licenseUpdates`, `suspendSubscription`. */
  action: string;
  details: RunAuditDetails;
}

export interface RunAuditDetails {
  outcome: 'ok' | 'error';
  /** Ids and states that came back, or the error: short, no personal data beyond object ids. */
  summary: string;
  /** MS-RequestId of the logical operation (Partner Center). */
  msRequestId?: string;
  /** MS-CorrelationId / Graph client-request-id of the last attempt. */
  correlationId?: string;
  userId?: string;
  /** The lease tenure (fencing token) and worker that made the call. */
  fence: number;
  owner: string;
}

export class RunAuditLog {
  constructor(private readonly store: Store) {}

  async record(entry: RunAuditEntry): Promise<void> {
    const details = Object.fromEntries(Object.entries(entry.details).filter(([, value]) => value !== undefined)) as unknown as RunAuditDetails;
    await this.store.insert<RunAuditEntry>('audit', `${entry.customerId.toLowerCase()}/${entry.at}/${randomUUID().slice(0, 8)}`, { ...entry, details });
  }

  /** The run's entries in time order. */
  async forRun(customerId: string, runId: string): Promise<RunAuditEntry[]> {
    const items = await this.store.list<RunAuditEntry>('audit', { prefix: `${customerId.toLowerCase()}/` });
    return items.map((item) => item.value).filter((entry) => entry.requestId === runId && entry.details?.fence !== undefined);
  }
}
