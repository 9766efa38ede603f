import type { ExpiringSubscription } from '../domain/expiring';
import type { Store } from '../store/store';

/** A customer as the scan saw it (one or more Kaizala Pro subscriptions in `subscriptionsSeen`). */
export interface KnownCustomer {
  customerId: string;
  customerName: string;
  customerDomain: string;
}

export type CustomerMatch =
  | { kind: 'found'; customer: KnownCustomer }
  | { kind: 'ambiguous'; matches: KnownCustomer[] }
  | { kind: 'unknown' };

/** Finds customers by what a person types: an id, a name or domain (any case), or the start of a name. */
export class CustomerDirectory {
  constructor(private readonly store: Store) {}

  async all(): Promise<KnownCustomer[]> {
    const rows = await this.store.list<ExpiringSubscription>('subscriptionsSeen');
    const byId = new Map<string, KnownCustomer>();
    for (const { value } of rows) {
      byId.set(value.customerId, { customerId: value.customerId, customerName: value.customerName, customerDomain: value.customerDomain });
    }
    return [...byId.values()].sort((a, b) => a.customerName.localeCompare(b.customerName));
  }

  async resolve(query: string): Promise<CustomerMatch> {
    return matchCustomer(await this.all(), query);
  }
}

/** Exact id, then exact name or domain, then name prefix; the first rule with any hit decides. */
export function matchCustomer(customers: readonly KnownCustomer[], query: string): CustomerMatch {
  const wanted = query.trim().toLowerCase();
  if (wanted === '') return { kind: 'unknown' };
  const rules: ((c: KnownCustomer) => boolean)[] = [
    (c) => c.customerId.toLowerCase() === wanted,
    (c) => c.customerName.toLowerCase() === wanted || c.customerDomain.toLowerCase() === wanted,
    (c) => c.customerName.toLowerCase().startsWith(wanted),
  ];
  for (const rule of rules) {
    const matches = customers.filter(rule);
    if (matches.length === 1) return { kind: 'found', customer: matches[0] };
    if (matches.length > 1) return { kind: 'ambiguous', matches };
  }
  return { kind: 'unknown' };
}
