import { subscriptionKey, type ExpiringSubscription } from '../domain/expiring';
import type { Store } from '../store/store';

/** The Kaizala Pro subscriptions the last scan stored (table `subscriptionsSeen`), found by customer or id. */
export class KaizalaSubscriptions {
  constructor(private readonly store: Store) {}

  async get(customerId: string, subscriptionId: string): Promise<ExpiringSubscription | undefined> {
    return (await this.store.get<ExpiringSubscription>('subscriptionsSeen', subscriptionKey(customerId, subscriptionId)))?.value;
  }

  /**
   * Subscriptions whose customer id, subscription id, customer name or domain matches `query`, most urgent first.
   * Ids and exact names win over partial names, so "Contoso" does not also offer "Contoso Pharma".
   */
  async find(query: string): Promise<ExpiringSubscription[]> {
    const wanted = query.trim().toLowerCase();
    if (wanted === '') return [];
    const all = (await this.store.list<ExpiringSubscription>('subscriptionsSeen')).map((item) => item.value);
    const byId = all.filter((s) => s.customerId.toLowerCase() === wanted || s.subscriptionId.toLowerCase() === wanted);
    const exact = all.filter((s) => s.customerName.toLowerCase() === wanted || s.customerDomain.toLowerCase() === wanted);
    const partial = all.filter((s) => s.customerName.toLowerCase().includes(wanted) || s.customerDomain.toLowerCase().includes(wanted));
    const best = byId.length > 0 ? byId : exact.length > 0 ? exact : partial;
    return best.sort((a, b) => a.daysLeft - b.daysLeft || a.customerName.localeCompare(b.customerName));
  }
}
