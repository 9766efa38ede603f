/** Card rendering: every registered card with its sample data, in English and German, through `renderCard`. */
import { CARD_NAMES, renderCard, type CardName } from '../cards/cards';
import type { Locale } from '../cards/i18n';
import { CARD_SAMPLES } from '../cards/samples';
import { atLeast, benchResult, type BenchResult } from './result';

export interface CardRenderOptions {
  /** Rounds over every card × locale. */
  iterations: number;
}

const LOCALES: readonly Locale[] = ['en', 'de'];

export async function benchCardRender(options: CardRenderOptions): Promise<BenchResult[]> {
  const render = (name: CardName, locale: Locale) => renderCard(name, CARD_SAMPLES[name] as never, locale);
  // One untimed round (which also sizes the cards), so JIT warm-up does not count against steady-state rendering.
  let bytes = 0;
  for (const name of CARD_NAMES) for (const locale of LOCALES) bytes += JSON.stringify(render(name, locale)).length;

  const perCardMs = new Map<CardName, number>(CARD_NAMES.map((name) => [name, 0]));
  const started = performance.now();
  for (let round = 0; round < options.iterations; round++) {
    for (const name of CARD_NAMES) {
      const cardStarted = performance.now();
      for (const locale of LOCALES) render(name, locale);
      perCardMs.set(name, (perCardMs.get(name) ?? 0) + performance.now() - cardStarted);
    }
  }
  const elapsedMs = performance.now() - started;
  const renders = options.iterations * CARD_NAMES.length * LOCALES.length;
  const [slowestCard, slowestMs] = [...perCardMs].reduce((slowest, entry) => (entry[1] > slowest[1] ? entry : slowest));
  return [
    benchResult({
      name: 'cards: renderCard, every card × en/de',
      unit: 'renders/s',
      value: renders / (elapsedMs / 1000),
      target: atLeast(200),
      details: {
        cards: CARD_NAMES.length,
        locales: LOCALES.join(','),
        iterations: options.iterations,
        renders,
        msPerRender: Math.round((elapsedMs / renders) * 1000) / 1000,
        slowestCard,
        slowestCardMsPerRender: Math.round((slowestMs / (options.iterations * LOCALES.length)) * 1000) / 1000,
        averageCardBytes: Math.round(bytes / (CARD_NAMES.length * LOCALES.length)),
      },
    }),
  ];
}
