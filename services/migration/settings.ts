import type { LicensePath } from './run';

/** Tunables of the migration runner; the composition root fills the first group from config. */
export interface MigrationSettings {
  /** Lease owner id of this process; must differ between processes sharing a store. */
  ownerId: string;
  /** Runs executing at once in this process (different customers). */
  concurrency: number;
  /** License path of new runs (LICENSE_PATH); a parked run can be retried on the other path. */
  defaultLicensePath: LicensePath;
  /** Warn the requester when the Kaizala term ends within this many days (DEADLINE_MARGIN_DAYS). */
  deadlineMarginDays: number;
  /** Catalog market when the customer's billing profile names none. */
  defaultCountry: string;
  leaseTtlMs: number;
  /** How often the runner looks for due, orphaned or newly approved work. */
  tickMs: number;
  /** How often approved requests without a run are picked up (when the approval handler's call was lost). */
  requestPollMs: number;
  progressMinIntervalMs: number;
  /** Users moved at once within a run. */
  userConcurrency: number;
  /** Product budget: ≤ 16 assignLicense/s per customer. */
  graphAssignPerSecond: number;
  /** Product budget: ≤ 1 licenseupdates/s per customer. */
  partnerCenterLicenseUpdatesPerSecond: number;
  /** First and largest wait between polls (provisioning, landing orders, transient failures). */
  pollInitialMs: number;
  pollMaxMs: number;
  /** Waits up to this long happen inside the run; longer ones free the lease and the worker slot. */
  inlineWaitMaxMs: number;
  /** Park when the order is not provisioned (with free seats) this long after it was placed. */
  provisioningTimeoutMs: number;
  /** Park when a checkout that landed (or may have) shows no order for this long (the order list lags ≤ 15 min). */
  purchaseLandingTimeoutMs: number;
  /** Consecutive transient failures (429/5xx/timeouts after the client's own retries) before a step parks. */
  maxTransientFailures: number;
  /** License calls per user (with read-back after each) before the user is parked. */
  maxUserRounds: number;
  /** Verification sending users back to the move step at most this often before the run parks. */
  maxVerifyRounds: number;
}

export const DEFAULT_MIGRATION_SETTINGS: Omit<MigrationSettings, 'ownerId'> = {
  concurrency: 3,
  defaultLicensePath: 'graph',
  deadlineMarginDays: 3,
  defaultCountry: 'US',
  leaseTtlMs: 60_000,
  tickMs: 5_000,
  requestPollMs: 60_000,
  progressMinIntervalMs: 2_000,
  userConcurrency: 4,
  graphAssignPerSecond: 16,
  partnerCenterLicenseUpdatesPerSecond: 1,
  pollInitialMs: 5_000,
  pollMaxMs: 120_000,
  inlineWaitMaxMs: 15_000,
  provisioningTimeoutMs: 6 * 3_600_000,
  purchaseLandingTimeoutMs: 45 * 60_000,
  maxTransientFailures: 8,
  maxUserRounds: 5,
  maxVerifyRounds: 3,
};

/** Exponential back-off for the n-th consecutive wait (n ≥ 1). */
export function backoffMs(settings: Pick<MigrationSettings, 'pollInitialMs' | 'pollMaxMs'>, n: number): number {
  return Math.min(settings.pollMaxMs, settings.pollInitialMs * 2 ** Math.max(0, n - 1));
}
