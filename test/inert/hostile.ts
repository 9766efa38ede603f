/** Hostile text as a customer, a user or Partner Center could send it, and what "inert" means for it. */

/** A customer name of 20,000 characters, non-ASCII and with an expression in it, to size cards for the worst case. */
export const HUGE_NAME = 'Ä${x}'.repeat(4000);

/** One entry per attack; each carries a distinctive fragment that must not survive in its active form. */
export const HOSTILE_TEXTS: readonly string[] = [
  '**Bold** _ital_ ~~strike~~ `code`',
  '[Click here](https://evil.example/login)',
  '![img](https://evil.example/p.png) [ref]: https://evil.example',
  '<at>Megan Bowen</at> @everyone',
  '&lt;script&gt;alert(1)&lt;/script&gt; &#x2F;&#47;',
  'Acme ${x} Budget ${not approved} ${t.approve}',
  'Contoso \u202Egnp.exe\u202C \u2066iso\u2069 \u200Fmark\u200E \u061Carabic',
  'line\u2028break\u2029para\r\nnext\u0085nel\ttab',
  'www.evil.example and http://evil.example <https://evil.example>',
  'zero\u200Bwidth\u200D\uFEFF tag\u{E0041}\u{E0042}\u00AD',
  '<script>alert(1)</script><img src=x onerror=alert(1)>',
  '# Heading',
  '- list item',
  '> quote',
  '1. numbered',
  HUGE_NAME,
];

const ACTIVE_PATTERNS: ReadonlyArray<[RegExp, string]> = [
  [/\*\*Bold|_ital_|~~strike|`code`/, 'markdown emphasis, strikethrough or code'],
  [/\]\(|\]:/, 'a link, image or reference'],
  [/:\/\//, 'a bare URL'],
  [/www\./i, 'a www. link'],
  [/<[A-Za-z/!?]/, 'an HTML tag, <at> mention or autolink'],
  [/&[A-Za-z#]/, 'an HTML entity'],
  [/\$\{/, 'a template expression'],
  [/(^|[^\p{L}\p{N}._%+-])@(?!\u2060)/u, 'a mention-like @'],
  [/[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/, 'a bidi control'],
  [/[\u200B-\u200D\uFEFF\u00AD]|\uDB40[\uDC00-\uDC7F]/, 'an invisible character'],
  [/[\u2028\u2029\r\u0085\t]/, 'a line or paragraph separator'],
];

/** Why `text` is not inert, or undefined when it is. `multiline` allows our own `\n` (text replies with lists). */
export function activePart(text: string, options: { multiline?: boolean } = {}): string | undefined {
  for (const [pattern, what] of ACTIVE_PATTERNS) if (pattern.test(text)) return `${what} in ${JSON.stringify(text.slice(0, 200))}`;
  if (!options.multiline && text.includes('\n')) return `a line break in ${JSON.stringify(text.slice(0, 200))}`;
  const lines = options.multiline ? text.split('\n') : [text];
  for (const line of lines) {
    if (/^(#{1,6}\s|>|\d+[.)]\s)/.test(line)) return `a block marker at the start of ${JSON.stringify(line.slice(0, 200))}`;
  }
  return undefined;
}

/** Every string in a rendered card that a reader sees (texts, titles, values, choices). */
export function shownStrings(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(shownStrings);
  if (node === null || typeof node !== 'object') return [];
  const record = node as Record<string, unknown>;
  const own = ['text', 'title', 'value', 'placeholder', 'label', 'errorMessage', 'altText']
    .map((key) => record[key])
    .filter((value): value is string => typeof value === 'string');
  return [...own, ...Object.entries(record).filter(([key]) => key !== 'data').flatMap(([, value]) => shownStrings(value))];
}

/** Small seeded generator (mulberry32), so a failing case can be replayed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let x = state;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}
