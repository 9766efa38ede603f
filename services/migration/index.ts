export { MigrationRunner, CUSTOMER_LEASE_PREFIX, abortableSleep, runnable } from './migrationRunner';
export type { MigrationRunnerDependencies, RunActionResult, StartRunResult } from './migrationRunner';
export { DEFAULT_MIGRATION_SETTINGS, backoffMs } from './settings';
export type { MigrationSettings } from './settings';
export { silentRunNotifier, toProgressView, toSummaryView } from './notifier';
export type { RunNotifier, RunProgressView, RunPurchaseView, RunSummaryView, RunUserProblemView } from './notifier';
export { LICENSE_PATHS, RUN_STEPS, hasPurchased, isDeadlineAtRisk, isFinished, mayHavePurchased, newRun, targetSkus, termEndMs, userCounts } from './run';
export type {
  KaizalaOutcome,
  LicensePath,
  MigrationRun,
  ParkCode,
  ParkedState,
  ProgressMessageRef,
  PurchaseState,
  RunLine,
  RunStatus,
  RunStep,
  RunWait,
  UserProblemCode,
  UserProgress,
} from './run';
export type { RunActionRequest, RunActionRefusal } from './runActions';
export { RunAuditLog } from './audit';
export type { RunAuditDetails, RunAuditEntry } from './audit';
export { RunRepository, FencedOutError } from './runRepository';
