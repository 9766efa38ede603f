/**
 * The expiry report as text: an aligned table for people, a JSON array and RFC 4180 CSV for programs. Customer
 * names come from Partner Center and are untrusted: control characters never reach a terminal, and CSV cells that
 * a spreadsheet would run as a formula are neutralised.
 */
import type { ExpiringSubscription, Urgency } from '../domain/expiring';
import { endDateOf } from './expiryClock';

/** One report line; the JSON output is an array of these, the CSV has one column per field in this order. */
export interface ReportRow {
  customerId: string;
  customerName: string;
  subscriptionId: string;
  offerName: string;
  quantity: number;
  usersOnKaizala: number;
  consumedUnits: number;
  /** As Partner Center gives it (UTC; the term ends when that day ends). */
  commitmentEndDate: string;
  daysLeft: number;
  urgency: Urgency;
  autoRenewEnabled: boolean;
  status: string;
  migrating: boolean;
  /** `<reason>: <detail>` when the scan could not confirm standalone Kaizala Pro; empty when confirmed. */
  review: string;
  /** `<what>: <why> | …` for each secondary lookup that failed (education, sku, users); empty when complete. */
  unknown: string;
}

export const REPORT_COLUMNS: readonly (keyof ReportRow)[] = [
  'customerId',
  'customerName',
  'subscriptionId',
  'offerName',
  'quantity',
  'usersOnKaizala',
  'consumedUnits',
  'commitmentEndDate',
  'daysLeft',
  'urgency',
  'autoRenewEnabled',
  'status',
  'migrating',
  'review',
  'unknown',
];

const UNKNOWN_SEPARATOR = ' | ';

export function toReportRow(subscription: ExpiringSubscription): ReportRow {
  return {
    customerId: subscription.customerId,
    customerName: subscription.customerName,
    subscriptionId: subscription.subscriptionId,
    offerName: subscription.offerName,
    quantity: subscription.quantity,
    usersOnKaizala: subscription.usersOnKaizala,
    consumedUnits: subscription.consumedUnits,
    commitmentEndDate: subscription.commitmentEndDate,
    daysLeft: subscription.daysLeft,
    urgency: subscription.urgency,
    autoRenewEnabled: subscription.autoRenewEnabled,
    status: subscription.status,
    migrating: subscription.migrating,
    review: subscription.review ? `${subscription.review.reason}: ${subscription.review.detail}` : '',
    unknown: (subscription.unknowns ?? []).map((unknown) => `${unknown.what}: ${unknown.reason}`).join(UNKNOWN_SEPARATOR),
  };
}

export function formatJson(rows: readonly ReportRow[]): string {
  return `${JSON.stringify(rows, null, 2)}\n`;
}

/** RFC 4180: CRLF line ends, a header line, fields with comma, quote or line break quoted, quotes doubled. */
export function formatCsv(rows: readonly ReportRow[]): string {
  const lines = [REPORT_COLUMNS.join(','), ...rows.map((row) => REPORT_COLUMNS.map((column) => csvField(row[column])).join(','))];
  return `${lines.join('\r\n')}\r\n`;
}

const TABLE_HEADINGS: ReadonlyArray<[string, (row: ReportRow) => string, 'left' | 'right']> = [
  ['Customer', (row) => row.customerName, 'left'],
  ['Customer id', (row) => row.customerId, 'left'],
  ['Subscription id', (row) => row.subscriptionId, 'left'],
  ['Offer', (row) => row.offerName, 'left'],
  ['Qty', (row) => String(row.quantity), 'right'],
  ['Users', (row) => String(row.usersOnKaizala), 'right'],
  ['Ends', (row) => endDateOf(row.commitmentEndDate) ?? row.commitmentEndDate, 'left'],
  ['Days', (row) => String(row.daysLeft), 'right'],
  ['Urgency', (row) => row.urgency, 'left'],
  ['Auto-renew', (row) => (row.autoRenewEnabled ? 'on' : 'off'), 'left'],
  ['Status', (row) => row.status, 'left'],
  ['Note', noteOf, 'left'],
];

const MAX_CELL = 48;

export function formatTable(rows: readonly ReportRow[]): string {
  if (rows.length === 0) return 'No Kaizala Pro subscriptions in the report.\n';
  const cells = rows.map((row) => TABLE_HEADINGS.map(([, cell]) => terminalSafe(cell(row))));
  const widths = TABLE_HEADINGS.map(([heading], column) => Math.max(heading.length, ...cells.map((line) => line[column].length)));
  const render = (line: string[]) =>
    line
      .map((cell, column) => (TABLE_HEADINGS[column][2] === 'right' ? cell.padStart(widths[column]) : cell.padEnd(widths[column])))
      .join('  ')
      .trimEnd();
  const header = render(TABLE_HEADINGS.map(([heading]) => heading));
  const rule = widths.map((width) => '-'.repeat(width)).join('  ');
  return `${[header, rule, ...cells.map(render)].join('\n')}\n`;
}

function noteOf(row: ReportRow): string {
  const notes: string[] = [];
  if (row.review) notes.push(`needs review (${row.review.split(':')[0]})`);
  if (row.unknown) notes.push(`partial (${row.unknown.split(UNKNOWN_SEPARATOR).map((part) => part.split(':')[0]).join(', ')} unknown)`);
  if (row.migrating) notes.push('migration requested');
  return notes.join(', ');
}

function terminalSafe(text: string): string {
  // eslint-disable-next-line no-control-regex
  const printable = text.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');
  return printable.length > MAX_CELL ? `${printable.slice(0, MAX_CELL - 1)}…` : printable;
}

function csvField(value: string | number | boolean): string {
  if (typeof value !== 'string') return String(value);
  // eslint-disable-next-line no-control-regex
  let text = value.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, ' ');
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
