import * as ACData from 'adaptivecards-templating';
import { Locale, strings, t } from './i18n';
import { capForField, inert, linkTarget, TEXT_CAPS } from './literal';

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
 * What one card may weigh: the strictest of Microsoft's published limits, so a card fits whichever one Teams applies.
 * - "The bot message size limit is 40 KB … includes the entire message payload encoded as UTF-16" (413
 *   MessageSizeTooBig): https://learn.microsoft.com/microsoftteams/platform/bots/how-to/format-your-bot-messages
 *   (later revisions of that page say 100 KB; docs/partner-center.md budgets 40 KB). 2 KB are left to the activity
 *   around the card (ids, service URL, conversation), hence 38 KB of UTF-16, about 19,000 characters.
 * - A Teams message is "approximately 28 KB", text, links and mentions included: "Limits and specifications for
 *   Microsoft Teams", https://learn.microsoft.com/microsoftteams/limits-specifications-teams (chat message size),
 *   measured here as UTF-8; it binds before the first one only for text that is mostly non-ASCII.
 */
export const TEAMS_CARD_LIMITS = { utf16Bytes: 38 * 1024, utf8Bytes: 28 * 1024 } as const;

export interface CardSize {
  utf16Bytes: number;
  utf8Bytes: number;
}

export function cardSize(card: AdaptiveCard): CardSize {
  const json = JSON.stringify(card);
  return { utf16Bytes: json.length * 2, utf8Bytes: Buffer.byteLength(json, 'utf8') };
}

export function fitsTeams(card: AdaptiveCard): boolean {
  const size = cardSize(card);
  return size.utf16Bytes <= TEAMS_CARD_LIMITS.utf16Bytes && size.utf8Bytes <= TEAMS_CARD_LIMITS.utf8Bytes;
}

/** Why a card was sent as its plain fallback; reported once per render. */
export interface CardProblem {
  card: string;
  reason: string;
}
export type CardProblemReporter = (problem: CardProblem) => void;

/** Default reporter: one warning line on stderr, in the shape of the bot's log lines. */
export const reportCardProblemToStderr: CardProblemReporter = (problem) => {
  process.stderr.write(`${new Date().toISOString()} WARN  card rendered as plain fallback ${JSON.stringify(problem)}\n`);
};

// Tighter caps tried in turn when a card is over Teams' limit: long texts are shortened before anything is dropped.
const SHRINK_CAPS = [Number.POSITIVE_INFINITY, 200, 80, 40];

/**
 * Expands a JSON template with typed data. Every string in `data` is made inert first ({@link inert}, capped by its
 * field's name): it may come from Partner Center or a user, and an inert string can hold no `${`, so an expression
 * left over after expansion can only be a mistake in the template itself. The template's own labels come from the
 * locale's string bundle as `${t.key}`.
 *
 * Never throws: a card over Teams' limit is re-rendered with shorter texts, and a card that still does not fit or
 * cannot be expanded becomes a plain card (its title and the data's texts as lines), reported to `onProblem` once.
 */
export function expandTemplate(
  name: string,
  template: object,
  data: object,
  locale: Locale,
  onProblem: CardProblemReporter = reportCardProblemToStderr,
): AdaptiveCard {
  let reason: string;
  try {
    for (const shrink of SHRINK_CAPS) {
      const card = expandOnce(template, inertDeep(data, '', shrink) as object, locale);
      if (fitsTeams(card)) return card;
    }
    reason = 'over Teams’ message size even with shortened texts';
  } catch (error) {
    reason = error instanceof Error ? error.message : String(error);
  }
  onProblem({ card: name, reason });
  return plainCard(data, locale);
}

/** True when the card renders, as it is (no text shortened), within Teams' limit: lets callers page instead. */
export function fitsWithoutShortening(template: object, data: object, locale: Locale): boolean {
  try {
    return fitsTeams(expandOnce(template, inertDeep(data, '', Number.POSITIVE_INFINITY) as object, locale));
  } catch {
    return false;
  }
}

/**
 * Parsed templates, one per template object: `new ACData.Template` parses every `${…}` expression of the JSON,
 * which was half the CPU of an alert run when done per render. `expand` only reads the parsed form, so one
 * instance serves every render.
 */
const PREPARED_TEMPLATES = new WeakMap<object, ACData.Template>();

function preparedTemplate(template: object): ACData.Template {
  let prepared = PREPARED_TEMPLATES.get(template);
  if (!prepared) {
    prepared = new ACData.Template(template);
    PREPARED_TEMPLATES.set(template, prepared);
  }
  return prepared;
}

function expandOnce(template: object, data: object, locale: Locale): AdaptiveCard {
  const root = { ...data, t: strings(locale) };
  const card = preparedTemplate(template).expand({ $root: root }) as AdaptiveCard;
  const leftOver = JSON.stringify(card).match(/\$\{[^}]*\}/);
  if (leftOver) throw new Error(`Card template left an unexpanded expression: ${leftOver[0]}`);
  return card;
}

function inertDeep(value: unknown, field: string, shrink: number): unknown {
  if (typeof value === 'string') {
    if (LINK_FIELD.test(field)) return linkTarget(value);
    const cap = capForField(field);
    return inert(value, cap === Number.POSITIVE_INFINITY ? cap : Math.min(cap, shrink));
  }
  if (Array.isArray(value)) return value.map((item) => inertDeep(item, field, shrink));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, inertDeep(v, k, shrink)]));
  }
  return value;
}

// Link targets (`verificationUrl`): data for an Action.OpenUrl, checked by linkTarget() instead of made inert.
const LINK_FIELD = /Url$/;
// Fields that are not for reading: button data, ids, link targets, colours and flags.
const NOT_SHOWN = /(Id|Ids|Data|data|Url|[cC]olor|^version|^wizard|^stage|^action|^command)$/;
const TITLE_FIELDS = ['title', 'heading', 'headline', 'customerName'];
const FALLBACK_LINE_CAP = 200;

/**
 * The card sent when the real one cannot be: a title and the data's texts as plain lines (a row of a list on one
 * line), as many as fit Teams' limit, the last line saying how many were left out. No buttons.
 */
function plainCard(data: object, locale: Locale): AdaptiveCard {
  const record = data as Record<string, unknown>;
  const titleField = TITLE_FIELDS.find((f) => typeof record[f] === 'string' && record[f] !== '');
  const title = titleField ? inert(String(record[titleField]), TEXT_CAPS.name) : '';
  const lines = textLines(data, titleField).map((line) => inert(line, FALLBACK_LINE_CAP)).filter((line) => line !== '');
  const card = (shown: string[], left: number): AdaptiveCard => ({
    type: 'AdaptiveCard',
    version: '1.5',
    body: [
      ...(title ? [{ type: 'TextBlock', text: title, weight: 'Bolder', size: 'Medium', wrap: true }] : []),
      ...shown.map((text) => ({ type: 'TextBlock', text, wrap: true, spacing: 'Small' })),
      ...(left > 0 ? [{ type: 'TextBlock', text: t(locale, 'moreNotShown', { count: left }), wrap: true, isSubtle: true }] : []),
    ],
  });
  let shown = lines.length;
  while (shown > 0 && !fitsTeams(card(lines.slice(0, shown), lines.length - shown))) shown = Math.floor(shown * 0.9);
  return card(lines.slice(0, shown), lines.length - shown);
}

function textLines(value: unknown, skipField?: string): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap((item) => (isRecord(item) ? [textLines(item).join(' · ')] : textLines(item)));
  if (!isRecord(value)) return [];
  return Object.entries(value)
    .filter(([k]) => k !== skipField && k !== 't' && !NOT_SHOWN.test(k))
    .flatMap(([, v]) => textLines(v));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
