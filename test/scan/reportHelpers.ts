import type { ExpiringSubscription } from '../../services/domain/expiring';

/** A stored report row with plausible defaults. */
export function row(fields: Partial<ExpiringSubscription> & Pick<ExpiringSubscription, 'customerName' | 'subscriptionId' | 'commitmentEndDate'>): ExpiringSubscription {
  return {
    customerId: `cust-${fields.customerName.toLowerCase().replace(/\W+/g, '-')}`,
    customerDomain: 'example.onmicrosoft.com',
    tenantId: 't',
    education: false,
    offerName: 'Microsoft Kaizala Pro',
    skuId: '00000000-0000-4000-8000-00000000c0de',
    quantity: 10,
    usersOnKaizala: 8,
    consumedUnits: 8,
    status: 'active',
    autoRenewEnabled: false,
    daysLeft: 999,
    urgency: 'later',
    migrating: false,
    scannedAt: '2026-01-01T00:00:00Z',
    ...fields,
  };
}

/** A strict RFC 4180 reader for the tests: CRLF records, quoted fields with doubled quotes. */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let index = 0;
  while (index < text.length) {
    if (text[index] === '"') {
      index++;
      for (;;) {
        if (text[index] === '"' && text[index + 1] === '"') {
          field += '"';
          index += 2;
        } else if (text[index] === '"') {
          index++;
          break;
        } else if (index >= text.length) {
          throw new Error('unterminated quote');
        } else field += text[index++];
      }
    } else if (text[index] === ',') {
      record.push(field);
      field = '';
      index++;
    } else if (text.startsWith('\r\n', index)) {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      index += 2;
    } else if (text[index] === '\n' || text[index] === '\r' || text[index] === '"') {
      throw new Error(`bare line break or quote at ${index}`);
    } else field += text[index++];
  }
  if (field !== '' || record.length > 0) throw new Error('last record lacks its CRLF');
  return records;
}
