import type { Person } from '../domain/people';
import type { Store } from '../store/store';

const TABLE = 'alertPrefs';
const MODE_PREFIX = 'mode/';
const SNOOZE_PREFIX = 'snooze/';

/** `all`: every customer's alerts, unassigned ones included; `mine`: my customers only; `off`: none. */
export type AlertMode = 'all' | 'mine' | 'off';
export const ALERT_MODES: readonly AlertMode[] = ['all', 'mine', 'off'];
export const DEFAULT_ALERT_MODE: AlertMode = 'mine';

interface ModeRecord {
  person: Person;
  mode: AlertMode;
  updatedAt: string;
}

interface SnoozeRecord {
  person: Person;
  customerId: string;
  subscriptionId: string;
  until: string;
}

/**
 * Per-person alert settings in table `alertPrefs`: the mode (`mode/<aadObjectId>`) and snoozes
 * (`snooze/<aadObjectId>/<customerId>/<subscriptionId>`). Each person writes only their own rows, so last
 * writer wins is enough.
 */
export class AlertPreferences {
  constructor(private readonly store: Store) {}

  async mode(aadObjectId: string): Promise<AlertMode> {
    return (await this.store.get<ModeRecord>(TABLE, modeKey(aadObjectId)))?.value.mode ?? DEFAULT_ALERT_MODE;
  }

  async setMode(person: Person, mode: AlertMode, now: Date): Promise<void> {
    await this.store.upsert<ModeRecord>(TABLE, modeKey(person.aadObjectId), { person, mode, updatedAt: now.toISOString() });
  }

  /** Everyone who chose a mode other than the default, by lower-cased aadObjectId. */
  async modes(): Promise<Map<string, { person: Person; mode: AlertMode }>> {
    const items = await this.store.list<ModeRecord>(TABLE, { prefix: MODE_PREFIX });
    return new Map(items.map(({ value }) => [value.person.aadObjectId.toLowerCase(), { person: value.person, mode: value.mode }]));
  }

  async snooze(person: Person, customerId: string, subscriptionId: string, until: Date): Promise<void> {
    await this.store.upsert<SnoozeRecord>(TABLE, snoozeKey(person.aadObjectId, customerId, subscriptionId), {
      person,
      customerId,
      subscriptionId,
      until: until.toISOString(),
    });
  }

  /** Snoozes still running at `now`, as a set of `snoozeId(...)` values; ended ones are cleared away. */
  async activeSnoozes(now: Date): Promise<Set<string>> {
    const items = await this.store.list<SnoozeRecord>(TABLE, { prefix: SNOOZE_PREFIX });
    const active = new Set<string>();
    for (const item of items) {
      const { value } = item;
      if (Date.parse(value.until) > now.getTime()) {
        active.add(snoozeId(value.person.aadObjectId, value.customerId, value.subscriptionId));
      } else {
        // At this version only: a snooze renewed meanwhile stays.
        await this.store.delete(TABLE, item.key, item.version).catch(() => undefined);
      }
    }
    return active;
  }
}

export function snoozeId(aadObjectId: string, customerId: string, subscriptionId: string): string {
  return `${aadObjectId.toLowerCase()}/${customerId}/${subscriptionId}`;
}

function modeKey(aadObjectId: string): string {
  return `${MODE_PREFIX}${aadObjectId.toLowerCase()}`;
}

function snoozeKey(aadObjectId: string, customerId: string, subscriptionId: string): string {
  return `${SNOOZE_PREFIX}${snoozeId(aadObjectId, customerId, subscriptionId)}`;
}
