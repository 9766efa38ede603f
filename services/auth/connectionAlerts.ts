import { Approvers } from '../approvals/approvers';
import type { PeopleDirectory } from '../approvals/ports';
import type { BackgroundRunner } from '../background';
import { isObjectId } from '../domain/ids';
import type { Person } from '../domain/people';
import type { Logger } from '../logging';
import { StoreConflictError, type Store } from '../store/store';
import type { DeviceCodeChallenge, PartnerConnection, PartnerConnectionStatus } from './partnerConnection';

/** Days without a successful redemption at which the admins are warned; Microsoft refuses the token at 90. */
export const AGEING_ALERT_DAYS: readonly number[] = [60, 80];
/** A burst of failed redemptions (every App+User call of a scan) yields at most one failure card per this. */
export const FAILURE_ALERT_QUIET_MS = 60 * 60_000;

const DAY_MS = 24 * 60 * 60_000;
/** Claims live in `meta` under this prefix: the ledger is shared by every instance, and survives restarts. */
const CLAIM_PREFIX = 'partnerConnection:';
const FAILURE_CLAIM_KEY = `${CLAIM_PREFIX}failureAlert`;

/** What an admin is told about the partner sign-in, unprompted. */
export type ConnectionAlert =
  | { kind: 'ageing'; thresholdDays: number; daysWithoutRedemption: number; status: PartnerConnectionStatus }
  | { kind: 'failing'; status: PartnerConnectionStatus };

/** The connection alerts' way to a person; bot/ implements it with a card that carries Reconnect. */
export interface ConnectionAlertNotifier {
  /** Sends the alert to the person's chat with the bot; false when the bot has no conversation with them. */
  sendConnectionAlert(aadObjectId: string, alert: ConnectionAlert): Promise<boolean>;
}

/**
 * The partner admins of ADMINS, recognised as approvers are ({@link Approvers}: object id, or UPN once the bot
 * has learnt the person's UPN from Teams).
 */
export class PartnerAdmins {
  private readonly list: Approvers;

  constructor(
    entries: readonly string[],
    private readonly people: PeopleDirectory,
  ) {
    this.list = new Approvers(entries);
  }

  get isEmpty(): boolean {
    return this.list.entries.length === 0;
  }

  /** Whether this person is an admin; looks their UPN up when ADMINS names people by UPN. */
  async includes(person: Person): Promise<boolean> {
    if (this.list.includes(person)) return true;
    if (!this.list.hasUpnEntries || person.userPrincipalName) return false;
    const userPrincipalName = await this.people.userPrincipalNameOf(person.aadObjectId);
    return userPrincipalName !== undefined && this.list.includes({ ...person, userPrincipalName });
  }

  /** The admins the bot can address: object ids as given, UPNs of people who have talked to the bot. */
  async objectIds(): Promise<string[]> {
    const ids = await Promise.all(this.list.entries.map(async (entry) => (isObjectId(entry) ? entry : this.people.objectIdOf(entry))));
    return [...new Set(ids.filter((id): id is string => id !== undefined).map((id) => id.toLowerCase()))];
  }
}

export type SignInStart =
  | { kind: 'notAdmin' }
  | { kind: 'started'; challenge: DeviceCodeChallenge; done: Promise<PartnerConnectionStatus> };

/** `connect partner center` and Reconnect: a device-code sign-in, for admins only. */
export async function startAdminSignIn(
  deps: { connection: Pick<PartnerConnection, 'connect'>; admins: PartnerAdmins },
  actor: Person,
): Promise<SignInStart> {
  if (!(await deps.admins.includes(actor))) return { kind: 'notAdmin' };
  const { challenge, done } = await deps.connection.connect();
  return { kind: 'started', challenge, done };
}

/** Whole days since the stored token last proved itself (sign-in or successful redemption); undefined when unknown. */
export function daysWithoutRedemption(status: PartnerConnectionStatus, now: number): number | undefined {
  const last = Math.max(status.tokenIssuedAt ?? Number.NEGATIVE_INFINITY, status.lastRedeemedAt ?? Number.NEGATIVE_INFINITY);
  return Number.isFinite(last) ? Math.max(0, Math.floor((now - last) / DAY_MS)) : undefined;
}

export interface ConnectionAlertsDeps {
  store: Store;
  connection: Pick<PartnerConnection, 'status' | 'onChange'>;
  admins: PartnerAdmins;
  notifier: ConnectionAlertNotifier;
  /** Failure alerts start from the connection's change events, which cannot wait for them. */
  background: BackgroundRunner;
  logger: Logger;
  now?: () => number;
}

export interface ConnectionSweep {
  /** The ageing threshold warned about in this sweep, if any. */
  ageingDays?: number;
  /** Admins who got a card in this sweep. */
  sent: number;
}

/**
 * Tells the partner admins when the stored sign-in needs them: at 60 and at 80 days without a successful redemption
 * (each threshold once per token and admin), and at once when a redemption fails (at most one card per hour).
 * Every "once" is a claim in the store (insert or compare-and-set), so restarts and other instances never repeat it.
 */
export class ConnectionAlerts {
  private readonly now: () => number;

  constructor(private readonly deps: ConnectionAlertsDeps) {
    this.now = deps.now ?? (() => Date.now());
  }

  /** Listens for failed redemptions; returns the unsubscribe. */
  start(): () => void {
    return this.deps.connection.onChange((status) => {
      if (status.state !== 'failing' && status.state !== 'expired') return;
      this.deps.background.run('partner connection failure alert', () => this.alertFailure(status));
    });
  }

  /** The daily check: ageing warnings, and a reminder while the sign-in is failing (within the hourly quiet). */
  async sweep(): Promise<ConnectionSweep> {
    const status = await this.deps.connection.status();
    if (status.state === 'failing' || status.state === 'expired') return { sent: await this.alertFailure(status) };
    if (status.state !== 'connected') return { sent: 0 };
    const days = daysWithoutRedemption(status, this.now());
    if (days === undefined) return { sent: 0 };
    const due = AGEING_ALERT_DAYS.filter((threshold) => days >= threshold);
    if (due.length === 0) return { sent: 0 };
    // After a long outage both thresholds may be due: the admin gets the latest one, and both are remembered.
    const thresholdDays = Math.max(...due);
    const alert: ConnectionAlert = { kind: 'ageing', thresholdDays, daysWithoutRedemption: days, status };
    const token = String(status.tokenIssuedAt ?? status.lastRedeemedAt);
    let sent = 0;
    for (const admin of await this.deps.admins.objectIds()) {
      const claimed = await this.claimAll(due.map((threshold) => `${CLAIM_PREFIX}ageing:${token}:${threshold}:${admin}`));
      if (claimed.length === 0) continue;
      if (await this.send(admin, alert)) sent++;
      // Nobody was told (no chat yet, or Teams refused): let a later sweep try again.
      else await this.release(claimed);
    }
    return { ageingDays: thresholdDays, sent };
  }

  /** One failure card to every admin, unless one went out within the quiet hour (here or on another instance). */
  private async alertFailure(status: PartnerConnectionStatus): Promise<number> {
    if (!(await this.claimFailureSlot())) return 0;
    let sent = 0;
    for (const admin of await this.deps.admins.objectIds()) if (await this.send(admin, { kind: 'failing', status })) sent++;
    return sent;
  }

  private async claimFailureSlot(): Promise<boolean> {
    const now = this.now();
    const current = await this.deps.store.get<{ sentAt: number }>('meta', FAILURE_CLAIM_KEY);
    if (current && now - current.value.sentAt < FAILURE_ALERT_QUIET_MS) return false;
    try {
      if (current) await this.deps.store.replace('meta', FAILURE_CLAIM_KEY, { sentAt: now }, current.version);
      else await this.deps.store.insert('meta', FAILURE_CLAIM_KEY, { sentAt: now });
      return true;
    } catch (error) {
      if (error instanceof StoreConflictError) return false;
      throw error;
    }
  }

  /** The keys this caller claimed (inserted); keys someone claimed before are left out. */
  private async claimAll(keys: readonly string[]): Promise<{ key: string; version: string }[]> {
    const claimed: { key: string; version: string }[] = [];
    for (const key of keys) {
      try {
        const item = await this.deps.store.insert('meta', key, { claimedAt: this.now() });
        claimed.push({ key, version: item.version });
      } catch (error) {
        if (!(error instanceof StoreConflictError)) throw error;
      }
    }
    return claimed;
  }

  private async release(claims: readonly { key: string; version: string }[]): Promise<void> {
    for (const claim of claims) await this.deps.store.delete('meta', claim.key, claim.version);
  }

  private async send(aadObjectId: string, alert: ConnectionAlert): Promise<boolean> {
    try {
      return await this.deps.notifier.sendConnectionAlert(aadObjectId, alert);
    } catch (error) {
      this.deps.logger.warn('Partner connection alert not delivered', { recipient: aadObjectId, kind: alert.kind, reason: error instanceof Error ? error.message : String(error) });
      return false;
    }
  }
}
