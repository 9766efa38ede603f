import type { AdaptiveCardInvokeResponse } from 'botbuilder';
import { t, type Locale } from '../cards/i18n';
import type { Person } from '../services/domain/people';
import { LICENSE_PATHS, type LicensePath, type RunActionRequest, type RunActionResult } from '../services/migration';
import { cardResponse, errorResponse, type InvokeHandler, type InvokeHandlers } from './invokes';
import { runProgressCard } from './runProgressNotifier';

/** The progress card's `Action.Execute` verbs; cards/runProgress.json uses exactly these (a test checks it). */
export const RUN_VERBS = {
  retry: 'runRetry',
  cancel: 'runCancel',
} as const;

/** What the handlers need of the migration runner (MigrationRunner implements it). */
export interface RunControl {
  retry(request: RunActionRequest): Promise<RunActionResult>;
  cancel(request: RunActionRequest): Promise<RunActionResult>;
}

export interface RunHandlerDeps {
  runs: RunControl;
  /** A person's UPN if the bot has learnt it (to recognise APPROVERS given as UPNs); read from the store, no network. */
  userPrincipalNameOf?: (aadObjectId: string) => Promise<string | undefined>;
}

/** What a run button may carry: the run's id and the card's version, plus the license path on "Retry via Partner Center". */
export interface RunAction {
  runId: string;
  version: number;
  licensePath?: LicensePath;
}

const ALLOWED_KEYS = new Set(['runId', 'version', 'licensePath']);
const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** Validates a button's data; undefined for wrong types or fields the card never sends. */
export function parseRunAction(data: Readonly<Record<string, unknown>>): RunAction | undefined {
  if (Object.keys(data).some((key) => !ALLOWED_KEYS.has(key))) return undefined;
  const { runId, version, licensePath } = data;
  if (typeof runId !== 'string' || !RUN_ID.test(runId)) return undefined;
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1) return undefined;
  if (licensePath !== undefined && !(LICENSE_PATHS as readonly unknown[]).includes(licensePath)) return undefined;
  return { runId, version, ...(licensePath !== undefined ? { licensePath: licensePath as LicensePath } : {}) };
}

/**
 * Retry and Cancel on a run's progress card. Each reloads the run in the runner (policy: requester or approver,
 * current version, compare-and-set) and answers at once with the card as it now is; the run itself continues in
 * the background.
 */
export function createRunHandlers(deps: RunHandlerDeps): InvokeHandlers {
  const withUpn = async (actor: Person): Promise<Person> => {
    if (!deps.userPrincipalNameOf || actor.userPrincipalName) return actor;
    const userPrincipalName = await deps.userPrincipalNameOf(actor.aadObjectId);
    return userPrincipalName ? { ...actor, userPrincipalName } : actor;
  };

  const answer = (result: RunActionResult, locale: Locale): AdaptiveCardInvokeResponse => {
    switch (result.kind) {
      case 'done':
        return cardResponse(runProgressCard(result.view, locale));
      case 'notFound':
        return errorResponse(404, 'RunNotFound', t(locale, 'runErrNotFound'));
      case 'forbidden':
        return errorResponse(403, 'NotRequesterOrApprover', t(locale, 'runErrForbidden'));
      case 'stale':
        return errorResponse(409, 'VersionMismatch', t(locale, 'runErrStale'));
      case 'notAllowed':
        return errorResponse(409, 'NotAllowedNow', t(locale, 'runErrNotAllowed'));
    }
  };

  const act =
    (action: 'retry' | 'cancel'): InvokeHandler =>
    async ({ actor, locale, data }) => {
      const parsed = parseRunAction(data);
      if (!parsed || (action === 'cancel' && parsed.licensePath !== undefined)) {
        return errorResponse(400, 'MalformedData', t(locale, 'runErrMalformed'));
      }
      const request: RunActionRequest = { ...parsed, actor: await withUpn(actor) };
      return answer(await (action === 'retry' ? deps.runs.retry(request) : deps.runs.cancel(request)), locale);
    };

  return {
    [RUN_VERBS.retry]: act('retry'),
    [RUN_VERBS.cancel]: act('cancel'),
  };
}
