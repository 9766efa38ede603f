import { GraphError } from './errors';
import type { LicenseAssignment, UserRecord } from './model';

/** The subset of OData Graph supports on /users that the bot (or a human) plausibly sends. */
export type UserPredicate = (user: UserRecord, licenses: LicenseAssignment[]) => boolean;

const ANY_SKU = /^assignedLicenses\/any\((\w+):\s*\1\/skuId\s+eq\s+([0-9a-f-]{36})\)$/i;
const EQUALS = /^(\w+)\s+eq\s+(?:'((?:[^']|'')*)'|(true|false|null))$/i;
const STARTS_WITH = /^startswith\((\w+),\s*'((?:[^']|'')*)'\)$/i;

const FILTERABLE: Record<string, keyof UserRecord> = {
  id: 'id',
  userprincipalname: 'userPrincipalName',
  displayname: 'displayName',
  givenname: 'givenName',
  surname: 'surname',
  usagelocation: 'usageLocation',
  accountenabled: 'accountEnabled',
  jobtitle: 'jobTitle',
};

function unsupported(filter: string): GraphError {
  return new GraphError(400, 'Request_UnsupportedQuery', `Unsupported or invalid query filter clause specified: '${filter}'.`);
}

function splitAnd(filter: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let inQuote = false;
  let start = 0;
  for (let i = 0; i < filter.length; i++) {
    const char = filter[i];
    if (char === "'") inQuote = !inQuote;
    if (inQuote) continue;
    if (char === '(') depth++;
    if (char === ')') depth--;
    if (depth === 0 && filter.slice(i, i + 5).toLowerCase() === ' and ') {
      parts.push(filter.slice(start, i));
      start = i + 5;
      i += 4;
    }
  }
  parts.push(filter.slice(start));
  return parts.map((part) => part.trim()).filter(Boolean);
}

function clause(text: string, whole: string): UserPredicate {
  const any = ANY_SKU.exec(text);
  if (any) {
    const skuId = any[2].toLowerCase();
    return (_user, licenses) => licenses.some((license) => license.skuId === skuId);
  }
  const equals = EQUALS.exec(text);
  if (equals) {
    const property = FILTERABLE[equals[1].toLowerCase()];
    if (!property) throw unsupported(whole);
    const literal = equals[3]?.toLowerCase();
    const expected: string | boolean | null =
      literal === 'true' ? true : literal === 'false' ? false : literal === 'null' ? null : equals[2].replace(/''/g, "'");
    return (user) => {
      const actual = user[property];
      if (typeof actual === 'string' && typeof expected === 'string') return actual.toLowerCase() === expected.toLowerCase();
      return actual === expected;
    };
  }
  const startsWith = STARTS_WITH.exec(text);
  if (startsWith) {
    const property = FILTERABLE[startsWith[1].toLowerCase()];
    if (!property) throw unsupported(whole);
    const prefix = startsWith[2].replace(/''/g, "'").toLowerCase();
    return (user) => String(user[property] ?? '').toLowerCase().startsWith(prefix);
  }
  throw unsupported(whole);
}

export function parseUserFilter(filter: string | null): UserPredicate {
  if (!filter) return () => true;
  const predicates = splitAnd(filter.trim()).map((part) => clause(part, filter));
  return (user, licenses) => predicates.every((predicate) => predicate(user, licenses));
}

export const USER_PROPERTIES = [
  'id',
  'userPrincipalName',
  'displayName',
  'givenName',
  'surname',
  'mail',
  'jobTitle',
  'usageLocation',
  'accountEnabled',
  'assignedLicenses',
  'licenseAssignmentStates',
  'businessPhones',
  'mobilePhone',
  'officeLocation',
  'preferredLanguage',
  'createdDateTime',
] as const;

/** Graph's default property set when no $select is given (licenses are not in it). */
export const DEFAULT_USER_PROPERTIES = [
  'businessPhones',
  'displayName',
  'givenName',
  'jobTitle',
  'mail',
  'mobilePhone',
  'officeLocation',
  'preferredLanguage',
  'surname',
  'userPrincipalName',
  'id',
];

/** `$select=a,b` → canonical property names; unknown ones are refused as Graph does. */
export function parseSelect(select: string | null): string[] | undefined {
  if (!select) return undefined;
  return select
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean)
    .map((name) => {
      const canonical = USER_PROPERTIES.find((property) => property.toLowerCase() === name.toLowerCase());
      if (!canonical) {
        throw new GraphError(400, 'Request_BadRequest', `Could not find a property named '${name}' on type 'microsoft.graph.user'.`);
      }
      return canonical;
    });
}
