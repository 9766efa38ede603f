import { Cron } from 'croner';
import { z } from 'zod';
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

const trimmedOr = (raw: string | undefined, fallback: string): string => {
  const value = raw?.trim() ?? '';
  return value === '' ? fallback : value;
};

/**
 * The three alert variables as zod fields of the configuration schema (bot/config.ts spreads them into its one
 * schema). Empty = default; a bad value is reported and replaced by the default so that every other variable is
 * still checked. Issue messages continue the variable's name (`="x" must be …`): the reader puts the name first.
 */
export const ALERT_VARIABLES = {
  PARTNER_TIMEZONE: z
    .string()
    .optional()
    .transform((raw, ctx) => {
      const timeZone = trimmedOr(raw, DEFAULT_PARTNER_TIMEZONE);
      if (isValidTimeZone(timeZone)) return timeZone;
      ctx.addIssue({ code: 'custom', message: `="${timeZone}" must be an IANA time zone, e.g. UTC or Europe/Berlin` });
      return DEFAULT_PARTNER_TIMEZONE;
    }),
  ALERT_SCHEDULE: z
    .string()
    .optional()
    .transform((raw, ctx) => {
      const schedule = trimmedOr(raw, DEFAULT_ALERT_SCHEDULE);
      const problem = cronPatternProblem(schedule);
      if (problem === undefined) return schedule;
      ctx.addIssue({ code: 'custom', message: `="${schedule}" must be a cron pattern such as "0 8 * * *" (${problem})` });
      return DEFAULT_ALERT_SCHEDULE;
    }),
  ALERT_THRESHOLDS: z
    .string()
    .optional()
    .transform((raw, ctx): readonly number[] => {
      const parsed = parseAlertThresholds(raw ?? '');
      if ('thresholds' in parsed) return parsed.thresholds;
      ctx.addIssue({ code: 'custom', message: `="${raw}" ${parsed.problem}` });
      return DEFAULT_ALERT_THRESHOLDS;
    }),
};

/** The parsed alert variables as settings. */
export function alertSettingsOf(values: { PARTNER_TIMEZONE: string; ALERT_SCHEDULE: string; ALERT_THRESHOLDS: readonly number[] }): AlertSettings {
  return { schedule: values.ALERT_SCHEDULE, thresholds: values.ALERT_THRESHOLDS, timeZone: values.PARTNER_TIMEZONE };
}

/**
 * Reads the three alert variables alone (empty = default) and names every bad one: `problems` are whole sentences
 * starting with the variable, as in the configuration's error; a bad variable's setting is its default.
 */
export function readAlertSettings(env: Readonly<Record<string, string | undefined>>): { settings: AlertSettings; problems: string[] } {
  const problems: string[] = [];
  const read = <T>(name: keyof typeof ALERT_VARIABLES, schema: z.ZodType<T, string | undefined>, fallback: T): T => {
    const parsed = schema.safeParse(env[name]);
    if (parsed.success) return parsed.data;
    problems.push(...parsed.error.issues.map((issue) => `${name}${issue.message}`));
    return fallback;
  };
  const settings = alertSettingsOf({
    PARTNER_TIMEZONE: read('PARTNER_TIMEZONE', ALERT_VARIABLES.PARTNER_TIMEZONE, DEFAULT_PARTNER_TIMEZONE),
    ALERT_SCHEDULE: read('ALERT_SCHEDULE', ALERT_VARIABLES.ALERT_SCHEDULE, DEFAULT_ALERT_SCHEDULE),
    ALERT_THRESHOLDS: read('ALERT_THRESHOLDS', ALERT_VARIABLES.ALERT_THRESHOLDS, DEFAULT_ALERT_THRESHOLDS),
  });
  return { settings, problems };
}
