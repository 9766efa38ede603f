import { t } from '../../cards/i18n';
import { capForField, inert, TEXT_CAPS } from '../../cards/literal';
import { activePart, HOSTILE_TEXTS, HUGE_NAME, seededRandom } from './hostile';

const WJ = '\u2060';
const visibleLength = (text: string) => Array.from(text.replace(/\u2060/g, '')).length;

describe('inert text', () => {
  it.each(HOSTILE_TEXTS.map((text) => [text.slice(0, 60), text]))('%j comes out inert', (_label, text) => {
    const out = inert(text);
    expect(activePart(out)).toBeUndefined();
    expect(visibleLength(out)).toBeLessThanOrEqual(TEXT_CAPS.text);
  });

  it.each([
    ['**Bold**', '∗∗Bold∗∗'],
    ['_ital_ ~~strike~~', 'ˍitalˍ ∼∼strike∼∼'],
    ['[Click here](https://evil.example)', `[Click here]${WJ}(https:${WJ}//evil.example)`],
    ['<at>Megan</at>', `<${WJ}at>Megan<${WJ}/at>`],
    ['&lt;b&gt; &#x2F;', `&${WJ}lt;b&${WJ}gt; &${WJ}#x2F;`],
    ['Budget ${not approved}', `Budget $${WJ}{not approved}`],
    ['\u202Egnp.exe\u202C', 'gnp.exe'],
    ['a\u2028b\u2029c\r\nd', 'a b c d'],
    ['www.evil.example', `www${WJ}.evil.example`],
    ['@everyone', `@${WJ}everyone`],
    ['# Heading', `${WJ}# Heading`],
  ])('%j becomes %j', (input, expected) => {
    expect(inert(input)).toBe(expected);
  });

  it.each([
    'ann_lee@contoso.onmicrosoft.com',
    'E_QUOTA_EXCEEDED',
    'Müller & Söhne GmbH',
    'Fabrikam (Europe) Ltd.',
    'CONTOSO\\ann',
    'Contoso [Beta]',
    '50% off: 3 + 4 = 7',
  ])('%j is left exactly as it is: an address, error code or name copies unchanged', (text) => {
    expect(inert(text)).toBe(text);
  });

  it('caps at the given number of visible characters, ending with an ellipsis, never splitting a surrogate pair', () => {
    const out = inert('😀'.repeat(300), 120);
    expect(Array.from(out)).toHaveLength(120);
    expect(out.endsWith('😀…')).toBe(true);
    expect(visibleLength(inert(HUGE_NAME, TEXT_CAPS.name))).toBe(TEXT_CAPS.name);
  });

  it('is idempotent: 3,000 seeded random mixes of hostile fragments come out the same when made inert twice', () => {
    const random = seededRandom(9);
    const fragments = ['*', '**', '_', '~~', '`', '\\', '[', ']', '(', ')', ']:', '!', '<', '>', '</', '&', '&lt;', '#', '$', '{', '${', '}',
      '@', 'a@b', ':', '//', 'http', 'www.', '.', '-', '+', '1.', ' ', '\n', '\r', '\u2028', '\u2029', '\u202E', '\u2066', '\u200B',
      '\u2060', '\uFEFF', '\u{E0041}', '\uD800', 'ä', 'x', '9', '…', 'ˍ', '∗'];
    for (let i = 0; i < 3000; i++) {
      const text = Array.from({ length: 1 + Math.floor(random() * 40) }, () => fragments[Math.floor(random() * fragments.length)]).join('');
      const cap = 5 + Math.floor(random() * 60);
      const once = inert(text, cap);
      expect({ text, twice: inert(once, cap) }).toEqual({ text, twice: once });
      expect({ text, active: activePart(once) }).toEqual({ text, active: undefined });
      expect(visibleLength(once)).toBeLessThanOrEqual(cap);
    }
  });

  it('caps names at 120, reasons at 500, lists at 2,000 and other text at 1,000 characters; ids are never cut', () => {
    expect(['customerName', 'requesterName', 'name', 'customer', 'previous', 'by', 'decidedBy', 'actor', 'query'].map(capForField)).toEqual(
      Array(9).fill(TEXT_CAPS.name),
    );
    expect(['reason', 'details', 'error'].map(capForField)).toEqual([500, 500, 500]);
    expect(capForField('list')).toBe(2000);
    expect(capForField('headline')).toBe(1000);
    expect(['customerId', 'selectedUserIds', 'id'].map(capForField)).toEqual(Array(3).fill(Number.POSITIVE_INFINITY));
  });
});

describe('t() with untrusted parameters', () => {
  it('keeps our own Markdown but makes every string parameter inert and capped', () => {
    for (const text of HOSTILE_TEXTS) {
      const reply = t('en', 'assignDone', { customer: text });
      expect(activePart(reply)).toBeUndefined();
      expect(reply.length).toBeLessThan(400);
    }
    expect(t('en', 'scanBusy', { time: '10:00', by: '[x](http://e)' })).toContain('**expiring**');
  });

  it('leaves a parameter inside a sentence that merely looks like a list marker (a German date) unchanged', () => {
    expect(t('de', 'assignDone', { customer: '3. Dez. GmbH' })).not.toContain(WJ);
    expect(inert('3. Dez. 2026')).toBe(`${WJ}3. Dez. 2026`);
  });

  it('a parameter passed through t() and then through a card is unchanged by the second pass', () => {
    for (const text of HOSTILE_TEXTS) {
      const reply = t('en', 'assignDone', { customer: text });
      expect(inert(reply)).toBe(reply);
    }
  });
});
