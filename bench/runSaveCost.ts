/**
 * What one "user done" save of a migration run costs at a small and a large run: RunRepository.update on a SQLite
 * store on disk, marking one user done as moveLicenses does after each user. A run's total cost is linear in its
 * users only if this cost is flat in the run's size; the bound is the small run's cost per save.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { MigrationRequest } from '../services/domain/request';
import { newRun, RunRepository, type MigrationRun } from '../services/migration';
import { openSqliteStore } from '../services/store';
import { atMost, benchResult, type BenchResult } from './result';
import { median } from './stats';

export interface RunSaveCostOptions {
  small: number;
  large: number;
  /** Saves timed per run size. */
  saves: number;
}

/** Flat within noise: the large run's save may cost at most twice the small run's. */
const TARGET_RATIO = 2;

export async function benchRunSaveCost(options: RunSaveCostOptions): Promise<BenchResult[]> {
  const small = await msPerSave(options.small, options.saves);
  const large = await msPerSave(options.large, options.saves);
  return [
    benchResult({
      name: `migration run: cost of one user's save at ${options.small} vs ${options.large} users`,
      inputs: { small: options.small, large: options.large, saves: options.saves, store: 'SQLite on disk' },
      figures: {
        smallMsPerSave: round2(small.ms),
        largeMsPerSave: round2(large.ms),
        smallRowKiB: Math.round(small.rowBytes / 1024),
        largeRowKiB: Math.round(large.rowBytes / 1024),
        // Every user saves once: the run's save time grows as users × cost per save.
        largeRunSaveSeconds: Math.round((large.ms * options.large) / 100) / 10,
      },
      measured: large.ms,
      bound: { basis: `ms per save at ${options.small} users`, value: small.ms, unit: 'ms' },
      target: atMost(TARGET_RATIO),
    }),
  ];
}

async function msPerSave(users: number, saves: number): Promise<{ ms: number; rowBytes: number }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kma-bench-runsave-'));
  const store = openSqliteStore(dataDir);
  try {
    const repository = new RunRepository(store);
    const run = newRun(requestFor(users), 'graph', new Date().toISOString());
    await repository.create(run);
    const samples: number[] = [];
    for (let i = 0; i < saves; i++) {
      const userId = run.users[(i * 7919) % users].id;
      const started = performance.now();
      await repository.update(run.id, (current) => markDone(current, userId));
      samples.push(performance.now() - started);
    }
    const stored = await repository.get(run.id);
    return { ms: median(samples), rowBytes: Buffer.byteLength(JSON.stringify(stored)) };
  } finally {
    await store.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

function markDone(run: MigrationRun, userId: string): MigrationRun {
  return { ...run, users: run.users.map((user) => (user.id === userId ? { ...user, state: 'done', attempts: user.attempts + 1, upn: `${user.id}@contoso.onmicrosoft.com` } : user)) };
}

function requestFor(users: number): MigrationRequest {
  const now = new Date();
  const userIds = Array.from({ length: users }, (_, i) => `6f1c0000-0b2a-4c3d-9e8f-${String(i).padStart(12, '0')}`);
  const plan = { planId: 'o365-e1', title: 'Office 365 E1', skuId: '18181a46-0d4e-45cd-891e-60aabd171b4e', family: 'enterprise' as const };
  return {
    id: `MR-BENCH-${users}`,
    version: 2,
    status: 'approved',
    customerId: 'c0000000-0000-4000-8000-000000000001',
    customerName: 'Contoso',
    tenantId: 'c0000000-0000-4000-8000-000000000001',
    kaizalaSubscriptionId: '50000000-0000-4000-8000-000000000001',
    kaizalaSkuId: '00000000-0000-4000-8000-00000000c0de',
    commitmentEndDate: new Date(now.getTime() + 30 * 86_400_000).toISOString(),
    plan,
    quantity: users,
    userIds,
    requester: { aadObjectId: 'aad-requester', name: 'Megan Bowen' },
    requesterLocale: 'en',
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + 7 * 86_400_000).toISOString(),
    decidedAt: now.toISOString(),
    decidedBy: { aadObjectId: 'aad-approver', name: 'Alex Wilber' },
  };
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
