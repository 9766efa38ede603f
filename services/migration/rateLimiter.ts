/**
 * Spaces calls per key (customer) to at most `perSecond`: each caller reserves the next free slot, then waits for
 * it. Shared by all runs of a process, so two runs could never together exceed a customer's budget.
 */
export class PerKeyRateLimiter {
  private readonly nextSlotMs = new Map<string, number>();

  constructor(
    private readonly perSecond: number,
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  ) {
    if (!(perSecond > 0)) throw new RangeError(`perSecond must be positive, got ${perSecond}`);
  }

  async acquire(key: string): Promise<void> {
    const intervalMs = 1000 / this.perSecond;
    const now = this.now();
    const slot = Math.max(now, this.nextSlotMs.get(key) ?? 0);
    this.nextSlotMs.set(key, slot + intervalMs);
    if (slot > now) await this.sleep(slot - now);
  }
}
