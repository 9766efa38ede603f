import { CARD_NAMES, renderCard } from '../cards/cards';
import { Locale, strings } from '../cards/i18n';
import { literalText } from '../cards/literal';
import { CARD_SAMPLES } from '../cards/samples';
import { createCardValidator } from '../cards/schemaValidator';

const validate = createCardValidator();
const LOCALES: Locale[] = ['en', 'de'];

describe('every card template', () => {
  for (const name of CARD_NAMES) {
    for (const locale of LOCALES) {
      it(`${name} (${locale}) renders completely, is a valid Adaptive Card 1.5 and stays under 40 KB`, () => {
        const card = renderCard(name, CARD_SAMPLES[name] as never, locale);
        const json = JSON.stringify(card);
        expect(json).not.toContain('${');
        const result = validate(card);
        expect(result.errors).toEqual([]);
        expect(result.valid).toBe(true);
        expect(Buffer.byteLength(json, 'utf8')).toBeLessThan(40 * 1024);
      });
    }
  }

  it('the schema validator rejects a broken card', () => {
    expect(validate({ type: 'AdaptiveCard', version: '1.5', body: [{ type: 'TextBlock' }] }).valid).toBe(false);
  });

  it('English and German bundles have the same keys and no empty text', () => {
    expect(Object.keys(strings('de')).sort()).toEqual(Object.keys(strings('en')).sort());
    for (const locale of LOCALES) for (const text of Object.values(strings(locale))) expect(text.trim()).not.toBe('');
  });
});

describe('untrusted text on cards', () => {
  it.each([
    ['Contoso [Beta] *Ltd* <script>', 'Contoso ［Beta］ ∗Ltd∗ ‹script›'],
    ['[click](https://evil.example)', '［click］(https:\u2060//evil.example)'],
    ['@everyone _urgent_', '＠everyone ＿urgent＿'],
    ['line one\nline two', 'line one line two'],
    ['- not a list', '\u2060- not a list'],
  ])('%j is shown literally', (input, expected) => {
    expect(literalText(input)).toBe(expected);
  });

  it('a hostile value in card data cannot add markdown or a link to the rendered card', () => {
    const card = renderCard('help', { commands: [{ command: '**migrate** [x](http://evil)', description: 'ok' }] }, 'en');
    const json = JSON.stringify(card.body);
    expect(json).not.toContain('**');
    expect(json).not.toContain('](');
    expect(json).not.toContain('http://');
  });
});
