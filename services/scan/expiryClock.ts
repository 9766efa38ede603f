/**
 * Days left and urgency of a subscription, counted in the partner's time zone. Pure: the current instant is always
 * passed in, so every boundary (DST switches, leap days, the last day itself) is testable with a fixed clock.
 */
import type { Urgency } from '../domain/expiring';

const DAY_MS = 86_400_000;

/** Most urgent first; the report sorts by this. */
export const URGENCY_ORDER: readonly Urgency[] = ['expired', 'within7', 'within30', 'within60', 'within90', 'later'];

/** True when `timeZone` is an IANA zone name this runtime knows (e.g. `Europe/Berlin`, `UTC`). */
export function isValidTimeZone(timeZone: string): boolean {
  if (timeZone.trim() === '') return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** The partner's calendar: which date it is in their time zone at a given instant. */
export class PartnerCalendar {
  private readonly dateFormat: Intl.DateTimeFormat;

  constructor(readonly timeZone: string) {
    if (!isValidTimeZone(timeZone)) {
      throw new RangeError(`"${timeZone}" is not a time zone name this runtime knows; use an IANA name such as Europe/Berlin or UTC`);
    }
    this.dateFormat = new Intl.DateTimeFormat('en-US', {
      timeZone,
      calendar: 'gregory',
      numberingSystem: 'latn',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
    });
  }

  /** Midnight UTC of the partner's local date at `instant` (a day number that is free of DST arithmetic). */
  localDay(instant: Date): number {
    const parts = this.dateFormat.formatToParts(instant);
    const part = (type: Intl.DateTimeFormatPartTypes): number => Number(parts.find((p) => p.type === type)?.value);
    return Date.UTC(part('year'), part('month') - 1, part('day'));
  }

  /** The partner's local date at `instant` as YYYY-MM-DD. */
  localDate(instant: Date): string {
    return new Date(this.localDay(instant)).toISOString().slice(0, 10);
  }
}

export interface ExpiryClassification {
  /** Whole days from the partner's today to the end date; negative exactly when the term has ended. */
  daysLeft: number;
  urgency: Urgency;
}

/**
 * `commitmentEndDate` is a UTC date and inclusive: the term ends when that UTC day ends. Days left are the end date
 * minus the partner's local date. Near the end the two calendars can disagree for a few hours (Berlin is already on
 * the next day while the UTC day still runs; Los Angeles is still on the last day after it ended in UTC); there the
 * count is clamped so that its sign always tells the truth: 0 while the term runs, −1 once it has ended.
 */
export function classifyExpiry(commitmentEndDate: string, now: Date, calendar: PartnerCalendar): ExpiryClassification {
  const endDay = utcDayOf(commitmentEndDate);
  const endsAtMs = endDay + DAY_MS;
  const calendarDays = Math.round((endDay - calendar.localDay(now)) / DAY_MS);
  const ended = now.getTime() >= endsAtMs;
  const daysLeft = ended ? Math.min(calendarDays, -1) : Math.max(calendarDays, 0);
  return { daysLeft, urgency: urgencyFor(daysLeft) };
}

export function urgencyFor(daysLeft: number): Urgency {
  if (daysLeft < 0) return 'expired';
  if (daysLeft <= 7) return 'within7';
  if (daysLeft <= 30) return 'within30';
  if (daysLeft <= 60) return 'within60';
  if (daysLeft <= 90) return 'within90';
  return 'later';
}

/** The UTC calendar date of a Partner Center end date as YYYY-MM-DD; undefined when it is missing or unreadable. */
export function endDateOf(commitmentEndDate: string | undefined): string | undefined {
  if (!hasUsableEndDate(commitmentEndDate)) return undefined;
  return new Date(utcDayOf(commitmentEndDate)).toISOString().slice(0, 10);
}

/** Year 9999 means "no end" (usage-based); such a subscription has no deadline to count down to. */
export function hasUsableEndDate(commitmentEndDate: string | undefined): commitmentEndDate is string {
  if (commitmentEndDate === undefined) return false;
  const ms = Date.parse(commitmentEndDate);
  return Number.isFinite(ms) && new Date(ms).getUTCFullYear() < 9999;
}

function utcDayOf(commitmentEndDate: string): number {
  const ms = Date.parse(commitmentEndDate);
  if (!Number.isFinite(ms)) throw new RangeError(`commitmentEndDate "${commitmentEndDate}" is not a date`);
  return Math.floor(ms / DAY_MS) * DAY_MS;
}
