export { AlertActions, SNOOZE_DAYS } from './alertActions';
export type { AlertActionsDeps, SnoozeResult, TakeCustomerResult } from './alertActions';
export { AlertLedger, MAX_DELIVERY_ATTEMPTS, alertKey } from './alertLedger';
export type { AlertRecord } from './alertLedger';
export { importAssignments } from './assignmentImport';
export type { AssignmentImportResult, PersonDirectory, UnresolvedRow } from './assignmentImport';
export { Assignments } from './assignments';
export type { Assignment, SetResult, TakeResult } from './assignments';
export { CustomerDirectory, matchCustomer } from './customerDirectory';
export type { CustomerMatch, KnownCustomer } from './customerDirectory';
export { DIGEST_AFTER, ExpiryAlerter, MAX_DIGEST_ROWS } from './expiryAlerter';
export type { AlertRunSummary, ExpiryAlerterDeps } from './expiryAlerter';
export { DEFAULT_ALERT_THRESHOLDS, mostUrgentCrossedLevel, parseAlertThresholds } from './levels';
export type { AlertLevel } from './levels';
export type { AlertNotifier, DeliveredMessage, DeliveryOutcome, ExpiryAlert, ScanProblemReport, ScanReportNotifier } from './notifier';
export { asOf, planDueAlerts } from './planner';
export type { AlertPlanInput, DueAlert } from './planner';
export { ALERT_MODES, AlertPreferences, DEFAULT_ALERT_MODE } from './preferences';
export type { AlertMode } from './preferences';
export { AlertScheduler, nextAlertRuns } from './scheduler';
export type { AlertRunner, AlertSchedulerDeps } from './scheduler';
export {
  DEFAULT_ALERT_SCHEDULE,
  DEFAULT_ALERT_SETTINGS,
  DEFAULT_PARTNER_TIMEZONE,
  cronPatternProblem,
  readAlertSettings,
} from './settings';
export type { AlertSettings } from './settings';
export { ScanProblemReporter } from './scanReports';
export type { ScanProblemReporterDeps } from './scanReports';
