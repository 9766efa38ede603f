import en from './strings/en.json';
import de from './strings/de.json';

// Each feature keeps its strings in its own pair of files (`strings/<feature>.en.json` / `.de.json`), merged here.
const EN = { ...en };
const DE: Record<keyof typeof EN, string> = { ...de };

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

/** A localized sentence with `{name}` placeholders filled in. */
export function t(locale: Locale, key: StringKey, params: Readonly<Record<string, string | number>> = {}): string {
  return BUNDLES[locale][key].replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}
