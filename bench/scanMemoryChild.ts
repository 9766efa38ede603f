/**
 * The measured process of the RSS benchmark (bench/scanMemory.ts): scans a portfolio served by a sandbox in the
 * parent, then prints one JSON line with its peak RSS. Run as `node dist/bench/scanMemoryChild.js PC_URL GRAPH_URL`.
 */
import { setUpScan, UNPACED } from './scanSetup';

export interface ScanMemoryReport {
  customers: number;
  customersFailed: number;
  /** Peak resident set of this process, KiB (getrusage's ru_maxrss). */
  maxRssKiB: number;
  /** Resident set once the scanner was set up, before the scan, KiB. */
  setUpRssKiB: number;
  clientCalls: number;
}

async function main(partnerCenterBaseUrl: string, graphBaseUrl: string): Promise<ScanMemoryReport> {
  // customers is only used to size a sandbox this process would start; the parent's sandbox decides the portfolio.
  const setup = await setUpScan({ customers: 0, sandboxUrls: { partnerCenterBaseUrl, graphBaseUrl }, rates: UNPACED });
  try {
    const setUpRssKiB = Math.round(process.memoryUsage.rss() / 1024);
    const result = await setup.scanner.findExpiringSubscriptions();
    return {
      customers: result.customersTotal,
      customersFailed: result.customersFailed,
      maxRssKiB: process.resourceUsage().maxRSS,
      setUpRssKiB,
      clientCalls: setup.calls.length,
    };
  } finally {
    await setup.close();
  }
}

if (require.main === module) {
  const [partnerCenterBaseUrl, graphBaseUrl] = process.argv.slice(2);
  main(partnerCenterBaseUrl, graphBaseUrl).then(
    (report) => {
      process.stdout.write(`${JSON.stringify(report)}\n`);
      process.exit(0);
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}
