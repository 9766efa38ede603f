/**
 * `expiring [days]`: the stored expiry report as a paged card. `scan now`: one scan at a time, a first message at
 * once and the summary when it is done (sent outside the turn: a scan of many customers outlives any turn).
 */
import { BotAdapter, CardFactory, ConversationReference, TurnContext } from 'botbuilder';
import { DialogTurnResult, WaterfallStepContext } from 'botbuilder-dialogs';
import { randomUUID } from 'node:crypto';
import { ExpiringPageData, ExpiringReportCardData, ExpiringReportRow, renderCard } from '../cards/cards';
import { Locale, StringKey, t, toLocale } from '../cards/i18n';
import { inert, TEXT_CAPS } from '../cards/literal';
import { daysLeftText, formatDate, formatDuration, formatTime, plural, URGENCY_STYLE } from '../cards/format';
import type { ExpiringSubscription, KaizalaReviewReason, ScanUnknown, Urgency } from '../services/domain/expiring';
import type { Logger } from '../services/logging';
import type { ScanProblemReport } from '../services/alerts/notifier';
import type { ExpiringReport, RunningScan, ScanProblems, ScanRunner, ScanSummary } from '../services/scan';
import { endDateOf } from '../services/scan';
import { CommandModule, CommandSpec } from './commands';

/** Sends text into a conversation outside the turn that asked (the scan summary arrives minutes later). */
export interface ConversationNotifier {
  send(reference: Partial<ConversationReference>, text: string): Promise<void>;
}

/** The notifier the composition root passes in: a proactive message through the bot's adapter. */
export function adapterNotifier(adapter: BotAdapter, botAppId: string): ConversationNotifier {
  return {
    send: (reference, text) =>
      adapter.continueConversationAsync(botAppId, reference, async (context) => {
        await context.sendActivity(text);
      }),
  };
}

export interface ExpiringCommandsDeps {
  report: Pick<ExpiringReport, 'read' | 'timeZone' | 'problems'>;
  scans: Pick<ScanRunner, 'start'>;
  notifier: ConversationNotifier;
  logger: Logger;
  /** Rows per card page; default 10. */
  pageSize?: number;
}

export const EXPIRING_COMMAND: CommandSpec = {
  id: 'expiring',
  usage: 'expiring [days]',
  usageDe: 'ablaufend [Tage]',
  pattern: /^(?:expiring|ablaufend)(?: (\d{1,5}))?$/i,
  help: 'cmdExpiring',
};

export const SCAN_NOW_COMMAND: CommandSpec = {
  id: 'scanNow',
  usage: 'scan now',
  usageDe: 'jetzt scannen',
  pattern: /^(?:scan now|scan|jetzt scannen)$/i,
  help: 'cmdScanNow',
};

const URGENCY_LABELS: Record<Urgency, StringKey> = {
  expired: 'urgencyExpired',
  within7: 'urgencyWithin7',
  within30: 'urgencyWithin30',
  within60: 'urgencyWithin60',
  within90: 'urgencyWithin90',
  later: 'urgencyLater',
};

/** Colours by the one urgency rule of cards/format.ts (no pale yellow or light green on white). */
const URGENCY_COLORS: Record<Urgency, ExpiringReportRow['color']> = {
  expired: URGENCY_STYLE.urgent.color,
  within7: URGENCY_STYLE.urgent.color,
  within30: URGENCY_STYLE.soon.color,
  within60: URGENCY_STYLE.planned.color,
  within90: URGENCY_STYLE.later.color,
  later: URGENCY_STYLE.later.color,
};

const REVIEW_TEXTS: Record<KaizalaReviewReason, StringKey> = {
  skuUnknown: 'reviewSkuUnknown',
  skuNotInTenant: 'reviewSkuNotInTenant',
  noKaizalaPlan: 'reviewNoKaizalaPlan',
  bundledWithSuite: 'reviewBundledWithSuite',
  signalsDisagree: 'reviewSignalsDisagree',
};

const UNKNOWN_LABELS: Record<ScanUnknown['what'], StringKey> = {
  education: 'unknownEducation',
  sku: 'unknownSku',
  offerProduct: 'unknownOfferProduct',
  users: 'unknownUsers',
};

/** Failures named in the chat summary; the CLI and the logs have them all. */
const FAILURES_IN_CHAT = 5;
/** Customers the last scan could not read, named on the report card; the rest are counted. */
const NOT_SCANNED_ON_CARD = 10;
const MAX_REASON_IN_CHAT = 160;

export class ExpiringCommands implements CommandModule {
  readonly commands = [EXPIRING_COMMAND, SCAN_NOW_COMMAND];
  private readonly pageSize: number;

  constructor(private readonly deps: ExpiringCommandsDeps) {
    this.pageSize = deps.pageSize ?? 10;
  }

  async handle(commandId: string, args: string[], step: WaterfallStepContext): Promise<DialogTurnResult> {
    if (commandId === EXPIRING_COMMAND.id) await this.showReport(step.context, args[0]);
    else await this.scanNow(step.context);
    return step.endDialog();
  }

  /** One page of the report; a Next/Previous click replaces the card it came from. */
  private async showReport(context: TurnContext, typedDays: string | undefined): Promise<void> {
    const locale = toLocale(context.activity.locale);
    const paging = pagingOf(context.activity.value);
    const withinDays = typedDays ? Number(typedDays) : paging.within;
    const [rows, problems] = await Promise.all([this.deps.report.read({ withinDays }), this.deps.report.problems()]);
    const timeZone = this.deps.report.timeZone;
    if (rows.length === 0) {
      const empty = withinDays === undefined ? t(locale, 'expiringEmpty') : t(locale, 'expiringEmptyWithin', { days: withinDays });
      const lines = problemLines(problems, timeZone, locale);
      await context.sendActivity([empty, lines.scanProblem, ...lines.notScanned].filter(Boolean).join('\n\n'));
      return;
    }
    const data = expiringCardData(rows, { page: typedDays ? 1 : (paging.page ?? 1), pageSize: this.pageSize, withinDays, timeZone, locale }, problems);
    const attachment = CardFactory.adaptiveCard(renderCard('expiringReport', data, locale));
    const cardToReplace = paging.page !== undefined ? context.activity.replyToId : undefined;
    if (cardToReplace) {
      try {
        await context.updateActivity({ id: cardToReplace, type: 'message', attachments: [attachment] });
        return;
      } catch (error) {
        this.deps.logger.warn('Could not update the report card in place; sending a new one', { error: error instanceof Error ? error.message : String(error) });
      }
    }
    await context.sendActivity({ attachments: [attachment] });
  }

  private async scanNow(context: TurnContext): Promise<void> {
    const locale = toLocale(context.activity.locale);
    const reference = TurnContext.getConversationReference(context.activity);
    const result = await this.deps.scans.start(
      { reason: 'command', by: context.activity.from?.name },
      {
        started: async () => {
          await context.sendActivity(t(locale, 'scanStarted'));
        },
        completed: (summary) => this.deps.notifier.send(reference, scanSummaryText(summary, locale)),
        failed: async (error) => {
          const errorReference = randomUUID().slice(0, 8);
          this.deps.logger.error('Scan started from the chat failed', {
            reference: errorReference,
            error: error instanceof Error ? (error.stack ?? error.message) : String(error),
          });
          await this.deps.notifier.send(reference, t(locale, 'scanFailed', { reference: errorReference }));
        },
      },
    );
    if (!result.started) await context.sendActivity(busyText(result.running, this.deps.report.timeZone, locale));
  }
}

export interface ExpiringPageRequest {
  page: number;
  pageSize: number;
  withinDays?: number;
  timeZone: string;
  locale: Locale;
}

/** The card data for one page (clamped to the pages there are) of a non-empty report. */
export function expiringCardData(rows: readonly ExpiringSubscription[], request: ExpiringPageRequest, problems: ScanProblems = { unread: [] }): ExpiringReportCardData {
  const { locale, withinDays } = request;
  const pages = Math.max(1, Math.ceil(rows.length / request.pageSize));
  const page = Math.min(pages, Math.max(1, Math.floor(request.page)));
  const shown = rows.slice((page - 1) * request.pageSize, page * request.pageSize);
  const params = { count: rows.length, days: withinDays ?? 0, timeZone: request.timeZone, page, pages };
  const pageData = (target: number): ExpiringPageData =>
    withinDays === undefined ? { command: 'expiring', page: target } : { command: 'expiring', page: target, within: withinDays };
  const lines = problemLines(problems, request.timeZone, locale);
  return {
    heading: t(locale, withinDays === undefined ? 'expiringHeadingAll' : 'expiringHeadingWithin', params),
    scanProblem: lines.scanProblem,
    hasScanProblem: lines.scanProblem !== '',
    notScanned: lines.notScanned.map((text) => ({ text })),
    hasNotScanned: lines.notScanned.length > 0,
    rows: shown.map((row) => cardRow(row, locale)),
    hasPrevious: page > 1,
    hasNext: page < pages,
    previousData: pageData(Math.max(1, page - 1)),
    nextData: pageData(Math.min(pages, page + 1)),
  };
}

function cardRow(row: ExpiringSubscription, locale: Locale): ExpiringReportRow {
  return {
    customerName: row.customerName,
    offerName: row.offerName,
    endDate: formatDate(endDateOf(row.commitmentEndDate) ?? row.commitmentEndDate, locale),
    daysLeftText: daysLeftText(row.daysLeft, locale),
    urgencyLabel: t(locale, URGENCY_LABELS[row.urgency]),
    color: URGENCY_COLORS[row.urgency],
    usersText: t(locale, 'expiringUsersText', { users: row.usersOnKaizala, quantity: row.quantity }),
    statusText: t(locale, 'expiringStatusText', {
      status: statusWord(row.status, locale),
      autoRenew: t(locale, row.autoRenewEnabled ? 'expiringAutoRenewOn' : 'expiringAutoRenewOff'),
    }),
    // Rows with something unknown (a failed lookup) show what and why in the same warning line; they stay listed.
    needsReview: row.review !== undefined || row.unknowns !== undefined,
    reviewText: [row.review ? t(locale, REVIEW_TEXTS[row.review.reason]) : '', unknownText(row, locale)].filter(Boolean).join(' '),
    migrating: row.migrating,
    // Unconfirmed rows go to a person first; suspended or deleted subscriptions have nothing left to migrate.
    canMigrate: !row.review && !row.migrating && (row.status === 'active' || row.status === 'expired'),
    migrateData: { command: 'migrate', customerId: row.customerId, subscriptionId: row.subscriptionId },
  };
}

function unknownText(row: ExpiringSubscription, locale: Locale): string {
  if (!row.unknowns) return '';
  const list = row.unknowns.map((unknown) => `${t(locale, UNKNOWN_LABELS[unknown.what])} (${inert(unknown.reason, MAX_REASON_IN_CHAT)})`);
  return t(locale, 'expiringUnknown', { list: list.join('; ') });
}

export { daysLeftText };

/** Partner Center's subscription status in the reader's words (an unknown status is shown as Partner Center says it). */
const STATUS_WORDS: Readonly<Record<string, StringKey>> = {
  active: 'subStatusActive',
  expired: 'subStatusExpired',
  suspended: 'subStatusSuspended',
  deleted: 'subStatusDeleted',
  disabled: 'subStatusDisabled',
  pending: 'subStatusPending',
};

export function statusWord(status: string, locale: Locale): string {
  const key = STATUS_WORDS[status.toLowerCase()];
  return key ? t(locale, key) : status;
}

/**
 * "Not scanned since <date>, <reason>" per customer the last scan could not read, and a line for a scan that stopped;
 * names and reasons made literal (they are untrusted).
 */
export function problemLines(problems: ScanProblems, timeZone: string, locale: Locale): { scanProblem: string; notScanned: string[] } {
  const scanProblem = problems.stopped
    ? t(locale, 'expiringScanStopped', { date: dateTimeIn(problems.stopped.at, timeZone, locale), reason: inert(problems.stopped.reason, MAX_REASON_IN_CHAT) })
    : '';
  const notScanned = problems.unread.slice(0, NOT_SCANNED_ON_CARD).map((customer) => {
    const name = inert(customer.customerName, TEXT_CAPS.name);
    const kind = t(locale, customer.kind === 'authorization' ? 'scanFailureAuthorization' : 'scanFailureError');
    const reason = `${kind}: ${inert(shortFailureReason(customer.reason), MAX_REASON_IN_CHAT)}`;
    return customer.since
      ? t(locale, 'expiringNotScannedSince', { name, date: formatDate(customer.since, locale, timeZone), reason })
      : t(locale, 'expiringNeverScanned', { name, reason });
  });
  const more = problems.unread.length - notScanned.length;
  if (more > 0) notScanned.push(t(locale, 'expiringNotScannedMore', { count: more }));
  notScanned.push(...failureNextSteps(problems.unread, locale));
  return { scanProblem, notScanned };
}

/**
 * A service's refusal in a few words: its first sentence, at most 100 characters cut at a word, so a person reads
 * why ("Partner Center 403 900308: Access denied") rather than a raw answer cut off mid-word.
 */
export function shortFailureReason(reason: string): string {
  const first = reason.replace(/\s+/g, ' ').trim().split(/(?<=[.!?])\s/)[0];
  if (first.length <= 100) return first;
  const cut = first.slice(0, 100);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(' '), 60)).trimEnd()}…`;
}

/** What to do about the customers a scan could not read: one line per kind of failure present. */
function failureNextSteps(failures: readonly { kind: string }[], locale: Locale): string[] {
  const steps: string[] = [];
  if (failures.some((failure) => failure.kind === 'authorization')) steps.push(t(locale, 'scanNextAuthorization'));
  if (failures.some((failure) => failure.kind !== 'authorization')) steps.push(t(locale, 'scanNextError'));
  return steps;
}

/** What the people who get all alerts are told when the scheduled scan failed wholly or for some customers. */
export function scheduledScanReportText(report: ScanProblemReport, timeZone: string, locale: Locale): string {
  if (report.kind === 'stopped') {
    return t(locale, 'scanScheduledStopped', { time: dateTimeIn(report.at, timeZone, locale), reason: inert(report.reason, MAX_REASON_IN_CHAT) });
  }
  return `${t(locale, 'scanScheduledPartial')}\n\n${scanSummaryText(report.summary, locale)}`;
}

function dateTimeIn(iso: string, timeZone: string, locale: Locale): string {
  return `${formatDate(iso, locale, timeZone)} ${formatTime(iso, locale, timeZone)} (${timeZone})`;
}

/** The chat summary: counts, then the customers that could not be read (names made literal: they are untrusted). */
export function scanSummaryText(summary: ScanSummary, locale: Locale): string {
  const text = t(locale, 'scanSummary', {
    duration: formatDuration(summary.durationMs),
    customers: summary.customersScanned,
    total: summary.customersTotal,
    subscriptions: summary.subscriptionsFound,
    urgent: summary.urgent,
    review: summary.needsReview,
  });
  const partial =
    (summary.partial > 0 ? `\n\n${t(locale, 'scanPartial', { count: summary.partial })}` : '') +
    (summary.subscriptionsKept > 0 ? `\n\n${t(locale, 'scanKept', { count: summary.subscriptionsKept })}` : '');
  if (summary.customersFailed === 0) return `${text}${partial}`;
  const named = summary.failures.slice(0, FAILURES_IN_CHAT).map((failure) => {
    const kind = t(locale, failure.kind === 'authorization' ? 'scanFailureAuthorization' : 'scanFailureError');
    return `${inert(failure.customerName, TEXT_CAPS.name)} (${kind}: ${inert(shortFailureReason(failure.reason), MAX_REASON_IN_CHAT)})`;
  });
  const unnamed = summary.customersFailed - named.length;
  if (unnamed > 0) named.push(t(locale, 'scanFailuresMore', { count: unnamed }));
  const next = failureNextSteps(summary.failures, locale).join(' ');
  return `${text}${partial}\n\n${plural(locale, 'scanFailures', summary.customersFailed, { list: named.join('; ') })}${next ? `\n\n${next}` : ''}`;
}

function busyText(running: RunningScan | undefined, timeZone: string, locale: Locale): string {
  if (!running) return t(locale, 'scanBusyElsewhere');
  const time = formatTime(running.startedAt, locale, timeZone);
  const by = running.trigger.by ? inert(running.trigger.by, TEXT_CAPS.name) : t(locale, 'scanBusyBySchedule');
  return t(locale, 'scanBusy', { time: `${time} (${timeZone})`, by });
}

/** Page and filter of a Next/Previous click; anything malformed counts as absent. */
function pagingOf(value: unknown): { page?: number; within?: number } {
  if (value === null || typeof value !== 'object') return {};
  const record = value as Record<string, unknown>;
  const wholeNumber = (raw: unknown, min: number): number | undefined => {
    const number = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
    return typeof number === 'number' && Number.isInteger(number) && number >= min && number <= 100_000 ? number : undefined;
  };
  return { page: wholeNumber(record.page, 1), within: wholeNumber(record.within, 0) };
}
