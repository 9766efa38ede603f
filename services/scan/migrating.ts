import { subscriptionKey } from '../domain/expiring';
import type { MigrationRequest } from '../domain/request';
import type { MigrationRun } from '../migration/run';
import type { Store } from '../store/store';

/**
 * The one rule for "this subscription is being migrated": a request waits for approval, or it was approved and its
 * run has not finished yet (no run yet counts as not finished: the runner creates it shortly). A cancelled or
 * completed run frees the subscription for a new request — after a partial migration the users left behind still
 * need one — and rejected, withdrawn and expired requests never held it.
 */
export function isMigrating(request: Pick<MigrationRequest, 'status'>, run: Pick<MigrationRun, 'status'> | undefined): boolean {
  if (request.status === 'pending') return true;
  if (request.status !== 'approved') return false;
  return run === undefined || (run.status !== 'completed' && run.status !== 'cancelled');
}

/** Case-insensitive key of a subscription, for matching migration requests against scan rows. */
export function migrationKey(customerId: string, subscriptionId: string): string {
  return subscriptionKey(customerId.toLowerCase(), subscriptionId.toLowerCase());
}

/** `migrationKey`s of every subscription being migrated (see `isMigrating`). */
export async function migratingSubscriptionKeys(store: Store): Promise<Set<string>> {
  const [requests, runs] = await Promise.all([store.list<MigrationRequest>('requests'), store.list<MigrationRun>('runs')]);
  const runById = new Map(runs.map((item) => [item.key, item.value]));
  return new Set(
    requests
      .map((item) => item.value)
      .filter((request) => isMigrating(request, runById.get(request.id)))
      .map((request) => migrationKey(request.customerId, request.kaizalaSubscriptionId)),
  );
}
