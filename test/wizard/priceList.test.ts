import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findPlan, PriceList, PriceListError, type PlanDefinition } from '../../services/catalog';
import { PRICE_LIST_CSV } from './support';

const plan = (planId: string) => findPlan(planId) as PlanDefinition;
const HEADER = PRICE_LIST_CSV.split('\r\n')[0];
const ROW = PRICE_LIST_CSV.split('\r\n')[1];

function parseError(text: string): PriceListError {
  try {
    PriceList.parse(text, 'prices.csv');
  } catch (error) {
    if (error instanceof PriceListError) return error;
    throw error;
  }
  throw new Error('expected a PriceListError');
}

describe('the price list', () => {
  const prices = PriceList.parse(PRICE_LIST_CSV, 'test.csv');

  it('prices a seat at the one-year term over twelve months, in the market asked for', () => {
    expect(prices.seatPrice(plan('business-basic').skus[0], 10, 'US')).toEqual({ amount: 5.1, currency: 'USD' });
    expect(prices.seatPrice(plan('business-basic').skus[0], 10, 'de')).toEqual({ amount: 4.8, currency: 'EUR' });
    expect(prices.seatPrice(plan('business-basic').skus[0], 10, 'FR')).toBeUndefined();
  });

  it('falls back to the monthly term when a product has no one-year price', () => {
    expect(prices.seatPrice(plan('o365-f3').skus[0], 10, 'US')).toEqual({ amount: 4, currency: 'USD' });
  });

  it('adds up the monthly cost of every line, and gives none when a line has no price', () => {
    const a3 = plan('o365-a3');
    expect(prices.monthlyCost([{ sku: a3.skus[0], quantity: 5 }, { sku: a3.skus[1], quantity: 7 }], 'US')).toEqual({ amount: 33.75, currency: 'USD' });
    expect(prices.monthlyCost([{ sku: plan('m365-e5').skus[0], quantity: 5 }], 'US')).toBeUndefined();
    expect(prices.monthlyCost([{ sku: plan('o365-e1').skus[0], quantity: 3 }], 'US', new Date('2030-01-01T00:00:00Z'))).toBeUndefined();
  });

  it("reads the sandbox's sample price list", () => {
    const sample = PriceList.load(path.join(__dirname, '../../sandbox/pricelist.sample.csv'));
    expect(sample.size).toBeGreaterThan(50);
    expect(sample.seatPrice(plan('o365-e1').skus[0], 20, 'US')?.currency).toBe('USD');
    expect(sample.seatPrice(plan('o365-a1').skus[1], 20, 'DE')).toEqual({ amount: 0, currency: 'EUR' });
  });

  it('honours pricing tiers', () => {
    const tiered = PriceList.parse(
      [HEADER, ROW.replace(',61.20,,,', ',61.20,1,100,'), ROW.replace(',61.20,,,', ',48.00,101,300,')].join('\n'),
      'tiers.csv',
    );
    expect(tiered.seatPrice(plan('business-basic').skus[0], 100, 'US')?.amount).toBeCloseTo(5.1);
    expect(tiered.seatPrice(plan('business-basic').skus[0], 101, 'US')?.amount).toBeCloseTo(4);
  });

  it.each([
    ['an empty file', '', 'Price list prices.csv: the file is empty'],
    ['a missing column', HEADER.replace('UnitPrice,', 'Price,'), 'Price list prices.csv, line 1: missing column(s) UnitPrice'],
    ['a price that is not a number', `${HEADER}\n${ROW}\n${ROW.replace('61.20', 'sixty')}`, 'Price list prices.csv, line 3: UnitPrice "sixty" is not a price'],
    ['a short line', `${HEADER}\n${ROW}\n${ROW}\nMicrosoft 365 E3,CFQ`, 'Price list prices.csv, line 4: expected 19 fields like the header, found 2'],
    ['an unclosed quote', `${HEADER}\n${ROW}\n${ROW.replace('"Business Basic, fictional"', '"Business Basic')}`, 'Price list prices.csv, line 3: a quoted field is never closed'],
    ['a bad currency', `${HEADER}\n${ROW.replace(',USD,', ',US Dollar,')}`, 'Price list prices.csv, line 2: Currency "US Dollar"'],
    ['a bad term', `${HEADER}\n${ROW.replace(',P1Y,', ',yearly,')}`, 'Price list prices.csv, line 2: TermDuration "yearly"'],
  ])('refuses %s with an error naming the file and the line', (_case, text, message) => {
    expect(parseError(text).message).toContain(message);
  });

  it('names the line where a record starts, across quoted line breaks', () => {
    const multiline = ROW.replace('"Business Basic, fictional"', '"Business Basic,\nfictional"');
    expect(parseError(`${HEADER}\n${multiline}\n${ROW.replace('61.20', '-1')}`).message).toContain('line 4');
  });

  it('refuses a file that cannot be read, naming it', () => {
    const missing = path.join(os.tmpdir(), 'kma-no-such-price-list.csv');
    expect(() => PriceList.load(missing)).toThrow(`Price list ${missing}: cannot be read`);
  });

  it('loads a file with a byte order mark and blank lines', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kma-prices-'));
    const file = path.join(dir, 'prices.csv');
    fs.writeFileSync(file, `\uFEFF${HEADER}\r\n\r\n${ROW}\r\n\r\n`);
    try {
      expect(PriceList.load(file).size).toBe(1);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
