import { DialogTurnResult, WaterfallStepContext } from 'botbuilder-dialogs';
import { isGuid } from '../services/domain/ids';
import { t, toLocale } from '../cards/i18n';
import { cardFitsAsIs } from '../cards/cards';
import { inert, TEXT_CAPS } from '../cards/literal';
import { normalizeRequestId, type ApprovalService } from '../services/approvals';
import type { KaizalaSubscriptions } from '../services/approvals/subscriptions';
import { CommandModule } from './commands';
import { cardActivity, STATUS_WORDS } from './migrationWizard';
import { historyCard, historyEvents, type NameOf } from '../cards/views/history';

export interface ApprovalCommandsDeps {
  approvals: Pick<ApprovalService, 'withdraw' | 'history'>;
  subscriptions: KaizalaSubscriptions;
  /** Names people from their stored conversation; the name recorded in the audit row is the fallback. */
  nameOf?: NameOf;
  /** The partner's time zone (ALERT_TIME_ZONE): history dates read in it. */
  timeZone?: string;
}

/** Audit rows read: a run writes one per call (per user for license moves), so a few runs of big customers. */
const HISTORY_ROWS_READ = 5000;
const HISTORY_ENTRIES_SHOWN = 50;
const HISTORY_ENTRIES_MIN = 5;

/** `history <customer>` (the audit trail) and `withdraw <request id>` (the requester takes a request back). */
export function approvalCommandsModule(deps: ApprovalCommandsDeps): CommandModule {
  return {
    commands: [
      { id: 'history', usage: 'history <customer>', usageDe: 'verlauf <Kunde>', pattern: /^(?:history|verlauf)(?: (.+))?$/i, help: 'cmdHistory' },
      { id: 'withdraw', usage: 'withdraw <request id>', usageDe: 'zurückziehen <Anfrage-ID>', pattern: /^(?:withdraw|zurückziehen)(?: (.+))?$/i, help: 'cmdWithdraw' },
    ],
    async handle(commandId, args, step) {
      return commandId === 'history' ? showHistory(deps, args[0] ?? '', step) : withdrawRequest(deps, args[0] ?? '', step);
    },
  };
}

async function showHistory(deps: ApprovalCommandsDeps, query: string, step: WaterfallStepContext): Promise<DialogTurnResult> {
  const locale = toLocale(step.context.activity.locale);
  const reply = async (text: string) => {
    await step.context.sendActivity(text);
    return step.endDialog();
  };
  if (query === '') return reply(t(locale, 'histUsage'));
  const matches = await deps.subscriptions.find(query);
  const customers = new Map(matches.map((s) => [s.customerId.toLowerCase(), s.customerName]));
  // A customer the scan no longer lists (migrated, or gone) is still found by id.
  if (customers.size === 0 && isGuid(query)) customers.set(query.toLowerCase(), '');
  if (customers.size === 0) return reply(t(locale, 'histNoMatch', { query: query.slice(0, 100) }));
  if (customers.size > 1) {
    return reply(t(locale, 'histAmbiguous', { query: query.slice(0, 100), names: [...customers.values()].slice(0, 10).map((name) => inert(name, TEXT_CAPS.name)).join(', ') }));
  }
  const [[customerId, knownName]] = [...customers];
  const { entries: rows, total } = await deps.approvals.history(customerId, HISTORY_ROWS_READ);
  if (knownName === '' && total === 0) return reply(t(locale, 'histNoMatch', { query: query.slice(0, 100) }));
  const customerName = knownName || rows[0]?.customerName || query;
  const events = await historyEvents(rows, locale, deps.nameOf);
  const timeZone = deps.timeZone ?? 'UTC';
  // Long reasons make long entries: show fewer of the newest rather than cut every text to fit Teams' size.
  let shown = Math.min(events.length, HISTORY_ENTRIES_SHOWN);
  while (shown > HISTORY_ENTRIES_MIN && !cardFitsAsIs('approvalHistory', historyCard(customerName, events, shown, locale, timeZone), locale)) {
    shown = Math.max(HISTORY_ENTRIES_MIN, Math.floor(shown * 0.7));
  }
  await step.context.sendActivity(cardActivity('approvalHistory', historyCard(customerName, events, shown, locale, timeZone), locale));
  return step.endDialog();
}

async function withdrawRequest(deps: ApprovalCommandsDeps, text: string, step: WaterfallStepContext): Promise<DialogTurnResult> {
  const locale = toLocale(step.context.activity.locale);
  const from = step.context.activity.from;
  const requestId = normalizeRequestId(text);
  let reply: string;
  if (!requestId) {
    reply = t(locale, 'wdUsage');
  } else if (!from?.aadObjectId) {
    reply = t(locale, 'unknownUser');
  } else {
    const outcome = await deps.approvals.withdraw({ requestId, actor: { aadObjectId: from.aadObjectId, name: from.name ?? '' } });
    if (outcome.kind === 'changed') reply = t(locale, 'wdDone', { requestId });
    else if (outcome.kind === 'current') reply = t(locale, 'wdAlready', { requestId, status: t(locale, STATUS_WORDS[outcome.request.status]) });
    else if (outcome.problem === 'notFound') reply = t(locale, 'apprErrNotFound');
    else reply = t(locale, 'apprErrNotRequester');
  }
  await step.context.sendActivity(reply);
  return step.endDialog();
}
