/**
 * The one way untrusted text (customer and user names, reject reasons, Partner Center and Graph error text) enters
 * a card or a text message: {@link inert}. `t()` applies it to every string parameter and the card renderer to every
 * string of a card's data, so no caller has to remember it.
 *
 * How Teams renders text, and what that forces:
 * - Text messages are Markdown by default, plus a subset of HTML; bold, italic, strikethrough, blockquote,
 *   preformatted text, hyperlinks and image links all render ("Format your bot messages",
 *   https://learn.microsoft.com/microsoftteams/platform/bots/how-to/format-your-bot-messages). Our own sentences
 *   use `**bold**`, so messages stay Markdown and only the parameters are made inert.
 * - Adaptive Card TextBlock text and FactSet titles and values are Markdown (bold, italic, lists, links); HTML
 *   "isn't supported" ("Format cards in Teams",
 *   https://learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/cards/cards-format), yet the iOS
 *   renderer turns text with `<`, `>`, `&` into HTML (microsoft/AdaptiveCards#5439), so tags and entities are
 *   defused too.
 * - Backslash escapes are not honoured alike on every client (Android and iOS show the backslash:
 *   MicrosoftDocs/msteams-docs#5793), so they are never used.
 * - Mentions need an `<at>` tag and a mention entity; the bot sends no mention entities, and `<` is always defused.
 *
 * Rules, chosen so that what a person copies stays what the source said wherever that is safe:
 * 1. Removed: bidi controls (U+202A–202E, U+2066–2069, U+200E/200F, U+061C), zero-width and other invisible
 *    characters (U+200B–200D, U+2061–2064, U+FEFF, U+00AD, U+034F, U+180E, Hangul fillers, tag characters
 *    U+E0000–E007F), and control characters; U+2060 too, except where rule 4 could have put it (there it can only
 *    break a pattern). Emoji built with U+200D show as their separate parts.
 * 2. CR, LF, tab, U+0085, U+2028, U+2029 and other line breaks fold into one space; the text is trimmed.
 * 3. Capped at a number of characters with an ellipsis, before 4, so the cap counts what a reader sees.
 * 4. Patterns are broken by an invisible WORD JOINER (U+2060), which leaves every visible character in place:
 *    `](`, `][`, `]:` (links, images, references), `://` (bare URLs), `www.`, `<` (HTML, `<at>` mentions,
 *    autolinks), `&` before a letter or `#` (entities such as `&lt;` or `&#x2F;`), `${` (templating), `@` at the
 *    start of a word (`@everyone`; an address such as `ann@contoso.com` is left alone), a leading list, heading,
 *    quote or rule marker when the text starts a line, a leading `(` and a trailing `$` (so two values side by
 *    side cannot join into a link or an expression).
 * 5. Characters that are Markdown delimiters wherever they stand have no invisible fix (a word joiner is neither
 *    space nor punctuation, so `*` next to it still opens emphasis under CommonMark's flanking rules) and are
 *    swapped for a look-alike: `*` → `∗` (U+2217), `~` → `∼` (U+223C), `` ` `` → `ˋ` (U+02CB). `_` is swapped
 *    (→ `ˍ` U+02CD) only at a word boundary: inside a word (`john_doe`, `E_QUOTA_EXCEEDED`) it never delimits
 *    emphasis under CommonMark, so addresses and error codes copy unchanged. `\` is swapped (→ `⧵` U+29F5) only
 *    before ASCII punctuation or at the end, the only places it escapes something.
 * `inert(inert(x)) === inert(x)`: text may pass through `t()` and then through a card. The word joiners rule 4
 * puts in survive rule 1, rule 4 adds none where one already is, the cap counts no word joiners, and no look-alike
 * is itself a target.
 */
export const TEXT_CAPS = {
  /** Customer, user, requester and approver names, and echoed queries. */
  name: 120,
  /** Reject reasons and error text from Partner Center or Graph. */
  reason: 500,
  /** Any other text: pre-worded sentences that may carry a name or two. */
  text: 1000,
  /** A list of names or failures joined into one parameter. */
  list: 2000,
} as const;

const WORD_JOINER = '\u2060';
const ELLIPSIS = '\u2026';

const INVISIBLE =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0008\u000E-\u001F\u007F-\u0084\u0086-\u009F\u00AD\u061C\u115F\u180E\u200B-\u200F\u202A-\u202E\u2061-\u2064\u2066-\u206F\u3164\uFEFF\uFFA0\uFFF9-\uFFFB]|\u034F|\u1160|\u17B4|\u17B5|\uDB40[\uDC00-\uDC7F]/g;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const LINE_BREAKS = /[\t\n\v\f\r\u0085\u2028\u2029]+/g;

// A word joiner is kept only where rule 4 could have put it (after `]`, `<`, `&`, `$`, `@`, `:`, `w`, or before a
// block marker, `(` or `.`): there it can only break a pattern, and keeping it is what makes inert() idempotent when
// a parameter that began a `t()` sentence ends up in the middle of a card's text.
const STRAY_WORD_JOINER = /(?<![\]<&$@:w])\u2060(?![-+#>(.\d])/g;

/**
 * Untrusted text made inert for a Teams message or card, at most `maxLength` visible characters (see above).
 * `midLine`: the text goes after other text on the same line (a `t()` parameter inside a sentence), where a leading
 * list, heading or quote marker means nothing, so `3. Dez.` stays as it is.
 */
export function inert(text: string, maxLength: number = TEXT_CAPS.text, placement: 'whole' | 'midLine' = 'whole'): string {
  const plain = String(text)
    .replace(LONE_SURROGATE, '\uFFFD')
    .replace(INVISIBLE, '')
    .replace(LINE_BREAKS, ' ')
    .replace(STRAY_WORD_JOINER, '')
    .trim();
  return breakPatterns(truncate(plain, maxLength), placement === 'whole');
}

/**
 * At most `maxLength` code points besides word joiners (never half a surrogate pair), the last one an ellipsis
 * when cut. A word joiner left at the cut is dropped: rule 4 puts back the ones still needed.
 */
function truncate(text: string, maxLength: number): string {
  if (text.length <= maxLength) return text;
  let visible = 0;
  let offset = 0;
  let cutAt = 0;
  for (const point of text) {
    if (point !== WORD_JOINER && ++visible === maxLength) cutAt = offset;
    offset += point.length;
  }
  if (visible <= maxLength) return text;
  return `${text.slice(0, cutAt).replace(/\u2060+$/, '').trimEnd()}${ELLIPSIS}`;
}

/**
 * What a card's `…Url` field becomes (the target of an `Action.OpenUrl`, never shown as text): an absolute http(s)
 * URL without credentials, as the URL parser writes it, or '' for anything else (the template then leaves its
 * button out). Such a target is a link by design, so no pattern is broken in it.
 */
export function linkTarget(value: string): string {
  try {
    const url = new URL(value);
    if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username !== '' || url.password !== '') return '';
    return url.href;
  } catch {
    return '';
  }
}

const WORD_CHAR = /[\p{L}\p{N}]/u;

function breakPatterns(text: string, startsLine: boolean): string {
  const swapped = text
    .replace(/\*/g, '\u2217')
    .replace(/~/g, '\u223C')
    .replace(/`/g, '\u02CB')
    .replace(/\\(?=[!-/:-@[-`{-~]|$)/g, '\u29F5')
    .replace(/_/g, (ch, at: number, all: string) =>
      WORD_CHAR.test(all[at - 1] ?? '') && WORD_CHAR.test(all[at + 1] ?? '') ? ch : '\u02CD',
    );
  return swapped
    .replace(/\](?=[([:])/g, `]${WORD_JOINER}`)
    .replace(/:\/\//g, `:${WORD_JOINER}//`)
    .replace(/www\./gi, (m) => `${m.slice(0, 3)}${WORD_JOINER}.`)
    .replace(/<(?!\u2060)/g, `<${WORD_JOINER}`)
    .replace(/&(?=[A-Za-z#])/g, `&${WORD_JOINER}`)
    .replace(/\$(?=\{)/g, `$${WORD_JOINER}`)
    .replace(/(?<![\p{L}\p{N}._%+-])@(?!\u2060)/gu, `@${WORD_JOINER}`)
    .replace(startsLine ? /^(?=[-+#>]|\d+[.)]|\()/ : /^(?=\()/, WORD_JOINER)
    .replace(/\$$/, `$$${WORD_JOINER}`);
}

const ID_FIELD = /(^id|Id|Ids|^version)$/;
const NAME_FIELD = /(^n|N)ame$|^(customer|user|previous|existing|manager|accountManager|requester|approver|actor|by|decidedBy|query)$/;
const REASON_FIELD = /reason|error|problem|^details?$/i;
const LIST_FIELD = /^(list|matches|names)$/;

/**
 * The cap for a field of card data or a `t()` parameter, by its name: ids (which buttons carry back to the bot)
 * are never cut, names get {@link TEXT_CAPS.name}, reasons and error text {@link TEXT_CAPS.reason}, the rest
 * {@link TEXT_CAPS.text}.
 */
export function capForField(field: string): number {
  if (ID_FIELD.test(field)) return Number.POSITIVE_INFINITY;
  if (NAME_FIELD.test(field)) return TEXT_CAPS.name;
  if (REASON_FIELD.test(field)) return TEXT_CAPS.reason;
  if (LIST_FIELD.test(field)) return TEXT_CAPS.list;
  return TEXT_CAPS.text;
}
