/**
 * Adaptive concurrency (AIMD) for fan-out callers such as the scan: at most `limit` tasks in flight; a 429 halves
 * the limit, each success adds 1/limit (so about +1 per full window of successes), up to the configured maximum.
 */
import { isThrottled } from './errors';

export interface AdaptiveConcurrencyLimiterOptions {
  /** Ceiling and starting limit; the product budget is 4 per partner. */
  maxConcurrency?: number;
  minConcurrency?: number;
}

export class AdaptiveConcurrencyLimiter {
  private readonly max: number;
  private readonly min: number;
  private window: number;
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(options: AdaptiveConcurrencyLimiterOptions = {}) {
    this.max = options.maxConcurrency ?? 4;
    this.min = options.minConcurrency ?? 1;
    if (this.min < 1 || this.max < this.min) throw new Error('AdaptiveConcurrencyLimiter needs 1 <= min <= max');
    this.window = this.max;
  }

  /** Whole tasks allowed in flight right now. */
  get limit(): number {
    return Math.floor(this.window);
  }

  get inFlight(): number {
    return this.running;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /** Runs the task when a slot is free; a 429 ApiError from it shrinks the limit, a success grows it. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      const result = await task();
      this.recordSuccess();
      return result;
    } catch (error) {
      if (isThrottled(error)) this.recordThrottle();
      throw error;
    } finally {
      this.running--;
      this.wakeWaiters();
    }
  }

  /** Multiplicative decrease; wire it to ApiHttp's `onThrottled` so retried 429s count too. */
  recordThrottle(): void {
    this.window = Math.max(this.min, this.window / 2);
  }

  /** Additive increase. */
  recordSuccess(): void {
    this.window = Math.min(this.max, this.window + 1 / Math.max(1, this.limit));
    this.wakeWaiters();
  }

  private acquire(): Promise<void> {
    if (this.running < this.limit) {
      this.running++;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.waiting.push(() => {
        this.running++;
        resolve();
      });
    });
  }

  private wakeWaiters(): void {
    while (this.running < this.limit && this.waiting.length > 0) {
      const next = this.waiting.shift();
      next?.();
    }
  }
}
