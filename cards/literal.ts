/**
 * Makes untrusted text (customer names, Partner Center data) display literally in a card: Teams renders
 * TextBlock and FactSet text as markdown and turns URLs into links, so the characters that make emphasis, links,
 * HTML and mentions are swapped for look-alikes, line breaks are folded, URL schemes are broken with a word joiner,
 * and a leading list marker is defused. Parentheses stay: without `[` `]` they cannot form a link.
 */
const LOOK_ALIKES: Readonly<Record<string, string>> = {
  '*': '\u2217', // ∗
  _: '\uFF3F', // ＿
  '[': '\uFF3B', // ［
  ']': '\uFF3D', // ］
  '<': '\u2039', // ‹
  '>': '\u203A', // ›
  '`': '\u02CB', // ˋ
  '\\': '\u29F5', // ⧵
  '@': '\uFF20', // ＠ (no mention can be forged)
};

const WORD_JOINER = '\u2060';

export function literalText(text: string): string {
  return text
    .replace(/[\r\n\t]+/g, ' ')
    .replace(/[*_[\]<>`\\@]/g, (ch) => LOOK_ALIKES[ch] ?? ch)
    .replace(/:\/\//g, `:${WORD_JOINER}//`)
    .replace(/\bwww\./gi, (m) => `${m.slice(0, 3)}${WORD_JOINER}.`)
    .replace(/^(\s*)([-+]|\d+\.)(\s)/, `$1${WORD_JOINER}$2$3`);
}
