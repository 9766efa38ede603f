export { ApprovalService, MAX_DELIVERY_FAILURES, MAX_REJECT_REASON_LENGTH, USERS_PREVIEW_SIZE } from './approvalService';
export type {
  ApprovalServiceDeps,
  ChangeOutcome,
  Decision,
  DraftProblem,
  MigrationDraft,
  Pricing,
  RefusalProblem,
  RequestOutcome,
} from './approvalService';
export { Approvers, isApproverEntry, isSamePerson, parseApproverList } from './approvers';
export { AuditLog, auditKey } from './audit';
export type { AuditAction, AuditEntry } from './audit';
export { BackgroundWork } from '../background';
export type { BackgroundRunner } from '../background';
export type { ApprovalMessageRecord, ApprovalNotifier, MessageRef, PeopleDirectory, SentApproval } from './ports';
export { REQUEST_ID_PATTERN, newRequestId, normalizeRequestId } from './requestIds';
export { KaizalaSubscriptions } from './subscriptions';
export { startExpirySweep } from './expirySweep';
export type { ExpirySweep, Sweepable } from './expirySweep';
