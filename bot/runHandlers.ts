import type { AdaptiveCardInvokeResponse } from 'botbuilder';
import { t, type Locale } from '../cards/i18n';
import type { Person } from '../services/domain/people';
import { z } from 'zod';
import { runIdSchema, versionSchema } from '../services/domain/ids';
import { LICENSE_PATHS, type RunActionRequest, type RunActionResult } from '../services/migration';
import { actionTable, cardResponse, defineAction, errorResponse, type InvokeHandlers } from './invokes';
import { runProgressCard } from './runProgressNotifier';

/** The progress card's `Action.Execute` verbs; cards/runProgress.json uses exactly these (a test checks it). */
export const RUN_VERBS = {
  retry: 'runRetry',
  cancel: 'runCancel',
} as const;
export type RunVerb = (typeof RUN_VERBS)[keyof typeof RUN_VERBS];

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

/** What Retry and Cancel carry: the run's id and the card's version; "Retry via Partner Center" adds the license path. */
const cancelData = z.strictObject({ runId: runIdSchema, version: versionSchema });
const retryData = cancelData.extend({ licensePath: z.literal(LICENSE_PATHS).optional() });

/** What a run button may carry, as its schema reads it. */
export type RunAction = z.output<typeof retryData>;

/** Validates a button's data; undefined for wrong types or fields the card never sends. */
export function parseRunAction(data: unknown): RunAction | undefined {
  const parsed = retryData.safeParse(data);
  return parsed.success ? parsed.data : undefined;
}

/**
 * Retry and Cancel on a run's progress card. Each reloads the run in the runner (policy: requester or approver,
 * current version, compare-and-set) and answers at once with the card as it now is; the run itself continues in
 * the background.
 */
export function createRunHandlers(deps: RunHandlerDeps): InvokeHandlers<RunVerb> {
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

  const act = async (action: 'retry' | 'cancel', actor: Person, parsed: RunAction, locale: Locale): Promise<AdaptiveCardInvokeResponse> => {
    const request: RunActionRequest = { ...parsed, actor: await withUpn(actor) };
    return answer(await (action === 'retry' ? deps.runs.retry(request) : deps.runs.cancel(request)), locale);
  };

  return actionTable(
    defineAction({
      verb: RUN_VERBS.retry,
      data: retryData,
      malformed: 'runErrMalformed',
      handle: ({ actor, locale, data }) => act('retry', actor, data, locale),
    }),
    defineAction({
      verb: RUN_VERBS.cancel,
      data: cancelData,
      malformed: 'runErrMalformed',
      handle: ({ actor, locale, data }) => act('cancel', actor, data, locale),
    }),
  );
}
