import type { SandboxClock } from './clock';
import type { SandboxDb } from './db';
import type { LedgerChange, LedgerEntry, SubscriptionRecord, SubscriptionSummary } from './model';

export type LedgerMeta = Omit<LedgerEntry, 'seq' | 'time' | 'recordedAt' | 'changes'>;

/** Appends one entry per state-changing call (inside the caller's transaction, so it commits with the change). */
export class Ledger {
  constructor(
    private readonly db: SandboxDb,
    private readonly clock: SandboxClock,
  ) {}

  append(meta: LedgerMeta, changes: LedgerChange[], atMs?: number): number {
    return this.db.appendLedger({
      ...meta,
      time: new Date(atMs ?? this.clock.nowMs()).toISOString(),
      recordedAt: new Date(this.clock.baseMs()).toISOString(),
      changes,
    });
  }

  /** An entry for changes the sandbox made on its own (provisioning, term end, deprovisioning). */
  appendLifecycle(customerId: string, operation: string, changes: LedgerChange[], atMs: number): void {
    this.append(
      {
        actor: 'lifecycle',
        api: 'lifecycle',
        method: '-',
        route: '-',
        operation,
        requestId: null,
        correlationId: null,
        customerId,
        status: 0,
        delivery: 'none',
      },
      changes,
      atMs,
    );
  }
}

export function summarizeSubscription(subscription: SubscriptionRecord): SubscriptionSummary {
  return {
    status: subscription.status,
    quantity: subscription.quantity,
    autoRenewEnabled: subscription.autoRenewEnabled,
    commitmentEndDate: subscription.commitmentEndDate,
  };
}
