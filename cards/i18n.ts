import { capForField, inert } from './literal';
import en from './strings/en.json';
import de from './strings/de.json';
import wizardEn from './strings/wizard.en.json';
import wizardDe from './strings/wizard.de.json';
import approvalsEn from './strings/approvals.en.json';
import approvalsDe from './strings/approvals.de.json';
import scanEn from './strings/scan.en.json';
import scanDe from './strings/scan.de.json';
import alertsEn from './strings/alerts.en.json';
import alertsDe from './strings/alerts.de.json';
import runEn from './strings/run.en.json';
import runDe from './strings/run.de.json';
import connectEn from './strings/connect.en.json';
import connectDe from './strings/connect.de.json';

// Each feature keeps its strings in its own pair of files (`strings/<feature>.en.json` / `.de.json`), merged here.
const EN = { ...en, ...wizardEn, ...approvalsEn, ...scanEn, ...alertsEn, ...runEn, ...connectEn };
const DE: Record<keyof typeof EN, string> = { ...de, ...wizardDe, ...approvalsDe, ...scanDe, ...alertsDe, ...runDe, ...connectDe };

export type StringKey = keyof typeof EN;
export type Strings = Readonly<Record<StringKey, string>>;
export type Locale = 'en' | 'de';

const BUNDLES: Record<Locale, Strings> = { en: EN, de: DE };

/** Teams sends e.g. `de-DE`; anything we have no bundle for falls back to English. */
export function toLocale(activityLocale: string | undefined): Locale {
  return activityLocale?.toLowerCase().startsWith('de') ? 'de' : 'en';
}

export function strings(locale: Locale): Strings {
  return BUNDLES[locale];
}

/**
 * A localized sentence with `{name}` placeholders filled in. Our sentences may carry Markdown (`**expiring**`); the
 * parameters may not: every string parameter is made inert and capped by its name ({@link inert},
 * {@link capForField}), since names, reasons and error text come from customers, users and Partner Center.
 */
export function t(locale: Locale, key: StringKey, params: Readonly<Record<string, string | number>> = {}): string {
  return BUNDLES[locale][key].replace(/\{(\w+)\}/g, (whole, name: string, offset: number, sentence: string) => {
    if (!(name in params)) return whole;
    const value = params[name];
    if (typeof value === 'number') return String(value);
    const startsLine = offset === 0 || sentence[offset - 1] === '\n';
    return inert(value, capForField(name), startsLine ? 'whole' : 'midLine');
  });
}
