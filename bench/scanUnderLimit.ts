/**
 * The scan against Partner Center's published limit (500 requests per minute per partner, the sandbox's default
 * knobs): it must slow down to the limit on 429s, honour Retry-After, and still read every customer.
 *
 * The sandbox enforces the limit as a token bucket that starts full, so a scan may spend its first 500 requests
 * at once; what matters is the rate once the bucket is empty. "Effective requests/min" is therefore the rate of
 * accepted Partner Center calls from the first 429 to the end of the scan, or, for a scan that never met the limit,
 * the calls in its busiest 60-second window. The bucket answers 429 while it still holds up to one token (a call
 * needs a whole one); one call is not counted for that remainder, which is not part of the rate.
 */
import { atMost, benchResult, type BenchResult } from './result';
import { setUpScan, type RecordedCall } from './scanSetup';
import { busiestWindow, timed } from './stats';

/** Partner Center's published figure, and the sandbox's default `partnerRequestsPerMinute`. */
export const PARTNER_REQUESTS_PER_MINUTE = 500;
const MINUTE_MS = 60_000;
/** A client that honours Retry-After and halves its concurrency meets the limit on a small share of its calls. */
const MAX_THROTTLED_PERCENT = 25;

export interface ScanUnderLimitOptions {
  customers: number;
}

export async function benchScanUnderLimit(options: ScanUnderLimitOptions): Promise<BenchResult[]> {
  const setup = await setUpScan({ customers: options.customers });
  try {
    const scan = await timed(() => setup.scanner.findExpiringSubscriptions());
    const partnerCenter = setup.calls.filter((call) => call.service === 'partnerCenter');
    const rate = effectiveRate(partnerCenter);
    const failedCalls = setup.calls.filter((call) => call.outcome === 'error').length;
    const throttled = partnerCenter.filter(isThrottled).length;
    const noFailures = scan.result.customersFailed === 0 && failedCalls === 0;
    const details = {
      customers: scan.result.customersTotal,
      seconds: Math.round(scan.ms) / 1000,
      measuredOver: rate.measuredOver,
      partnerCenterCalls: partnerCenter.length,
      throttled429: throttled,
      busiest60sWindow: busiestWindow(partnerCenter.filter(isAccepted).map((call) => call.sentAtMs), MINUTE_MS),
      graphCalls: setup.calls.length - partnerCenter.length,
      customersFailed: scan.result.customersFailed,
      failedCalls,
    };
    return [
      benchResult({
        name: 'scan: at the 500 requests/min limit',
        unit: 'requests/min',
        value: rate.perMinute,
        // 1 % over the limit is measurement noise (bucket refill between samples), not a client that overruns it.
        target: atMost(PARTNER_REQUESTS_PER_MINUTE * 1.01),
        alsoRequired: noFailures,
        details,
      }),
      // The sandbox cannot let more than its limit through, whatever the client does; how often the client ran
      // into the limit shows whether it backs off (halving, Retry-After) or keeps hammering.
      benchResult({
        name: 'scan: share of calls answered 429',
        unit: '%',
        value: partnerCenter.length === 0 ? 0 : (throttled / partnerCenter.length) * 100,
        target: atMost(MAX_THROTTLED_PERCENT),
        alsoRequired: noFailures,
        details,
      }),
    ];
  } finally {
    await setup.close();
  }
}

/** Accepted Partner Center calls per minute, as described at the top of this file. */
export function effectiveRate(calls: readonly RecordedCall[]): { perMinute: number; measuredOver: string } {
  const accepted = calls.filter(isAccepted);
  const firstThrottle = earliest(calls.filter(isThrottled));
  if (!firstThrottle) {
    return { perMinute: busiestWindow(accepted.map((call) => call.sentAtMs), MINUTE_MS), measuredOver: 'busiest 60 s window (never throttled)' };
  }
  const after = accepted.filter((call) => call.sentAtMs > firstThrottle.sentAtMs);
  const lastMs = Math.max(firstThrottle.sentAtMs, ...after.map((call) => call.sentAtMs));
  const spanMs = lastMs - firstThrottle.sentAtMs;
  return {
    perMinute: spanMs > 0 ? (Math.max(0, after.length - 1) / spanMs) * MINUTE_MS : 0,
    measuredOver: `first 429 to the end (${Math.round(spanMs / 100) / 10} s)`,
  };
}

function isThrottled(call: RecordedCall): boolean {
  return call.status === 429;
}

/** Answered, and not with a 429: the calls the limit counts. */
function isAccepted(call: RecordedCall): boolean {
  return call.status !== undefined && call.status !== 429;
}

function earliest(calls: readonly RecordedCall[]): RecordedCall | undefined {
  let first: RecordedCall | undefined;
  for (const call of calls) if (!first || call.sentAtMs < first.sentAtMs) first = call;
  return first;
}
