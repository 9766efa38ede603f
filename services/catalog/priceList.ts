import * as fs from 'node:fs';
import { CsvFormatError, parseCsv, type CsvTable } from '../csv';
import type { PlanSku } from './plans';

/** An amount in one currency, per month. */
export interface Money {
  amount: number;
  currency: string;
}

/** One seat line to price: a SKU and how many seats of it. */
export interface PricedLine {
  sku: PlanSku;
  quantity: number;
}

/** A price list that cannot be used; names the file and the line so the operator can fix it. */
export class PriceListError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    problem: string,
  ) {
    super(`Price list ${file}${line === undefined ? '' : `, line ${line}`}: ${problem}`);
    this.name = 'PriceListError';
  }
}

interface PriceRow {
  productId: string;
  titles: string[];
  termDuration: string;
  billingPlan: string;
  market: string;
  currency: string;
  unitPrice: number;
  tierMin?: number;
  tierMax?: number;
  effectiveFrom?: number;
  effectiveTo?: number;
}

/** Columns of Partner Center's NCE license-based price list that pricing needs; the others are ignored. */
const REQUIRED_COLUMNS = ['ProductTitle', 'ProductId', 'SkuId', 'SkuTitle', 'TermDuration', 'BillingPlan', 'Market', 'Currency', 'UnitPrice'] as const;

/** Catalog product ids Microsoft documents (partner-center.md §4.7), for price lists that title a product differently. */
const DOCUMENTED_PRODUCT_IDS: Readonly<Record<string, string>> = {
  '3b555118-da6a-4418-894f-7df1e2096870': 'CFQ7TTC0LH18',
  'cbdc14ab-d96c-4c30-b9f4-6ada7cdc1d46': 'CFQ7TTC0LCHC',
};

const normalize = (title: string): string => title.trim().replace(/\s+/g, ' ').toLowerCase();

/**
 * Partner Center's price list, read once at startup. A seat's monthly price is the one-year term's price over
 * twelve months (what the run buys: P1Y, billed monthly), else the monthly term's price.
 */
export class PriceList {
  private constructor(private readonly rows: readonly PriceRow[]) {}

  /** Parses the CSV text; `file` only names the source in errors. */
  static parse(text: string, file: string): PriceList {
    let table: CsvTable;
    try {
      table = parseCsv(text);
    } catch (error) {
      if (error instanceof CsvFormatError) throw new PriceListError(file, error.line, error.problem);
      throw error;
    }
    const missing = REQUIRED_COLUMNS.filter((name) => !table.header.includes(name));
    if (missing.length > 0) throw new PriceListError(file, table.headerLine, `missing column(s) ${missing.join(', ')}`);
    const rows = table.rows.map((row) =>
      toRow(
        (name) => row.fields[name] ?? '',
        (problem) => new PriceListError(file, row.line, problem),
      ),
    );
    return new PriceList(rows);
  }

  /** Reads and parses the file; a missing or unreadable file is a PriceListError too. */
  static load(file: string): PriceList {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (error) {
      throw new PriceListError(file, undefined, `cannot be read (${error instanceof Error ? error.message : String(error)})`);
    }
    return PriceList.parse(text, file);
  }

  get size(): number {
    return this.rows.length;
  }

  /** Monthly cost of the seat lines in `market`; undefined when any line has no price there (no partial sums). */
  monthlyCost(lines: readonly PricedLine[], market: string, at: Date = new Date()): Money | undefined {
    let total = 0;
    let currency: string | undefined;
    for (const { sku, quantity } of lines) {
      if (quantity === 0) continue;
      const seat = this.seatPrice(sku, quantity, market, at.getTime());
      if (!seat || (currency !== undefined && seat.currency !== currency)) return undefined;
      currency = seat.currency;
      total += seat.amount * quantity;
    }
    return currency === undefined ? undefined : { amount: Math.round(total * 100) / 100, currency };
  }

  /** Monthly price of one seat of the SKU, at the tier that `quantity` falls into. */
  seatPrice(sku: PlanSku, quantity: number, market: string, atMs: number = Date.now()): Money | undefined {
    const title = normalize(sku.title);
    const productId = DOCUMENTED_PRODUCT_IDS[sku.skuId];
    const candidates = this.rows.filter(
      (row) =>
        row.market === market.toUpperCase() &&
        (row.titles.includes(title) || (productId !== undefined && row.productId === productId)) &&
        (row.tierMin === undefined || quantity >= row.tierMin) &&
        (row.tierMax === undefined || quantity <= row.tierMax) &&
        (row.effectiveFrom === undefined || atMs >= row.effectiveFrom) &&
        (row.effectiveTo === undefined || atMs <= row.effectiveTo),
    );
    const pick = (term: string, billing: string) => candidates.find((row) => row.termDuration === term && row.billingPlan === billing);
    const annual = pick('P1Y', 'monthly') ?? pick('P1Y', 'annual');
    // Rounded to a millionth so that 61.20 / 12 reads 5.1, not 5.1000000000000005.
    if (annual) return { amount: Math.round((annual.unitPrice / 12) * 1e6) / 1e6, currency: annual.currency };
    const monthly = pick('P1M', 'monthly');
    return monthly ? { amount: monthly.unitPrice, currency: monthly.currency } : undefined;
  }
}

function toRow(field: (name: string) => string, problem: (text: string) => PriceListError): PriceRow {
  const unitPriceText = field('UnitPrice');
  const unitPrice = Number(unitPriceText);
  if (unitPriceText === '' || !Number.isFinite(unitPrice) || unitPrice < 0) {
    throw problem(`UnitPrice "${unitPriceText}" is not a price (a number like 12.50)`);
  }
  const currency = field('Currency').toUpperCase();
  if (!/^[A-Z]{3}$/.test(currency)) throw problem(`Currency "${field('Currency')}" is not a three-letter code like USD`);
  const market = field('Market').toUpperCase();
  if (!/^[A-Z]{2}$/.test(market)) throw problem(`Market "${field('Market')}" is not a two-letter country code like US`);
  const termDuration = field('TermDuration').toUpperCase();
  if (!/^P\d+[MY]$/.test(termDuration)) throw problem(`TermDuration "${field('TermDuration')}" is not a term like P1Y or P1M`);
  const titles = [field('ProductTitle'), field('SkuTitle')].filter((t) => t !== '').map(normalize);
  if (titles.length === 0) throw problem('ProductTitle and SkuTitle are both empty');
  return {
    productId: field('ProductId').toUpperCase(),
    titles,
    termDuration,
    billingPlan: field('BillingPlan').toLowerCase(),
    market,
    currency,
    unitPrice,
    tierMin: optionalNumber(field('PricingTierRangeMin'), 'PricingTierRangeMin', problem),
    tierMax: optionalNumber(field('PricingTierRangeMax'), 'PricingTierRangeMax', problem),
    effectiveFrom: optionalDate(field('EffectiveStartDate'), 'EffectiveStartDate', problem),
    effectiveTo: optionalDate(field('EffectiveEndDate'), 'EffectiveEndDate', problem),
  };
}

function optionalNumber(text: string, column: string, problem: (text: string) => PriceListError): number | undefined {
  if (text === '') return undefined;
  const value = Number(text);
  if (!Number.isFinite(value)) throw problem(`${column} "${text}" is not a number`);
  return value;
}

function optionalDate(text: string, column: string, problem: (text: string) => PriceListError): number | undefined {
  if (text === '') return undefined;
  const value = Date.parse(text);
  if (Number.isNaN(value)) throw problem(`${column} "${text}" is not a date`);
  return value;
}
