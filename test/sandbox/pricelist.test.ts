import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SKUS } from '../../sandbox/catalog';

const HEADER =
  'ProductTitle,ProductId,SkuId,SkuTitle,Publisher,SkuDescription,UnitOfMeasure,TermDuration,BillingPlan,Market,Currency,UnitPrice,PricingTierRangeMin,PricingTierRangeMax,EffectiveStartDate,EffectiveEndDate,Tags,ERP Price,Segment';

/** Splits one CSV line with quoted fields (the sample quotes fields that contain commas). */
function fields(line: string): string[] {
  return [...line.matchAll(/("([^"]|"")*"|[^,]*)(,|$)/g)].map((match) => match[1].replace(/^"|"$/g, '').replace(/""/g, '"')).slice(0, -1);
}

describe('pricelist.sample.csv', () => {
  const lines = readFileSync(join(__dirname, '../../sandbox/pricelist.sample.csv'), 'utf8').trim().split('\n');
  const rows = lines.slice(1).map(fields);

  test('uses the Partner Center price-list columns', () => {
    expect(lines[0]).toBe(HEADER);
    expect(rows.every((row) => row.length === HEADER.split(',').length)).toBe(true);
  });

  test('prices every replacement plan of the sandbox catalog in USD, with the right segment', () => {
    for (const definition of SKUS.filter((candidate) => candidate.nce)) {
      const row = rows.find(
        (candidate) => candidate[1] === definition.nce?.productId && candidate[2] === definition.nce?.catalogSkuId && candidate[10] === 'USD',
      );
      expect(row).toBeDefined();
      expect(row?.[18]).toBe(definition.segment === 'education' ? 'Education' : 'Commercial');
      expect(Number(row?.[11])).toBeGreaterThanOrEqual(0);
    }
  });
});
