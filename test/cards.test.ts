import { CARD_NAMES, renderCard } from '../cards/cards';
import { Locale, strings } from '../cards/i18n';
import { inert } from '../cards/literal';
import { cardSize, CardProblem, TEAMS_CARD_LIMITS } from '../cards/render';
import { CARD_SAMPLES } from '../cards/samples';
import { createCardValidator } from '../cards/schemaValidator';

const validate = createCardValidator();
const LOCALES: Locale[] = ['en', 'de'];

describe('every card template', () => {
  for (const name of CARD_NAMES) {
    for (const locale of LOCALES) {
      it(`${name} (${locale}) renders completely, is a valid Adaptive Card 1.5 and fits Teams' message size`, () => {
        const problems: CardProblem[] = [];
        const card = renderCard(name, CARD_SAMPLES[name] as never, locale, (p) => problems.push(p));
        expect(problems).toEqual([]);
        const json = JSON.stringify(card);
        expect(json).not.toContain('${');
        const result = validate(card);
        expect(result.errors).toEqual([]);
        expect(result.valid).toBe(true);
        expect(cardSize(card).utf16Bytes).toBeLessThanOrEqual(TEAMS_CARD_LIMITS.utf16Bytes);
        expect(cardSize(card).utf8Bytes).toBeLessThanOrEqual(TEAMS_CARD_LIMITS.utf8Bytes);
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
  const WJ = '\u2060';
  it.each([
    ['Contoso [Beta] *Ltd* <script>', `Contoso [Beta] ∗Ltd∗ <${WJ}script>`],
    ['[click](https://evil.example)', `[click]${WJ}(https:${WJ}//evil.example)`],
    ['@everyone _urgent_', `@${WJ}everyone ˍurgentˍ`],
    ['line one\nline two', 'line one line two'],
    ['- not a list', `${WJ}- not a list`],
    ['ann_lee@contoso.com', 'ann_lee@contoso.com'],
  ])('%j is shown literally', (input, expected) => {
    expect(inert(input)).toBe(expected);
  });

  it('a hostile value in card data cannot add markdown or a link to the rendered card', () => {
    const card = renderCard('help', { commands: [{ command: '**migrate** [x](http://evil)', description: 'ok' }] }, 'en');
    const json = JSON.stringify(card.body);
    expect(json).not.toContain('**');
    expect(json).not.toContain('](');
    expect(json).not.toContain('http://');
  });
});
