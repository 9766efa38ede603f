import type { AdaptiveCardInvokeResponse } from 'botbuilder';
import { t, type Locale } from '../cards/i18n';
import { REQUEST_ID_PATTERN, type ApprovalService, type ChangeOutcome, type RefusalProblem } from '../services/approvals';
import type { Person } from '../services/domain/people';
import type { MigrationRequest } from '../services/domain/request';
import { requestCardFor } from './approvalNotifier';
import { cardResponse, errorResponse, type InvokeHandler, type InvokeHandlers, type InvokeRequest } from './invokes';

/** The approval cards' `Action.Execute` verbs; the card templates use exactly these (a test checks it). */
export const APPROVAL_VERBS = {
  approve: 'approvalApprove',
  reject: 'approvalReject',
  /** Universal Actions `refresh`: re-renders a stale card with the request's current state for its viewer. */
  refresh: 'approvalRefresh',
  withdraw: 'requestWithdraw',
} as const;

export interface ApprovalHandlerDeps {
  approvals: Pick<ApprovalService, 'decide' | 'withdraw' | 'getRequest' | 'approvers' | 'approversReached'>;
  /** A person's UPN if the bot has learnt it (to recognise APPROVERS given as UPNs); read from the store, no network. */
  userPrincipalNameOf?: (aadObjectId: string) => Promise<string | undefined>;
}

/** What an approval button may carry: the request's id and version, and the card's own reason input. */
export interface RequestAction {
  requestId: string;
  version: number;
  rejectReason?: string;
}

const ALLOWED_KEYS = new Set(['requestId', 'version', 'rejectReason']);

/** Validates a button's data; undefined for wrong types, unknown ids' shapes, or fields the card never sends. */
export function parseRequestAction(data: Readonly<Record<string, unknown>>): RequestAction | undefined {
  if (Object.keys(data).some((key) => !ALLOWED_KEYS.has(key))) return undefined;
  const { requestId, version, rejectReason } = data;
  if (typeof requestId !== 'string' || !REQUEST_ID_PATTERN.test(requestId)) return undefined;
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1) return undefined;
  if (rejectReason !== undefined && typeof rejectReason !== 'string') return undefined;
  return { requestId, version, ...(rejectReason !== undefined ? { rejectReason } : {}) };
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
export function createApprovalHandlers(deps: ApprovalHandlerDeps): InvokeHandlers {
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

  const decide =
    (decision: 'approve' | 'reject'): InvokeHandler =>
    async ({ actor, locale, data }: InvokeRequest) => {
      const action = parseRequestAction(data);
      if (!action) return errorResponse(400, 'MalformedData', t(locale, 'apprErrMalformed'));
      const person = await withUpn(actor);
      const outcome = await deps.approvals.decide({ requestId: action.requestId, version: action.version, actor: person, decision, reason: action.rejectReason });
      return answer(outcome, person, locale);
    };

  const refresh: InvokeHandler = async ({ actor, locale, data }) => {
    const action = parseRequestAction(data);
    if (!action) return errorResponse(400, 'MalformedData', t(locale, 'apprErrMalformed'));
    const request = await deps.approvals.getRequest(action.requestId);
    if (!request) return errorResponse(404, 'RequestNotFound', t(locale, 'apprErrNotFound'));
    if (action.version > request.version) return errorResponse(409, 'VersionMismatch', t(locale, 'apprErrVersion'));
    const person = await withUpn(actor);
    const isRequester = person.aadObjectId.toLowerCase() === request.requester.aadObjectId.toLowerCase();
    // A pending request is shown only to those who may act on it; a decided one to anyone who has the card.
    if (request.status === 'pending' && !isRequester && !deps.approvals.approvers.includes(person)) {
      return errorResponse(403, 'NotAnApprover', t(locale, 'apprErrNotApprover'));
    }
    return cardFor(request, person, locale);
  };

  const withdraw: InvokeHandler = async ({ actor, locale, data }) => {
    const action = parseRequestAction(data);
    if (!action || action.rejectReason !== undefined) return errorResponse(400, 'MalformedData', t(locale, 'apprErrMalformed'));
    const outcome = await deps.approvals.withdraw({ requestId: action.requestId, actor, version: action.version });
    return answer(outcome, actor, locale);
  };

  return {
    [APPROVAL_VERBS.approve]: decide('approve'),
    [APPROVAL_VERBS.reject]: decide('reject'),
    [APPROVAL_VERBS.refresh]: refresh,
    [APPROVAL_VERBS.withdraw]: withdraw,
  };
}
