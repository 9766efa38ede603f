import { subscriptionKey } from '../domain/expiring';
import type { MigrationRequest } from '../domain/request';
import type { Store } from '../store/store';

/** A request in these states means the subscription is being migrated (rejected, withdrawn and expired ones do not). */
const MIGRATING_STATUSES: ReadonlySet<MigrationRequest['status']> = new Set(['pending', 'approved']);

/** Case-insensitive key of a subscription, for matching migration requests against scan rows. */
export function migrationKey(customerId: string, subscriptionId: string): string {
  return subscriptionKey(customerId.toLowerCase(), subscriptionId.toLowerCase());
}

/** `migrationKey`s of every subscription with a pending or approved migration request. */
export async function migratingSubscriptionKeys(store: Store): Promise<Set<string>> {
  const requests = await store.list<MigrationRequest>('requests');
  return new Set(
    requests
      .map((item) => item.value)
      .filter((request) => MIGRATING_STATUSES.has(request.status))
      .map((request) => migrationKey(request.customerId, request.kaizalaSubscriptionId)),
  );
}
