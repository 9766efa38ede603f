import type { Logger } from '../logging';

export interface ExpirySweep {
  /** Stops the timer and waits for a sweep that is running. */
  stop(): Promise<void>;
}

/**
 * Runs `expireOverdue` now and then every `intervalMs`, never two at once (a slow sweep skips a tick). Decisions
 * check expiry themselves, so the sweep only has to be timely enough for cards and requesters to hear of it.
 */
export function startExpirySweep(
  approvals: { expireOverdue(): Promise<number> },
  options: { intervalMs: number; logger: Logger },
): ExpirySweep {
  let running: Promise<void> | undefined;
  const sweep = () => {
    if (running) return;
    running = approvals
      .expireOverdue()
      .then(
        (expired) => {
          if (expired > 0) options.logger.info('Expired pending migration requests', { expired });
        },
        (error: unknown) => options.logger.error('Expiry sweep failed', { error: error instanceof Error ? error.message : String(error) }),
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
