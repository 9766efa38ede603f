/**
 * The sandbox's notion of "now": an injected base clock plus a persisted offset, so tests and demos can jump
 * to term ends, deprovisioning dates and cart expiry. Token expiry and throttling use the base clock only,
 * because the bot mints tokens and paces itself with the real time.
 */
export class SandboxClock {
  constructor(
    private readonly base: () => Date,
    private offset: number,
    private readonly persistOffset: (offsetMs: number) => void,
  ) {}

  now(): Date {
    return new Date(this.base().getTime() + this.offset);
  }

  nowMs(): number {
    return this.base().getTime() + this.offset;
  }

  /** Real (unshifted) time in ms. */
  baseMs(): number {
    return this.base().getTime();
  }

  get offsetMs(): number {
    return this.offset;
  }

  setOffset(offsetMs: number): void {
    this.offset = offsetMs;
    this.persistOffset(offsetMs);
  }

  advance(ms: number): void {
    this.setOffset(this.offset + ms);
  }
}

export const DAY_MS = 86_400_000;

/** Midnight UTC of the day containing `ms`. */
export function startOfUtcDay(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

/** A commitment end date is inclusive: the term ends when that UTC day ends. */
export function termEndsAtMs(commitmentEndDate: string): number {
  return startOfUtcDay(Date.parse(commitmentEndDate)) + DAY_MS;
}

export function isoDay(ms: number): string {
  return new Date(startOfUtcDay(ms)).toISOString().replace('.000Z', 'Z');
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Adds calendar years in UTC (P1Y / P3Y terms). */
export function addYears(ms: number, years: number): number {
  const date = new Date(ms);
  date.setUTCFullYear(date.getUTCFullYear() + years);
  return date.getTime();
}
