/**
 * A bot instance in the middle of a scan, for the scan lease crash test (test/scan/scanLease.test.ts), which SIGKILLs
 * it. Started through scripts/chaosRegister.cjs:
 *   node -r scripts/chaosRegister.cjs test/scan/scanLeaseChild.ts DATA_DIR OWNER TTL_MS
 * It takes the scan lease as OWNER, prints `scanning` once the scan runs, and scans forever (its heartbeat renewing
 * the lease) until it is killed.
 */
import { silentLogger } from '../../services/logging';
import { ScanRunner, type ScanSummary } from '../../services/scan';
import { LeaseManager, openSqliteStore } from '../../services/store';

async function main(): Promise<void> {
  const [dataDir, owner, ttlMs] = process.argv.slice(2);
  const store = openSqliteStore(dataDir);
  const runner = new ScanRunner({
    scanner: {
      findExpiringSubscriptions: () => {
        process.stdout.write('scanning\n');
        // Keeps the process alive: a scan that never ends until the kill.
        setInterval(() => undefined, 60_000);
        return new Promise<ScanSummary>(() => undefined);
      },
    },
    logger: silentLogger,
    leases: new LeaseManager(store),
    owner,
    leaseTtlMs: Number(ttlMs),
  });
  const start = await runner.start({ reason: 'schedule' });
  if (!start.started) throw new Error('the scan lease was taken');
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
