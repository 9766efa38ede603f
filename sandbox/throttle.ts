/** Token buckets: `capacity` tokens refilled evenly over `windowMs`, keyed by partner, customer or tenant. */
export type TakeResult = { ok: true; usedFraction: number } | { ok: false; retryAfterSeconds: number };

interface Bucket {
  capacity: number;
  tokens: number;
  lastMs: number;
}

export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();

  take(key: string, capacity: number, windowMs: number, cost: number, nowMs: number): TakeResult {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = { capacity, tokens: capacity, lastMs: nowMs };
      this.buckets.set(key, bucket);
    }
    if (bucket.capacity !== capacity) {
      // a changed limit keeps what was already used, so raising a test's low limit frees the bucket at once
      bucket.tokens = Math.max(0, Math.min(capacity, bucket.tokens + capacity - bucket.capacity));
      bucket.capacity = capacity;
    }
    const ratePerMs = capacity / windowMs;
    bucket.tokens = Math.min(capacity, bucket.tokens + Math.max(0, nowMs - bucket.lastMs) * ratePerMs);
    bucket.lastMs = nowMs;
    if (bucket.tokens >= cost) {
      bucket.tokens -= cost;
      return { ok: true, usedFraction: 1 - bucket.tokens / capacity };
    }
    const retryAfterSeconds = Math.max(1, Math.ceil((cost - bucket.tokens) / ratePerMs / 1000));
    return { ok: false, retryAfterSeconds };
  }

  clear(): void {
    this.buckets.clear();
  }
}
