import { Locale, StringKey, t } from './i18n';

/**
 * The one home for how numbers, dates, plurals, money, durations and urgency colours read to a person, in English and
 * German alike. Everything goes through `Intl` with formatters cached per locale (and time zone): building one costs
 * far more than using it.
 *
 * Plurals: a sentence that counts something has two keys in every strings file, `<base>One` and `<base>Other`
 * ("1 day left" / "{count} days left"); {@link plural} picks one by `Intl.PluralRules`. A test holds every `…One` key
 * to its `…Other` twin in both languages.
 */

const INTL_LOCALES: Record<Locale, string> = { en: 'en-US', de: 'de-DE' };

export function intlLocale(locale: Locale): string {
  return INTL_LOCALES[locale];
}

function cached<T>(cache: Map<string, T>, key: string, build: () => T): T {
  let value = cache.get(key);
  if (value === undefined) {
    value = build();
    cache.set(key, value);
  }
  return value;
}

const PLURAL_RULES = new Map<string, Intl.PluralRules>();
const DATE_FORMATS = new Map<string, Intl.DateTimeFormat>();
const TIME_FORMATS = new Map<string, Intl.DateTimeFormat>();
const NUMBER_FORMATS = new Map<string, Intl.NumberFormat>();

/** The base names of every `<base>One` / `<base>Other` key pair. */
export type PluralKey = {
  [K in StringKey]: K extends `${infer Base}One` ? (`${Base}Other` extends StringKey ? Base : never) : never;
}[StringKey];

export function isOne(count: number, locale: Locale): boolean {
  return cached(PLURAL_RULES, locale, () => new Intl.PluralRules(INTL_LOCALES[locale])).select(count) === 'one';
}

/** The `One` or `Other` sentence of `base` for `count`; `{count}` in it is the count, in the reader's digits. */
export function plural(locale: Locale, base: PluralKey, count: number, params: Readonly<Record<string, string | number>> = {}): string {
  const key = `${base}${isOne(count, locale) ? 'One' : 'Other'}` as StringKey;
  return t(locale, key, { count: formatCount(count, locale), ...params });
}

/** A count in the reader's digits ("1,234" / "1.234"), at most one decimal. */
export function formatCount(count: number, locale: Locale): string {
  return cached(NUMBER_FORMATS, `${locale}|count`, () => new Intl.NumberFormat(INTL_LOCALES[locale], { maximumFractionDigits: 1 })).format(count);
}

export function formatMoney(money: { amount: number; currency: string }, locale: Locale): string {
  return cached(
    NUMBER_FORMATS,
    `${locale}|${money.currency}`,
    () => new Intl.NumberFormat(INTL_LOCALES[locale], { style: 'currency', currency: money.currency }),
  ).format(money.amount);
}

/**
 * The one date style of every card and message: "Nov 13, 2026" / "13. Nov. 2026" — the month in words, so a day is
 * never misread as a month. Date-only values (end dates) are UTC days; instants are shown in `timeZone`.
 */
export function formatDate(iso: string, locale: Locale, timeZone = 'UTC'): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return cached(
    DATE_FORMATS,
    `${locale}|${timeZone}`,
    () => new Intl.DateTimeFormat(INTL_LOCALES[locale], { day: 'numeric', month: 'short', year: 'numeric', timeZone }),
  ).format(date);
}

/** "Nov 13, 2026, 14:05 UTC" / "13. Nov. 2026, 14:05 UTC": 24-hour clock, the zone named. */
export function formatDateTime(iso: string, locale: Locale, timeZone = 'UTC'): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${formatDate(iso, locale, timeZone)}, ${formatTime(iso, locale, timeZone)} ${timeZone}`;
}

/** "14:05" in `timeZone`. */
export function formatTime(iso: string, locale: Locale, timeZone = 'UTC'): string {
  return cached(
    TIME_FORMATS,
    `${locale}|${timeZone}`,
    () => new Intl.DateTimeFormat(INTL_LOCALES[locale], { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone }),
  ).format(new Date(iso));
}

/** "42 s" / "3 min 5 s" (the units read the same in both languages). */
export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  return seconds < 60 ? `${seconds} s` : `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

/** "1 day left", "today", "expired 3 days ago" for the expiry report and the wizard. */
export function daysLeftText(daysLeft: number, locale: Locale): string {
  if (daysLeft === 0) return t(locale, 'expiringDaysLeftToday');
  if (daysLeft > 0) return plural(locale, 'expiringDaysLeft', daysLeft);
  return plural(locale, 'expiringExpired', -daysLeft);
}

/**
 * Urgency colours, readable on white and on Teams' dark theme: the Adaptive Cards "Warning" (yellow) and "Good"
 * (light green) text are too pale on white, so urgent is Attention (red), soon is Default text made bold, and
 * "later" is Accent. Every card template takes its urgency colour and weight from here.
 */
export type Urgency = 'urgent' | 'soon' | 'planned' | 'later';
export type TextColor = 'attention' | 'default' | 'accent';

export const URGENCY_STYLE: Readonly<Record<Urgency, { color: TextColor; weight: 'bolder' | 'default' }>> = {
  urgent: { color: 'attention', weight: 'bolder' },
  soon: { color: 'default', weight: 'bolder' },
  planned: { color: 'accent', weight: 'default' },
  later: { color: 'default', weight: 'default' },
};

/** ≤ 7 days (or expired) urgent, ≤ 30 soon, ≤ 90 planned, else later. */
export function urgencyOf(daysLeft: number): Urgency {
  if (daysLeft <= 7) return 'urgent';
  if (daysLeft <= 30) return 'soon';
  if (daysLeft <= 90) return 'planned';
  return 'later';
}
