import type { Person } from '../domain/people';
import { isObjectId } from '../domain/ids';
import { CsvFormatError, parseCsv, type CsvRow } from '../csv';
import { Assignments } from './assignments';
import { matchCustomer, type CustomerMatch, type KnownCustomer } from './customerDirectory';

/** How the import learns who a UPN or object id is (the bot's stored conversations know the people who use it). */
export interface PersonDirectory {
  byObjectId(aadObjectId: string): Promise<Person | undefined>;
  byUserPrincipalName(upn: string): Promise<Person | undefined>;
}

export interface UnresolvedRow {
  line: number;
  reason: string;
}

/** A row that resolved: what it sets (or, in a dry run, would set) and who has the customer now. */
export interface PlannedAssignment {
  line: number;
  customerId: string;
  customerName: string;
  accountManager: Person;
  /** The current account manager; undefined when nobody has the customer. */
  current?: Person;
}

export interface AssignmentImportResult {
  assigned: number;
  unchanged: number;
  unresolved: UnresolvedRow[];
  /** Every resolved row in file order, so a dry run can list exactly what the import would change. */
  planned: PlannedAssignment[];
  /** True when nothing was written (a dry run). */
  dryRun: boolean;
}

const COLUMNS = { customerId: 'customerid', customerName: 'customername', accountManager: 'accountmanager' } as const;

interface ResolvedRow {
  line: number;
  customer: KnownCustomer;
  accountManager: Person;
}

/**
 * Imports customer → account manager rows from CSV (columns `customerId` or `customerName`, and `accountManager`
 * as an Entra object id or a UPN). The whole file is checked before anything is written: a structural problem
 * (CsvFormatError) imports nothing; rows whose customer or person cannot be resolved are reported and skipped.
 */
export async function importAssignments(
  csvText: string,
  deps: { customers: readonly KnownCustomer[]; people: PersonDirectory; assignments: Assignments; dryRun?: boolean },
): Promise<AssignmentImportResult> {
  const { header, headerLine, rows } = parseCsv(csvText);
  const column = columnsOf(header, headerLine);

  const resolved: ResolvedRow[] = [];
  const unresolved: UnresolvedRow[] = [];
  const seen = new Map<string, number>();
  for (const row of rows) {
    const customerQuery = requiredCustomer(row, column);
    const managerText = field(row, column.accountManager);
    if (managerText === '') throw new CsvFormatError(row.line, 'accountManager is empty');
    if (!isObjectId(managerText) && !managerText.includes('@')) {
      throw new CsvFormatError(row.line, `accountManager "${managerText}" is neither an Entra object id nor a UPN`);
    }

    const match = customerQuery.byId ? matchById(deps.customers, customerQuery.text) : matchCustomer(deps.customers, customerQuery.text);
    const customer = match.kind === 'found' ? match.customer : undefined;
    if (!customer) {
      const reason =
        match.kind === 'ambiguous'
          ? `customer "${customerQuery.text}" matches ${match.matches.length} customers: ${match.matches.map((m) => m.customerName).join(', ')}`
          : `no customer with Kaizala Pro has ${customerQuery.byId ? 'id' : 'name'} "${customerQuery.text}"`;
      unresolved.push({ line: row.line, reason });
      continue;
    }
    const earlierLine = seen.get(customer.customerId);
    if (earlierLine !== undefined) throw new CsvFormatError(row.line, `customer ${customer.customerName} is already on line ${earlierLine}`);
    seen.set(customer.customerId, row.line);

    const accountManager = await resolvePerson(managerText, deps.people);
    if (!accountManager) {
      unresolved.push({ line: row.line, reason: `nobody with UPN "${managerText}" has used the bot yet; give their Entra object id instead` });
      continue;
    }
    resolved.push({ line: row.line, customer, accountManager });
  }

  const planned: PlannedAssignment[] = [];
  for (const row of resolved) {
    const current = (await deps.assignments.get(row.customer.customerId))?.accountManager;
    planned.push({ line: row.line, customerId: row.customer.customerId, customerName: row.customer.customerName, accountManager: row.accountManager, current });
  }

  let assigned = 0;
  let unchanged = 0;
  if (!deps.dryRun) {
    for (const row of resolved) {
      const result = await deps.assignments.set(row.customer.customerId, row.customer.customerName, row.accountManager, 'csv');
      if (result.outcome === 'assigned') assigned++;
      else unchanged++;
    }
  }
  return { assigned, unchanged, unresolved, planned, dryRun: deps.dryRun ?? false };
}

function columnsOf(header: readonly string[], headerLine: number): { customerId?: string; customerName?: string; accountManager: string } {
  const find = (wanted: string) => header.find((h) => h.toLowerCase() === wanted);
  const customerId = find(COLUMNS.customerId);
  const customerName = find(COLUMNS.customerName);
  const accountManager = find(COLUMNS.accountManager);
  if (!accountManager || (!customerId && !customerName)) {
    throw new CsvFormatError(headerLine, `the header must have an accountManager column and a customerId or customerName column; found: ${header.join(', ')}`);
  }
  return { customerId, customerName, accountManager };
}

function requiredCustomer(row: CsvRow, column: ReturnType<typeof columnsOf>): { text: string; byId: boolean } {
  const id = column.customerId ? field(row, column.customerId) : '';
  if (id !== '') return { text: id, byId: true };
  const name = column.customerName ? field(row, column.customerName) : '';
  if (name !== '') return { text: name, byId: false };
  throw new CsvFormatError(row.line, 'neither customerId nor customerName is given');
}

function matchById(customers: readonly KnownCustomer[], id: string): CustomerMatch {
  const customer = customers.find((c) => c.customerId.toLowerCase() === id.toLowerCase());
  return customer ? { kind: 'found', customer } : { kind: 'unknown' };
}

function field(row: CsvRow, name: string | undefined): string {
  return name === undefined ? '' : (row.fields[name] ?? '');
}

async function resolvePerson(text: string, people: PersonDirectory): Promise<Person | undefined> {
  if (isObjectId(text)) {
    const known = await people.byObjectId(text);
    // An object id is an identity in itself; the person may simply not have opened the bot yet.
    return known ?? { aadObjectId: text.toLowerCase(), name: text.toLowerCase() };
  }
  return people.byUserPrincipalName(text);
}
