import { CARD_NAMES, renderCard, type CardName } from '../../cards/cards';
import { cardSize, TEAMS_CARD_LIMITS, type CardProblem } from '../../cards/render';
import { CARD_SAMPLES } from '../../cards/samples';
import { createCardValidator } from '../../cards/schemaValidator';
import { runProgressCardData, runSummaryCardData } from '../../bot/runProgressNotifier';
import { newRun, toProgressView, toSummaryView } from '../../services/migration';
import { APPROVER, BUSINESS_BASIC, REQUESTER } from '../migration/support';
import { activePart, HOSTILE_TEXTS, HUGE_NAME, shownStrings } from './hostile';

const validate = createCardValidator();

// Fields the templates use as enums, button data or ids: not text a customer or user could choose.
const NOT_TEXT = /(^id|Id|Ids|Data|[cC]olor|^status|^version|^command|^stage|^action|^choice)$/;

/** The sample data with every free-text string replaced by `text`. */
function withText(value: unknown, text: string, field = ''): unknown {
  if (typeof value === 'string') return NOT_TEXT.test(field) || value === '' ? value : text;
  if (Array.isArray(value)) return value.map((item) => withText(item, text, field));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, NOT_TEXT.test(k) ? v : withText(v, text, k)]));
  }
  return value;
}

function render(name: CardName, text: string) {
  const problems: CardProblem[] = [];
  const card = renderCard(name, withText(CARD_SAMPLES[name], text) as never, 'en', (p) => problems.push(p));
  return { card, problems };
}

describe('every card template with hostile text in every text field', () => {
  for (const name of CARD_NAMES) {
    it(`${name}: renders the real card, valid, inert and within Teams' size for each hostile string`, () => {
      for (const text of HOSTILE_TEXTS) {
        const { card, problems } = render(name, text);
        expect({ text: text.slice(0, 40), problems }).toEqual({ text: text.slice(0, 40), problems: [] });
        expect(validate(card).errors).toEqual([]);
        for (const shown of shownStrings(card)) expect({ shown: shown.slice(0, 60), active: activePart(shown) }).toEqual({ shown: shown.slice(0, 60), active: undefined });
        const size = cardSize(card);
        expect(size.utf16Bytes).toBeLessThanOrEqual(TEAMS_CARD_LIMITS.utf16Bytes);
        expect(size.utf8Bytes).toBeLessThanOrEqual(TEAMS_CARD_LIMITS.utf8Bytes);
      }
    });
  }

  it('a 20,000-character customer name is cut to 120 characters on the expiring report', () => {
    const rows = CARD_SAMPLES.expiringReport.rows.map((row) => ({ ...row, customerName: HUGE_NAME }));
    const card = renderCard('expiringReport', { ...CARD_SAMPLES.expiringReport, rows }, 'en');
    const names = shownStrings(card).filter((text) => text.startsWith('Ä'));
    expect(names).toHaveLength(rows.length);
    for (const shown of names) expect(Array.from(shown.replace(/\u2060/g, ''))).toHaveLength(120);
  });
});

describe('a card that cannot be rendered', () => {
  it('falls back to a plain, valid card with the title and every row, reported once, when it is too large even shortened', () => {
    const rows = Array.from({ length: 400 }, (_, i) => ({ ...CARD_SAMPLES.alertDigest.rows[0], customerName: `Customer ${i} ${'x'.repeat(60)}` }));
    const problems: CardProblem[] = [];
    const card = renderCard('alertDigest', { ...CARD_SAMPLES.alertDigest, rows }, 'en', (p) => problems.push(p));
    expect(problems).toEqual([{ card: 'alertDigest', reason: expect.stringContaining('size') }]);
    expect(validate(card).errors).toEqual([]);
    expect(card.actions).toBeUndefined();
    expect(cardSize(card).utf16Bytes).toBeLessThanOrEqual(TEAMS_CARD_LIMITS.utf16Bytes);
    const shown = shownStrings(card);
    expect(shown[0]).toBe(CARD_SAMPLES.alertDigest.title);
    expect(shown.some((line) => line.startsWith('Customer 0 '))).toBe(true);
    const listed = shown.filter((line) => line.startsWith('Customer ')).length;
    const more = shown.map((line) => /^… and (\d+) more/.exec(line)).find((match) => match !== null);
    expect(listed + Number(more?.[1] ?? 0)).toBe(400);
  });

  it('falls back to a plain card, and reports it, when the template itself is broken', () => {
    const problems: CardProblem[] = [];
    // A template mistake: a field the template reads is missing, so `${…}` would be left in the card.
    const data = { ...CARD_SAMPLES.expiryAlert } as Record<string, unknown>;
    delete data.offerName;
    const card = renderCard('expiryAlert', data as never, 'en', (p) => problems.push(p));
    expect(problems).toEqual([{ card: 'expiryAlert', reason: expect.stringContaining('unexpanded expression') }]);
    expect(JSON.stringify(card)).not.toContain('${');
    expect(validate(card).errors).toEqual([]);
    expect(shownStrings(card)).toContain(CARD_SAMPLES.expiryAlert.customerName);
  });
});

describe('the default problem reporter', () => {
  it('writes one warning line per fallback, naming the card and the reason', () => {
    const lines: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      const data = { ...CARD_SAMPLES.expiryAlert } as Record<string, unknown>;
      delete data.offerName;
      renderCard('expiryAlert', data as never, 'en');
    } finally {
      spy.mockRestore();
    }
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/ WARN {2}card rendered as plain fallback \{"card":"expiryAlert","reason":".*unexpanded expression/);
  });
});

describe('a run with thousands of failed users', () => {
  it('its progress and summary cards, with hostile error text and a 20,000-character customer name, are the real cards and fit Teams', () => {
    const users = Array.from({ length: 2000 }, (_, i) => ({
      id: `u${i}`,
      state: 'failed' as const,
      attempts: 1,
      upn: `user${i}@${'contoso'.repeat(20)}.example`,
      problem: { code: 'noUsageLocation' as const, detail: `${HOSTILE_TEXTS[i % HOSTILE_TEXTS.length]} ${'x'.repeat(400)}` },
    }));
    const base = newRun(
      {
        id: 'MR-7K2Q9XW4PD', version: 2, status: 'approved', customerId: 'c1', customerName: HUGE_NAME, tenantId: 'c1', kaizalaSubscriptionId: 'k1',
        kaizalaSkuId: '00000000-0000-4000-8000-00000000c0de', commitmentEndDate: '2030-06-30T00:00:00Z', plan: BUSINESS_BASIC, quantity: 2000,
        userIds: users.map((u) => u.id), requester: REQUESTER, requesterLocale: 'de', createdAt: '2030-01-01T00:00:00Z', expiresAt: '2030-01-08T00:00:00Z', decidedBy: APPROVER,
      },
      'graph',
      '2030-01-10T09:50:00Z',
    );
    const run = { ...base, status: 'parked' as const, step: 'moveLicenses' as const, startedAt: '2030-01-10T09:55:30Z', users,
      parked: { code: 'usersNeedAttention' as const, detail: '2000 of 2000 users could not be moved', step: 'moveLicenses' as const, at: '2030-01-10T09:59:00Z' } };
    for (const locale of ['en', 'de'] as const) {
      const problems: CardProblem[] = [];
      const progress = renderCard('runProgress', runProgressCardData(toProgressView(run, Date.parse('2030-01-10T10:00:00Z'), 3), locale), locale, (p) => problems.push(p));
      const summary = renderCard('runSummary', runSummaryCardData(toSummaryView(run, Date.parse('2030-01-10T10:00:00Z'), 3), locale), locale, (p) => problems.push(p));
      expect(problems).toEqual([]);
      for (const card of [progress, summary]) {
        expect(validate(card).errors).toEqual([]);
        expect(cardSize(card).utf16Bytes).toBeLessThanOrEqual(TEAMS_CARD_LIMITS.utf16Bytes);
        for (const shown of shownStrings(card)) expect(activePart(shown)).toBeUndefined();
        expect(shownStrings(card).filter((text) => text.includes('@')).length).toBeGreaterThan(0);
      }
    }
  });
});
