import type { ApprovalHistoryCardData } from '../cards';
import { t, type Locale } from '../i18n';
import type { AuditEntry } from '../../services/approvals';

/**
 * `history <customer>` as a person reads it: one line per event, newest first, in plain words and the reader's
 * language, people by name. The audit table holds two kinds of rows under the same key: the approvals' (requested,
 * approved, rejected, withdrawn, expired, cancelled — with the actor) and the run's side effects (one per Partner
 * Center or Graph call, `details.fence` set, per user for license moves). A run's rows become one "Run: …" line;
 * their operations and ids go to the technical rows behind the card's "details" toggle.
 */

/** Names people by Entra object id from what the bot knows about them (their stored conversation). */
export type NameOf = (aadObjectId: string) => Promise<string | undefined>;

export interface HistoryEvent {
  /** Time of the event (the run's: its latest row). */
  at: string;
  requestId: string;
  /** Plain sentence, in the reader's language. */
  text: string;
  /** Request id, run id, operations: what support needs. */
  technical: string;
}

interface RunRowDetails {
  outcome?: 'ok' | 'error';
  summary?: string;
  userId?: string;
  fence?: number;
}

const LICENSE_OPERATIONS = new Set(['assignLicense', 'licenseUpdates']);
const DATE_LOCALES: Record<Locale, string> = { en: 'en-US', de: 'de-DE' };
/** Technical error texts stay short: the toggle is for ids and operations, not full API answers. */
const TECHNICAL_ERROR_CAP = 160;

function runDetails(entry: AuditEntry): RunRowDetails | undefined {
  const details = entry.details as RunRowDetails | undefined;
  return details?.fence === undefined ? undefined : details;
}

/** "3 Dec 2026, 14:05" in the reader's language, in the partner's time zone (an unknown zone falls back to UTC). */
export function historyDateFormat(locale: Locale, timeZone: string): Intl.DateTimeFormat {
  // dateStyle cannot be combined with timeZoneName: the parts are named one by one instead.
  const parts: Intl.DateTimeFormatOptions = { year: 'numeric', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit', timeZoneName: 'short' };
  try {
    return new Intl.DateTimeFormat(DATE_LOCALES[locale], { ...parts, timeZone });
  } catch {
    return new Intl.DateTimeFormat(DATE_LOCALES[locale], { ...parts, timeZone: 'UTC' });
  }
}

/** Turns audit rows (any order) into events, newest first. */
export async function historyEvents(rows: readonly AuditEntry[], locale: Locale, nameOf: NameOf = async () => undefined): Promise<HistoryEvent[]> {
  const known = new Map<string, string>();
  const personName = async (entry: AuditEntry): Promise<string> => {
    const actor = entry.actor;
    if (!actor) return t(locale, 'histSystem');
    const id = actor.aadObjectId.toLowerCase();
    if (!known.has(id)) known.set(id, (await nameOf(actor.aadObjectId).catch(() => undefined)) || actor.name || t(locale, 'histSomeone'));
    return known.get(id) as string;
  };
  const requested = new Map<string, AuditEntry>();
  const runs = new Map<string, AuditEntry[]>();
  const events: HistoryEvent[] = [];
  for (const row of rows) {
    if (runDetails(row)) {
      runs.set(row.requestId, [...(runs.get(row.requestId) ?? []), row]);
      continue;
    }
    if (row.action === 'requested') requested.set(row.requestId, row);
  }
  for (const row of rows) {
    if (runDetails(row)) continue;
    const actor = await personName(row);
    events.push({ at: row.at, requestId: row.requestId, text: decisionText(row, actor, runs.get(row.requestId) ?? [], locale), technical: `${row.requestId} · ${row.action}` });
  }
  for (const [requestId, runRows] of runs) {
    const cancelled = rows.find((row) => row.requestId === requestId && row.action === 'cancelled' && !runDetails(row));
    events.push(runEvent(requestId, runRows, requested.get(requestId), cancelled, locale));
  }
  return events.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
}

function decisionText(row: AuditEntry, actor: string, runRows: readonly AuditEntry[], locale: Locale): string {
  const details = row.details ?? {};
  const reason = typeof details.reason === 'string' ? details.reason.trim() : '';
  switch (row.action) {
    case 'requested': {
      const users = Number(details.users ?? 0);
      return t(locale, users === 1 ? 'histRequestedOne' : 'histRequestedOther', { actor, users, plan: String(details.plan ?? '') });
    }
    case 'approved':
      return t(locale, 'histApproved', { actor });
    case 'rejected':
      return reason === '' ? t(locale, 'histRejectedNoReason', { actor }) : t(locale, 'histRejected', { actor, reason });
    case 'withdrawn':
      return t(locale, 'histWithdrawn', { actor });
    case 'expired':
      return t(locale, 'histExpired');
    case 'cancelled': {
      const moved = Number(details.moved ?? 0);
      if (moved > 0) return t(locale, 'histCancelledAfter', { actor, moved, users: Number(details.users ?? moved) });
      const purchase = purchaseState(row, runRows);
      return t(locale, purchase === 'bought' ? 'histCancelledBought' : purchase === 'maybe' ? 'histCancelledMaybe' : 'histCancelledNothing', { actor });
    }
    default:
      return t(locale, 'histOther', { actor, action: row.action });
  }
}

/**
 * Whether the run bought anything. The cancellation row carries the run's own answer (`purchase`: bought, maybe,
 * none, orderCancelled); rows written before it did fall back to a checkout that returned an order.
 */
function purchaseState(cancellation: AuditEntry | undefined, runRows: readonly AuditEntry[]): string {
  const recorded = cancellation?.details?.purchase;
  if (typeof recorded === 'string') return recorded;
  return runRows.some((row) => row.action === 'checkout' && runDetails(row)?.outcome === 'ok' && !/orders \[\]/.test(runDetails(row)?.summary ?? '')) ? 'bought' : 'none';
}

function runEvent(requestId: string, unordered: readonly AuditEntry[], request: AuditEntry | undefined, cancellation: AuditEntry | undefined, locale: Locale): HistoryEvent {
  const rows = oldestFirst(unordered);
  const ok = rows.filter((row) => runDetails(row)?.outcome === 'ok');
  const failed = rows.filter((row) => runDetails(row)?.outcome === 'error');
  const parts: string[] = [];
  const purchase = purchaseState(cancellation, rows);
  if (purchase === 'orderCancelled') parts.push(t(locale, 'histRunOrderCancelled'));
  else if (purchase === 'bought') {
    const seats = seatsInCart(ok.filter((row) => row.action === 'createCart').at(-1)) ?? Number(request?.details?.quantity ?? 0);
    parts.push(t(locale, 'histRunBought', { seats }));
  }
  const moved = new Set(ok.filter((row) => LICENSE_OPERATIONS.has(row.action)).map((row) => runDetails(row)?.userId ?? row.at)).size;
  if (moved > 0) parts.push(t(locale, moved === 1 ? 'histRunMovedOne' : 'histRunMovedOther', { users: moved }));
  if (ok.some((row) => row.action === 'suspendSubscription')) parts.push(t(locale, 'histRunSuspended'));
  if (failed.length > 0) parts.push(t(locale, failed.length === 1 ? 'histRunFailedOne' : 'histRunFailedOther', { calls: failed.length }));
  if (parts.length === 0) parts.push(t(locale, 'histRunNothing'));
  const at = rows.at(-1)?.at ?? '';
  return { at, requestId, text: t(locale, 'histRun', { parts: parts.join(' · ') }), technical: runTechnical(requestId, rows) };
}

/** "run MR-… · createCart ok · checkout ok · assignLicense ok ×41 · licenseUpdates error ×1: 403 …". */
function runTechnical(requestId: string, rows: readonly AuditEntry[]): string {
  const counts = new Map<string, number>();
  const inOrder = oldestFirst(rows);
  for (const row of inOrder) {
    const key = `${row.action} ${runDetails(row)?.outcome ?? ''}`.trim();
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const operations = [...counts].map(([key, count]) => (count > 1 ? `${key} ×${count}` : key));
  const lastError = inOrder.filter((row) => runDetails(row)?.outcome === 'error').at(-1);
  const error = lastError ? `: ${(runDetails(lastError)?.summary ?? '').slice(0, TECHNICAL_ERROR_CAP)}` : '';
  return `run ${requestId} · ${operations.join(' · ')}${error}`;
}

function oldestFirst(rows: readonly AuditEntry[]): AuditEntry[] {
  return [...rows].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
}

/** The cart row's summary lists its lines as "41 × <catalog item>". */
function seatsInCart(row: AuditEntry | undefined): number | undefined {
  const summary = row ? (runDetails(row)?.summary ?? '') : '';
  const quantities = [...summary.matchAll(/(\d+) ×/g)].map((match) => Number(match[1]));
  return quantities.length > 0 ? quantities.reduce((sum, quantity) => sum + quantity, 0) : undefined;
}

/** Card data for the first `shown` events of `events` (newest first). */
export function historyCard(customerName: string, events: readonly HistoryEvent[], shown: number, locale: Locale, timeZone: string): ApprovalHistoryCardData {
  const format = historyDateFormat(locale, timeZone);
  const visible = events.slice(0, shown);
  return {
    customerName,
    shown: visible.length,
    total: events.length,
    entries: visible.map((event) => ({ when: format.format(new Date(event.at)), text: event.text })),
    technical: visible.map((event) => ({ text: `${format.format(new Date(event.at))} · ${event.technical}` })),
  };
}
