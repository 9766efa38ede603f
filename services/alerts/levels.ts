/**
 * Alert levels: the configured day thresholds (e.g. 90, 60, 30, 14, 7, 1) plus `expired`. A subscription has
 * crossed a threshold once its days left are at or below it; only the most urgent crossed level is ever due.
 */
export type AlertLevel = number | 'expired';

export const DEFAULT_ALERT_THRESHOLDS: readonly number[] = [90, 60, 30, 14, 7, 1];
const MAX_THRESHOLD_DAYS = 3650;

/** Parses `ALERT_THRESHOLDS` ("90,60,30"); returns the days, most distant first, or a problem to report. */
export function parseAlertThresholds(raw: string): { thresholds: readonly number[] } | { problem: string } {
  if (raw.trim() === '') return { thresholds: DEFAULT_ALERT_THRESHOLDS };
  const parts = raw.split(',').map((part) => part.trim());
  const days = parts.map(Number);
  const bad = parts.filter((part, i) => part === '' || !Number.isInteger(days[i]) || days[i] < 1 || days[i] > MAX_THRESHOLD_DAYS);
  if (bad.length > 0) {
    return { problem: `must be a comma-separated list of whole days from 1 to ${MAX_THRESHOLD_DAYS}; not valid: ${bad.map((b) => JSON.stringify(b)).join(', ')}` };
  }
  if (new Set(days).size !== days.length) return { problem: 'lists a number of days twice' };
  return { thresholds: [...days].sort((a, b) => b - a) };
}

/** The most urgent level the subscription has crossed, or undefined while it is further out than every threshold. */
export function mostUrgentCrossedLevel(daysLeft: number, expired: boolean, thresholds: readonly number[]): AlertLevel | undefined {
  if (expired) return 'expired';
  const crossed = thresholds.filter((threshold) => daysLeft <= threshold);
  return crossed.length === 0 ? undefined : Math.min(...crossed);
}

/** Smaller is more urgent: `expired` beats every number of days. */
export function urgencyRank(level: AlertLevel): number {
  return level === 'expired' ? -1 : level;
}

/** `expired` or the number of days, as it appears in stored keys. */
export function levelKey(level: AlertLevel): string {
  return String(level);
}
