import type { Clock } from '../../services/http/pacing/pacer';

/**
 * Virtual time for pacers: `sleep` parks the caller until `run` moves time to its wake-up. `run` lets every
 * pending promise (store calls included) settle before it moves time on, so the order of events is the one real
 * time would give, without waiting.
 */
export class VirtualClock implements Clock {
  private time: number;
  private timers: Array<{ at: number; seq: number; wake: () => void }> = [];
  private seq = 0;

  constructor(start = 1_000_000) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.timers.push({ at: this.time + Math.max(0, ms), seq: this.seq++, wake: resolve }));
  }

  /** Advances time timer by timer until `work` settles; throws if it never does. */
  async run<T>(work: Promise<T>): Promise<T> {
    let settled = false;
    const watched = work.finally(() => {
      settled = true;
    });
    for (let steps = 0; !settled; steps++) {
      if (steps > 1_000_000) throw new Error('virtual time ran away');
      await settleAll();
      if (settled) break;
      if (this.timers.length === 0) {
        await settleAll();
        if (!settled && this.timers.length === 0) throw new Error('work is stuck: nothing sleeps and nothing settles');
        continue;
      }
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.timers.shift()!;
      this.time = Math.max(this.time, next.at);
      next.wake();
    }
    return watched;
  }
}

/** Lets promise chains that do not wait on time (SQLite store calls, CAS retries) run to their next sleep. */
async function settleAll(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Largest number of calls inside any half-open window (t − w, t]. */
export function busiestWindow(times: readonly number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let busiest = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while (sorted[start] <= sorted[end] - windowMs) start++;
    busiest = Math.max(busiest, end - start + 1);
  }
  return busiest;
}
