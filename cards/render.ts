import * as ACData from 'adaptivecards-templating';
import { Locale, strings } from './i18n';
import { literalText } from './literal';

/** An expanded Adaptive Card, ready to send as an attachment or an invoke response. */
export interface AdaptiveCard {
  type: 'AdaptiveCard';
  version: string;
  body: unknown[];
  actions?: unknown[];
  [property: string]: unknown;
}

export const ADAPTIVE_CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';

/**
 * Expands a JSON template with typed data. Every string in `data` is made literal first (it may come from
 * Partner Center or a user), while the template's own labels come from the locale's string bundle as `${t.key}`.
 */
export function expandTemplate(template: object, data: object, locale: Locale): AdaptiveCard {
  const root = { ...(literalDeep(data) as object), t: strings(locale) };
  const card = new ACData.Template(template).expand({ $root: root }) as AdaptiveCard;
  const leftOver = JSON.stringify(card).match(/\$\{[^}]*\}/);
  if (leftOver) throw new Error(`Card template left an unexpanded expression: ${leftOver[0]}`);
  return card;
}

function literalDeep(value: unknown): unknown {
  if (typeof value === 'string') return literalText(value);
  if (Array.isArray(value)) return value.map(literalDeep);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, literalDeep(v)]));
  }
  return value;
}
