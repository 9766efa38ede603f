/**
 * One formatter for what people read: plurals by Intl.PluralRules from `<base>One` / `<base>Other` strings, one date
 * style per language (never ISO on a card), money in the reader's format, and urgency colours readable on white.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { daysLeftText, formatDate, formatDateTime, formatMoney, plural, URGENCY_STYLE, urgencyOf } from '../../cards/format';
import { strings, type Locale } from '../../cards/i18n';

const LOCALES: readonly Locale[] = ['en', 'de'];
const CARDS = join(__dirname, '..', '..', 'cards');

describe('plural strings', () => {
  it.each(LOCALES)('every …One key has its …Other twin in %s, with the same bases in both languages', (locale) => {
    const keys = Object.keys(strings(locale));
    const ones = keys.filter((key) => key.endsWith('One')).map((key) => key.slice(0, -3));
    const others = new Set(keys.filter((key) => key.endsWith('Other')).map((key) => key.slice(0, -5)));
    expect(ones.filter((base) => !others.has(base))).toEqual([]);
    const otherLanguage = strings(locale === 'en' ? 'de' : 'en');
    expect(ones.filter((base) => !(`${base}One` in otherLanguage && `${base}Other` in otherLanguage))).toEqual([]);
    expect(ones.length).toBeGreaterThan(5);
  });

  it.each([
    ['en', 1, '1 day left'],
    ['en', 2, '2 days left'],
    ['en', 1234, '1,234 days left'],
    ['de', 1, 'noch 1 Tag'],
    ['de', 2, 'noch 2 Tage'],
    ['de', 1234, 'noch 1.234 Tage'],
    ['en', -1, 'just expired'],
    ['de', -3, 'seit 3 Tagen abgelaufen'],
    ['de', 0, 'endet heute'],
  ] as const)('days left in %s for %i reads "%s"', (locale, days, text) => {
    expect(daysLeftText(days, locale)).toBe(text);
  });

  it('fills {count} and the other parameters of the chosen form', () => {
    expect(plural('de', 'scanFailures', 1, { list: 'Fabrikam' })).toBe('1 Kunde konnte nicht durchsucht werden: Fabrikam');
    expect(plural('de', 'scanFailures', 3, { list: 'A; B; C' })).toBe('3 Kunden konnten nicht durchsucht werden: A; B; C');
    expect(plural('en', 'wizEndsIn', 1, { date: 'Nov 13, 2026' })).toBe('ends Nov 13, 2026 (1 day left)');
    expect(plural('de', 'wizEndsIn', 1, { date: '13. Nov. 2026' })).toBe('endet am 13. Nov. 2026 (noch 1 Tag)');
  });
});

describe('dates and money', () => {
  it('one date style per language, the month in words, the UTC day of an end date', () => {
    expect(formatDate('2026-11-13T00:00:00Z', 'en')).toBe('Nov 13, 2026');
    expect(formatDate('2026-11-13T00:00:00Z', 'de')).toBe('13. Nov. 2026');
    expect(formatDate('2026-11-13', 'de')).toBe('13. Nov. 2026');
  });

  it('an instant is shown in the partner time zone, on the 24-hour clock, with the zone named', () => {
    expect(formatDateTime('2026-11-13T23:30:00Z', 'en', 'Europe/Berlin')).toBe('Nov 14, 2026, 00:30 Europe/Berlin');
    expect(formatDateTime('2026-11-13T13:05:00Z', 'de')).toBe('13. Nov. 2026, 13:05 UTC');
  });

  it('something that is not a date is shown as it came, not as "Invalid Date"', () => {
    expect(formatDate('soon', 'en')).toBe('soon');
  });

  it('money in the reader’s format and currency', () => {
    expect(formatMoney({ amount: 1234.5, currency: 'USD' }, 'en')).toBe('$1,234.50');
    expect(formatMoney({ amount: 1234.5, currency: 'EUR' }, 'de').replace(/\u00a0/g, ' ')).toBe('1.234,50 €');
  });
});

describe('urgency colours', () => {
  it.each([
    [-3, 'attention'],
    [7, 'attention'],
    [8, 'default'],
    [30, 'default'],
    [31, 'accent'],
    [91, 'default'],
  ])('%i days left is %s', (days, color) => {
    expect(URGENCY_STYLE[urgencyOf(days)].color).toBe(color);
  });

  it('soon is bold so it stands out without a pale colour', () => {
    expect(URGENCY_STYLE[urgencyOf(20)].weight).toBe('bolder');
  });

  it('no card template uses the yellow (Warning) or light-green (Good) text colours, hard to read on white', () => {
    const offenders = readdirSync(CARDS)
      .filter((file) => file.endsWith('.json'))
      .flatMap((file) =>
        readFileSync(join(CARDS, file), 'utf8')
          .split('\n')
          .filter((line) => /"color":\s*"[^"]*\b(?:warning|good)\b/i.test(line))
          .map((line) => `${file}: ${line.trim()}`),
      );
    expect(offenders).toEqual([]);
  });
});
