import type { Logger } from '../logging';

/** Logs "n of N customers" at most every `intervalMs`, and whenever another tenth of the customers is done. */
export class ProgressLog {
  private lastLoggedMs: number;
  private lastTenth: number;

  constructor(
    private readonly logger: Logger,
    private readonly scanId: string,
    private readonly total: number,
    private done: number,
    private readonly now: () => number,
    private readonly intervalMs: number,
  ) {
    this.lastLoggedMs = now();
    this.lastTenth = this.tenth();
  }

  /** One more customer finished; returns how many are done. */
  customerDone(): number {
    this.done++;
    const tenth = this.tenth();
    const nowMs = this.now();
    if (tenth > this.lastTenth || nowMs - this.lastLoggedMs >= this.intervalMs || this.done === this.total) {
      this.logger.info(`Expiry scan: ${this.done} of ${this.total} customers (${Math.floor((100 * this.done) / Math.max(1, this.total))}%)`, {
        scanId: this.scanId,
      });
      this.lastLoggedMs = nowMs;
      this.lastTenth = tenth;
    }
    return this.done;
  }

  private tenth(): number {
    return this.total === 0 ? 10 : Math.floor((10 * this.done) / this.total);
  }
}
