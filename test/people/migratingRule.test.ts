/**
 * One rule for "being migrated", read by the scan, the expiry report and the alerts: a pending request, or an
 * approved one whose run has not finished. A cancelled or completed run frees the subscription.
 */
import type { MigrationRequest } from '../../services/domain/request';
import type { MigrationRun, RunStatus } from '../../services/migration';
import { isMigrating, migratingSubscriptionKeys, migrationKey } from '../../services/scan';
import { IN_MEMORY, openSqliteStore } from '../../services/store';

function request(id: string, status: MigrationRequest['status']): Pick<MigrationRequest, 'id' | 'status' | 'customerId' | 'kaizalaSubscriptionId'> {
  return { id, status, customerId: `C-${id}`, kaizalaSubscriptionId: `S-${id}` };
}

test.each([
  ['pending', undefined, true],
  ['approved', undefined, true],
  ['approved', 'queued', true],
  ['approved', 'running', true],
  ['approved', 'parked', true],
  ['approved', 'completed', false],
  ['approved', 'cancelled', false],
  ['rejected', undefined, false],
  ['withdrawn', undefined, false],
  ['expired', undefined, false],
] as const)('request %s, run %s → being migrated: %s', (status, run, expected) => {
  expect(isMigrating({ status }, run === undefined ? undefined : { status: run as RunStatus })).toBe(expected);
});

test('the scan’s keys leave out subscriptions whose run was cancelled or completed', async () => {
  const store = openSqliteStore(IN_MEMORY);
  const rows: Array<[string, MigrationRequest['status'], RunStatus | undefined]> = [
    ['a', 'approved', 'running'],
    ['b', 'approved', 'cancelled'],
    ['c', 'approved', 'completed'],
    ['d', 'pending', undefined],
  ];
  for (const [id, status, run] of rows) {
    await store.insert('requests', id, request(id, status));
    if (run) await store.insert('runs', id, { id, status: run } as Partial<MigrationRun>);
  }
  const keys = await migratingSubscriptionKeys(store);
  expect([...keys].sort()).toEqual([migrationKey('C-a', 'S-a'), migrationKey('C-d', 'S-d')].sort());
});
