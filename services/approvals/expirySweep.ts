import type { Logger } from '../logging';

export interface ExpirySweep {
  /** Stops the timer and waits for a sweep that is running. */
  stop(): Promise<void>;
}

/** What one sweep does: expire overdue requests, then finish the deliveries earlier changes left undone. */
export interface Sweepable {
  expireOverdue(): Promise<number>;
  deliverPending(): Promise<number>;
}

/**
 * Runs a sweep now and then every `intervalMs`, never two at once (a slow sweep skips a tick). Decisions check
 * expiry themselves, so the sweep only has to be timely enough for cards and requesters to hear of it; the same
 * tick retries notifications and audit rows a failed delivery left pending with their decision.
 */
export function startExpirySweep(approvals: Sweepable, options: { intervalMs: number; logger: Logger }): ExpirySweep {
  let running: Promise<void> | undefined;
  const describe = (error: unknown) => ({ error: error instanceof Error ? error.message : String(error) });
  const sweep = () => {
    if (running) return;
    running = approvals
      .expireOverdue()
      .then(
        (expired) => {
          if (expired > 0) options.logger.info('Expired pending migration requests', { expired });
        },
        (error: unknown) => options.logger.error('Expiry sweep failed', describe(error)),
      )
      // Delivery runs even when expiring failed: they are independent, and each retries on the next tick.
      .then(() => approvals.deliverPending())
      .then(
        (delivered) => {
          if (delivered > 0) options.logger.info('Delivered what earlier decisions left pending', { delivered });
        },
        (error: unknown) => options.logger.error('Pending deliveries failed', describe(error)),
      )
      .finally(() => {
        running = undefined;
      });
  };
  sweep();
  const timer = setInterval(sweep, options.intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
