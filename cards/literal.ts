/**
 * Makes untrusted text (customer names, Partner Center data) display literally in a card: Teams renders
 * TextBlock and FactSet text as markdown and turns URLs into links, so markdown control characters are swapped
 * for look-alikes, line breaks are folded and URL schemes are broken with a word joiner.
 */
const LOOK_ALIKES: Readonly<Record<string, string>> = {
  '*': '\u2217', // ∗
  _: '\uFF3F', // ＿
  '[': '\uFF3B', // ［
  ']': '\uFF3D', // ］
  '(': '\uFF08', // （
  ')': '\uFF09', // ）
  '<': '\u2039', // ‹
  '>': '\u203A', // ›
  '`': '\u02CB', // ˋ
  '~': '\u02DC', // ˜
  '#': '\uFF03', // ＃
  '|': '\u2223', // ∣
  '\\': '\u29F5', // ⧵
  '@': '\uFF20', // ＠ (no mention can be forged)
};

const WORD_JOINER = '\u2060';

export function literalText(text: string): string {
  return text
    .replace(/[\r\n\t]+/g, ' ')
    .replace(/[*_[\]()<>`~#|\\@]/g, (ch) => LOOK_ALIKES[ch] ?? ch)
    .replace(/:\/\//g, `:${WORD_JOINER}//`)
    .replace(/\bwww\./gi, (m) => `${m.slice(0, 3)}${WORD_JOINER}.`)
    .replace(/^(\s*)([-+]|\d+\.)(\s)/, `$1${WORD_JOINER}$2$3`);
}
