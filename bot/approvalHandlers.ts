import type { AdaptiveCardInvokeResponse } from 'botbuilder';
import { t, type Locale } from '../cards/i18n';
import { z } from 'zod';
import { MAX_REJECT_REASON_LENGTH, type ApprovalService, type ChangeOutcome, type RefusalProblem } from '../services/approvals';
import { requestIdSchema, versionSchema } from '../services/domain/ids';
import type { Person } from '../services/domain/people';
import type { MigrationRequest } from '../services/domain/request';
import { requestCardFor } from './approvalNotifier';
import { actionTable, cardResponse, defineAction, errorResponse, type InvokeHandlers, type InvokeRequest } from './invokes';

/** The approval cards' `Action.Execute` verbs; the card templates use exactly these (a test checks it). */
export const APPROVAL_VERBS = {
  approve: 'approvalApprove',
  reject: 'approvalReject',
  /** Universal Actions `refresh`: re-renders a stale card with the request's current state for its viewer. */
  refresh: 'approvalRefresh',
  withdraw: 'requestWithdraw',
} as const;
export type ApprovalVerb = (typeof APPROVAL_VERBS)[keyof typeof APPROVAL_VERBS];

export interface ApprovalHandlerDeps {
  approvals: Pick<ApprovalService, 'decide' | 'withdraw' | 'getRequest' | 'approvers' | 'approversReached'>;
  /** A person's UPN if the bot has learnt it (to recognise APPROVERS given as UPNs); read from the store, no network. */
  userPrincipalNameOf?: (aadObjectId: string) => Promise<string | undefined>;
}

/** Withdraw carries the request's id and the version the requester saw. */
const withdrawData = z.strictObject({ requestId: requestIdSchema, version: versionSchema });
/**
 * Approve, Reject and the card's refresh also carry the card's reason input. Its length is the use case's to
 * judge (a clear "reason required" answer); the cap here only keeps absurd payloads out.
 */
const decisionData = withdrawData.extend({ rejectReason: z.string().max(MAX_REJECT_REASON_LENGTH * 4).optional() });

/** What an approval button may carry, as its schema reads it. */
export type RequestAction = z.output<typeof decisionData>;

/** Validates a button's data; undefined for wrong types, unknown ids' shapes, or fields the card never sends. */
export function parseRequestAction(data: unknown): RequestAction | undefined {
  const parsed = decisionData.safeParse(data);
  return parsed.success ? parsed.data : undefined;
}

const REFUSALS: Readonly<Record<RefusalProblem, [400 | 403 | 404 | 409, string, Parameters<typeof t>[1]]>> = {
  notFound: [404, 'RequestNotFound', 'apprErrNotFound'],
  notApprover: [403, 'NotAnApprover', 'apprErrNotApprover'],
  selfApproval: [403, 'SelfApproval', 'apprErrSelf'],
  notRequester: [403, 'NotTheRequester', 'apprErrNotRequester'],
  reasonRequired: [400, 'ReasonRequired', 'apprErrReason'],
  futureVersion: [409, 'VersionMismatch', 'apprErrVersion'],
};

/**
 * The handlers of the approval cards' buttons. Each reloads the request, lets the approval use case decide
 * (policy + compare-and-set), and answers at once with the card as it now is — slow work (updating the other
 * approvers' cards, telling the requester) runs in the background.
 */
export function createApprovalHandlers(deps: ApprovalHandlerDeps): InvokeHandlers<ApprovalVerb> {
  const withUpn = async (actor: Person): Promise<Person> => {
    if (!deps.userPrincipalNameOf || !deps.approvals.approvers.hasUpnEntries || deps.approvals.approvers.includes(actor)) return actor;
    const userPrincipalName = await deps.userPrincipalNameOf(actor.aadObjectId);
    return userPrincipalName ? { ...actor, userPrincipalName } : actor;
  };

  const cardFor = async (request: MigrationRequest, viewer: Person, locale: Locale) => {
    const role = viewer.aadObjectId.toLowerCase() === request.requester.aadObjectId.toLowerCase() ? 'requester' : 'approver';
    const approversReached = role === 'requester' ? await deps.approvals.approversReached(request.id) : 0;
    return cardResponse(requestCardFor(request, role, { approvers: deps.approvals.approvers, approversReached }, locale));
  };

  const answer = async (outcome: ChangeOutcome, actor: Person, locale: Locale): Promise<AdaptiveCardInvokeResponse> => {
    if (outcome.kind === 'refused') {
      const [status, code, key] = REFUSALS[outcome.problem];
      return errorResponse(status, code, t(locale, key));
    }
    return cardFor(outcome.request, actor, locale);
  };

  const decide = async (decision: 'approve' | 'reject', { actor, locale, data }: InvokeRequest<RequestAction>): Promise<AdaptiveCardInvokeResponse> => {
    const person = await withUpn(actor);
    const outcome = await deps.approvals.decide({ requestId: data.requestId, version: data.version, actor: person, decision, reason: data.rejectReason });
    return answer(outcome, person, locale);
  };

  const refresh = async ({ actor, locale, data }: InvokeRequest<RequestAction>): Promise<AdaptiveCardInvokeResponse> => {
    const request = await deps.approvals.getRequest(data.requestId);
    if (!request) return errorResponse(404, 'RequestNotFound', t(locale, 'apprErrNotFound'));
    if (data.version > request.version) return errorResponse(409, 'VersionMismatch', t(locale, 'apprErrVersion'));
    const person = await withUpn(actor);
    const isRequester = person.aadObjectId.toLowerCase() === request.requester.aadObjectId.toLowerCase();
    // A pending request is shown only to those who may act on it; a decided one to anyone who has the card.
    if (request.status === 'pending' && !isRequester && !deps.approvals.approvers.includes(person)) {
      return errorResponse(403, 'NotAnApprover', t(locale, 'apprErrNotApprover'));
    }
    return cardFor(request, person, locale);
  };

  const withdraw = async ({ actor, locale, data }: InvokeRequest<z.output<typeof withdrawData>>): Promise<AdaptiveCardInvokeResponse> => {
    const outcome = await deps.approvals.withdraw({ requestId: data.requestId, actor, version: data.version });
    return answer(outcome, actor, locale);
  };

  const malformed = 'apprErrMalformed';
  return actionTable(
    defineAction({ verb: APPROVAL_VERBS.approve, data: decisionData, malformed, handle: (request) => decide('approve', request) }),
    defineAction({ verb: APPROVAL_VERBS.reject, data: decisionData, malformed, handle: (request) => decide('reject', request) }),
    defineAction({ verb: APPROVAL_VERBS.refresh, data: decisionData, malformed, handle: refresh }),
    defineAction({ verb: APPROVAL_VERBS.withdraw, data: withdrawData, malformed, handle: withdraw }),
  );
}
