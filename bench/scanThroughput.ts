/**
 * Scan throughput of our own code: the ExpiryScanner over a generated portfolio with the sandbox's throttling
 * lifted, first scan (everything read) and re-scan (unchanged customers reuse their SKU and users).
 */
import { atLeast, benchResult, type BenchResult } from './result';
import { setUpScan, UNTHROTTLED } from './scanSetup';
import { timed } from './stats';

export interface ScanThroughputOptions {
  customers: number;
}

export async function benchScanThroughput(options: ScanThroughputOptions): Promise<BenchResult[]> {
  const setup = await setUpScan({ customers: options.customers, knobs: UNTHROTTLED });
  try {
    const first = await timed(() => setup.scanner.findExpiringSubscriptions());
    const firstCalls = setup.calls.length;
    const rescan = await timed(() => setup.scanner.findExpiringSubscriptions());
    const rescanCalls = setup.calls.length - firstCalls;
    const customers = first.result.customersTotal;
    const perSecond = (ms: number) => customers / (ms / 1000);
    return [
      benchResult({
        name: 'scan: first scan, throttling lifted',
        unit: 'customers/s',
        value: perSecond(first.ms),
        target: atLeast(50),
        alsoRequired: first.result.customersFailed === 0,
        details: {
          customers,
          seconds: seconds(first.ms),
          requests: firstCalls,
          subscriptionsFound: first.result.subscriptionsFound,
          customersFailed: first.result.customersFailed,
        },
      }),
      benchResult({
        name: 'scan: re-scan of the unchanged portfolio',
        unit: 'customers/s',
        value: perSecond(rescan.ms),
        target: atLeast(100),
        alsoRequired: rescan.result.customersFailed === 0,
        details: {
          customers,
          seconds: seconds(rescan.ms),
          requests: rescanCalls,
          customersReused: rescan.result.customersReused,
          customersFailed: rescan.result.customersFailed,
        },
      }),
    ];
  } finally {
    await setup.close();
  }
}

function seconds(ms: number): number {
  return Math.round(ms) / 1000;
}
