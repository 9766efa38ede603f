import { AdaptiveConcurrencyLimiter } from '../../services/http/concurrencyLimiter';
import { ApiError } from '../../services/http/errors';

function throttledError(): ApiError {
  return new ApiError({
    service: 'partnerCenter',
    status: 429,
    code: '429',
    description: 'Rate limit is exceeded.',
    retryable: true,
    method: 'GET',
    path: '/v1/customers',
    requestId: 'r',
    correlationId: 'c',
  });
}

/** A task that stays in flight until released, recording peak concurrency. */
function controllableTasks() {
  let running = 0;
  let peak = 0;
  const releases: Array<() => void> = [];
  const task = () =>
    new Promise<void>((resolve) => {
      running++;
      peak = Math.max(peak, running);
      releases.push(() => {
        running--;
        resolve();
      });
    });
  return {
    task,
    get peak() {
      return peak;
    },
    releaseAll: async () => {
      while (releases.length > 0) {
        releases.splice(0).forEach((release) => release());
        await new Promise((resolve) => setImmediate(resolve));
      }
    },
  };
}

describe('AdaptiveConcurrencyLimiter', () => {
  it('keeps at most the limit in flight (default 4)', async () => {
    const limiter = new AdaptiveConcurrencyLimiter();
    const tasks = controllableTasks();
    const all = Promise.all(Array.from({ length: 10 }, () => limiter.run(tasks.task)));
    await new Promise((resolve) => setImmediate(resolve));
    expect(limiter.inFlight).toBe(4);
    expect(limiter.queued).toBe(6);
    await tasks.releaseAll();
    await all;
    expect(tasks.peak).toBe(4);
  });

  it('halves on a 429 from a task, down to the minimum', async () => {
    const limiter = new AdaptiveConcurrencyLimiter({ maxConcurrency: 8 });
    await expect(limiter.run(() => Promise.reject(throttledError()))).rejects.toBeInstanceOf(ApiError);
    expect(limiter.limit).toBe(4);
    limiter.recordThrottle();
    limiter.recordThrottle();
    limiter.recordThrottle();
    limiter.recordThrottle();
    expect(limiter.limit).toBe(1);
  });

  it('ignores other failures', async () => {
    const limiter = new AdaptiveConcurrencyLimiter();
    await expect(limiter.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(limiter.limit).toBe(4);
  });

  it('grows back additively: about +1 per window of successes, never above the maximum', async () => {
    const limiter = new AdaptiveConcurrencyLimiter({ maxConcurrency: 4 });
    limiter.recordThrottle();
    limiter.recordThrottle();
    expect(limiter.limit).toBe(1);
    await limiter.run(async () => undefined);
    expect(limiter.limit).toBe(2);
    await limiter.run(async () => undefined);
    expect(limiter.limit).toBe(2);
    await limiter.run(async () => undefined);
    expect(limiter.limit).toBe(3);
    for (let i = 0; i < 20; i++) await limiter.run(async () => undefined);
    expect(limiter.limit).toBe(4);
  });

  it('admits queued work as the limit shrinks and grows', async () => {
    const limiter = new AdaptiveConcurrencyLimiter({ maxConcurrency: 4 });
    limiter.recordThrottle();
    const tasks = controllableTasks();
    const all = Promise.all(Array.from({ length: 6 }, () => limiter.run(tasks.task)));
    await new Promise((resolve) => setImmediate(resolve));
    expect(limiter.inFlight).toBe(2);
    await tasks.releaseAll();
    await all;
    expect(tasks.peak).toBeLessThanOrEqual(3);
    expect(limiter.queued).toBe(0);
  });
});
