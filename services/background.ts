import type { Logger } from './logging';

/** Runs work without waiting for it (an invoke answers within a second; the rest happens after). */
export interface BackgroundRunner {
  run(label: string, work: () => Promise<unknown>): void;
}

/**
 * Work that must not hold up an answer: started now, failures logged (never an unhandled rejection), and awaitable
 * as a whole so that shutdown and tests can wait until every card is updated.
 */
export class BackgroundWork implements BackgroundRunner {
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly logger: Logger) {}

  run(label: string, work: () => Promise<unknown>): void {
    const task: Promise<void> = Promise.resolve()
      .then(work)
      .then(
        () => undefined,
        (error: unknown) => {
          this.logger.error(`Background work failed: ${label}`, { error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
        },
      )
      .finally(() => this.running.delete(task));
    this.running.add(task);
  }

  /** Resolves once nothing is running, including work started by work that was running. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }
}
