import { Cron } from 'croner';
import { isValidTimeZone } from '../scan/expiryClock';
import { DEFAULT_ALERT_THRESHOLDS, parseAlertThresholds } from './levels';

/** When alerts go out and which day thresholds they use (ALERT_SCHEDULE, ALERT_THRESHOLDS, PARTNER_TIMEZONE). */
export interface AlertSettings {
  /** Cron pattern (5 fields, or 6 with seconds), evaluated in `timeZone`. */
  readonly schedule: string;
  /** Whole days, most distant first. */
  readonly thresholds: readonly number[];
  /** IANA time zone of the partner: days left and the schedule are counted in it. */
  readonly timeZone: string;
}

export const DEFAULT_ALERT_SCHEDULE = '0 8 * * *';
export const DEFAULT_PARTNER_TIMEZONE = 'UTC';

export const DEFAULT_ALERT_SETTINGS: AlertSettings = {
  schedule: DEFAULT_ALERT_SCHEDULE,
  thresholds: DEFAULT_ALERT_THRESHOLDS,
  timeZone: DEFAULT_PARTNER_TIMEZONE,
};

/** Undefined when croner accepts the pattern and it ever fires; else why not. */
export function cronPatternProblem(pattern: string): string | undefined {
  try {
    const job = new Cron(pattern, { paused: true });
    const next = job.nextRun();
    job.stop();
    return next === null ? 'never fires' : undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/**
 * Reads the three alert variables (empty = default) and names every bad one, in the shape bot/config.ts uses:
 * `problems` are whole sentences starting with the variable.
 */
export function readAlertSettings(env: Readonly<Record<string, string | undefined>>): { settings: AlertSettings; problems: string[] } {
  const problems: string[] = [];
  const text = (name: string, fallback: string): string => {
    const raw = env[name]?.trim() ?? '';
    return raw === '' ? fallback : raw;
  };

  const timeZone = text('PARTNER_TIMEZONE', DEFAULT_PARTNER_TIMEZONE);
  if (!isValidTimeZone(timeZone)) problems.push(`PARTNER_TIMEZONE="${timeZone}" must be an IANA time zone, e.g. UTC or Europe/Berlin`);

  const schedule = text('ALERT_SCHEDULE', DEFAULT_ALERT_SCHEDULE);
  const scheduleProblem = cronPatternProblem(schedule);
  if (scheduleProblem) problems.push(`ALERT_SCHEDULE="${schedule}" must be a cron pattern such as "0 8 * * *" (${scheduleProblem})`);

  const parsed = parseAlertThresholds(env.ALERT_THRESHOLDS ?? '');
  if ('problem' in parsed) problems.push(`ALERT_THRESHOLDS="${env.ALERT_THRESHOLDS}" ${parsed.problem}`);

  return {
    settings: {
      schedule: scheduleProblem ? DEFAULT_ALERT_SCHEDULE : schedule,
      thresholds: 'thresholds' in parsed ? parsed.thresholds : DEFAULT_ALERT_THRESHOLDS,
      timeZone: isValidTimeZone(timeZone) ? timeZone : DEFAULT_PARTNER_TIMEZONE,
    },
    problems,
  };
}
