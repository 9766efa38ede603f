import {
  customerFacts,
  planFor,
  isEligible,
  planLines,
  seatLimits,
  toChosenPlan,
  toRequestLine,
  type PriceList,
  type TenantDirectory,
} from '../catalog';
import type { ExpiringSubscription } from '../domain/expiring';
import { isObjectId } from '../domain/ids';
import type { Person } from '../domain/people';
import type { MigrationRequest } from '../domain/request';
import type { Logger } from '../logging';
import type { MigrationRun } from '../migration/run';
import { isMigrating } from '../scan/migrating';
import { StoreConflictError, type Store, type StoredItem } from '../store/store';
import { Approvers, isSamePerson } from './approvers';
import { AuditLog, type AuditEntry } from './audit';
import type { BackgroundRunner } from '../background';
import type { ApprovalMessageRecord, ApprovalNotifier, PeopleDirectory } from './ports';
import { newRequestId } from './requestIds';
import { KaizalaSubscriptions } from './subscriptions';
import { telemetry } from '../observability/telemetry';

export interface ApprovalServiceDeps {
  store: Store;
  directory: TenantDirectory;
  approvers: Approvers;
  notifier: ApprovalNotifier;
  /**
   * Resolves UPNs and object ids through the people the bot knows, so an approver listed by UPN is recognised as
   * the requester. Absent: only the UPN a Person carries is known.
   */
  people?: PeopleDirectory;
  background: BackgroundRunner;
  logger: Logger;
  /** Pending requests expire this many days after they were made (APPROVAL_TTL_DAYS). */
  ttlDays: number;
  /** When a price list is loaded: the request keeps the monthly cost the requester saw, in the partner's market. */
  prices?: Pricing;
  /** Started (in the background) once a request is approved: the migration run. */
  onApproved?: (request: MigrationRequest) => Promise<unknown>;
  now?: () => Date;
  newId?: () => string;
}

export interface Pricing {
  list: PriceList;
  /** Two-letter market of the partner (PARTNER_COUNTRY). */
  market: string;
}

/** How many users a request names on cards; the rest are counted. */
export const USERS_PREVIEW_SIZE = 20;

/** What the wizard asks for; every field is checked again here against fresh data, never trusted. */
export interface MigrationDraft {
  customerId: string;
  subscriptionId: string;
  planId: string;
  quantity: number;
  /** `all`: everyone who holds Kaizala Pro when the request is made. */
  userIds: readonly string[] | 'all';
}

export type DraftProblem =
  | 'unknownSubscription'
  | 'needsReview'
  | 'alreadyMigrating'
  | 'ineligiblePlan'
  | 'unknownUsers'
  | 'noUsers'
  | 'badQuantity'
  | 'noOtherApprover';

export type RequestOutcome =
  | { kind: 'requested'; request: MigrationRequest; approversReached: number }
  | { kind: 'refused'; problem: DraftProblem; activeRequestId?: string };

export type Decision = 'approve' | 'reject';

export type RefusalProblem = 'notFound' | 'notApprover' | 'selfApproval' | 'notRequester' | 'reasonRequired' | 'futureVersion';

/**
 * `changed`: this call moved the request on. `current`: nothing changed because it was already decided, expired,
 * withdrawn or the card was stale; show the request as it is now. `refused`: nothing changed, and why.
 */
export type ChangeOutcome =
  | { kind: 'changed'; request: MigrationRequest }
  | { kind: 'current'; request: MigrationRequest }
  | { kind: 'refused'; problem: RefusalProblem; request?: MigrationRequest };

export const MAX_REJECT_REASON_LENGTH = 500;
const DAY_MS = 24 * 60 * 60 * 1000;

/** A decision's notifications are retried by this many sweeps before they are given up (the audit row never is). */
export const MAX_DELIVERY_FAILURES = 24;
/** The sweep leaves a fresh decision's delivery to the instance that made it for this long. */
const DELIVERY_GRACE_MS = 60_000;

const claimKey = (customerId: string, subscriptionId: string) => `activeRequest:${customerId}/${subscriptionId}`;

/**
 * What a change of a request still has to do once its compare-and-set write succeeded, stored in that same write:
 * the decision and its effects are one unit. Cleared once delivered; the sweep retries what is left.
 */
interface PendingEffects {
  /** Audit rows under keys fixed when the change was made: a retry finds them written and never adds a second one. */
  audits?: { key: string; entry: AuditEntry }[];
  /** The approvers' cards still show the request as it was. */
  cards?: true;
  /** The requester has not been told yet. */
  requester?: true;
  since: string;
  failures: number;
}

/** A request as table `requests` stores it: the request, and what its last change still has to deliver. */
type StoredRequest = MigrationRequest & { pending?: PendingEffects };

/** The request without the bookkeeping of its delivery, as callers and cards see it. */
function publicRequest(stored: StoredRequest): MigrationRequest {
  const request: StoredRequest = { ...stored };
  delete request.pending;
  return request;
}

/**
 * The approval use cases: request a migration, approve or reject it, withdraw it, let it expire. Every change is
 * compare-and-set on the request's version, so ten simultaneous clicks make exactly one decision; every change is
 * audited; cards everywhere are brought up to date in the background.
 */
export class ApprovalService {
  private readonly now: () => Date;
  private readonly newId: () => string;
  private readonly audit: AuditLog;
  private readonly subscriptions: KaizalaSubscriptions;
  /** Requests whose pending effects this instance is delivering right now (the sweep skips them). */
  private readonly delivering = new Set<string>();

  constructor(private readonly deps: ApprovalServiceDeps) {
    if (!(Number.isInteger(deps.ttlDays) && deps.ttlDays >= 1)) throw new RangeError(`ttlDays must be a whole number of days ≥ 1, got ${deps.ttlDays}`);
    this.now = deps.now ?? (() => new Date());
    this.newId = deps.newId ?? newRequestId;
    this.audit = new AuditLog(deps.store);
    this.subscriptions = new KaizalaSubscriptions(deps.store);
  }

  get approvers(): Approvers {
    return this.deps.approvers;
  }

  async getRequest(requestId: string): Promise<MigrationRequest | undefined> {
    const item = await this.deps.store.get<StoredRequest>('requests', requestId);
    return item && publicRequest(item.value);
  }

  /** How many approvers were sent the request's card (all of them when it went to the approval channel). */
  async approversReached(requestId: string): Promise<number> {
    const cards = await this.deps.store.list<ApprovalMessageRecord>('approvals', { prefix: `${requestId}/` });
    return cards.reduce((sum, card) => sum + (card.value.approversInChannel ?? 1), 0);
  }

  /**
   * One card in the approval channel instead of one per approver. False when there is no channel (or it failed):
   * then every approver gets their own card, so a request is never left without anyone to decide it.
   */
  private async postToApprovalChannel(request: MigrationRequest, approvers: number): Promise<boolean> {
    if (!this.deps.notifier.sendToApprovalChannel) return false;
    let message: ApprovalMessageRecord['message'] | undefined;
    try {
      message = await this.deps.notifier.sendToApprovalChannel(request);
    } catch (error) {
      this.deps.logger.warn('Could not post to the approval channel; sending each approver their own card', { requestId: request.id, err: error });
      return false;
    }
    if (!message) return false;
    const record: ApprovalMessageRecord = {
      requestId: request.id,
      approver: 'channel',
      aadObjectId: 'channel',
      message,
      sentAt: this.now().toISOString(),
      approversInChannel: approvers,
    };
    try {
      await this.deps.store.upsert('approvals', `${request.id}/channel`, record);
    } catch (error) {
      // The card is out and the request stands; only later updates of the channel card are lost.
      this.deps.logger.warn('Could not remember the approval channel card; it will not be updated', { requestId: request.id, err: error });
    }
    return true;
  }

  /** The pending or approved request for this subscription, if any. */
  async activeRequestFor(customerId: string, subscriptionId: string): Promise<MigrationRequest | undefined> {
    const claim = await this.deps.store.get<{ requestId: string }>('meta', claimKey(customerId, subscriptionId));
    if (!claim) return undefined;
    const request = await this.getRequest(claim.value.requestId);
    return request && (await this.isActive(request)) ? request : undefined;
  }

  /**
   * The subscription's latest migration whose run completed, and when: lets the wizard say "migrated on …" for a
   * customer with nobody left on Kaizala Pro instead of opening a wizard with nobody to move.
   */
  async lastCompletedFor(customerId: string, subscriptionId: string): Promise<{ request: MigrationRequest; finishedAt: string } | undefined> {
    const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
    const approved = (await this.deps.store.list<MigrationRequest>('requests'))
      .map((item) => item.value)
      .filter((request) => request.status === 'approved' && same(request.customerId, customerId) && same(request.kaizalaSubscriptionId, subscriptionId));
    let latest: { request: MigrationRequest; finishedAt: string } | undefined;
    for (const request of approved) {
      const run = (await this.deps.store.get<Pick<MigrationRun, 'status' | 'finishedAt'>>('runs', request.id))?.value;
      const finishedAt = run?.status === 'completed' ? (run.finishedAt ?? request.decidedAt ?? request.createdAt) : undefined;
      if (finishedAt && (!latest || finishedAt > latest.finishedAt)) latest = { request, finishedAt };
    }
    return latest;
  }

  /** Still holds its subscription: pending, or approved with its run unfinished (services/scan/migrating.ts). */
  private async isActive(request: MigrationRequest): Promise<boolean> {
    const run = request.status === 'approved' ? (await this.deps.store.get<Pick<MigrationRun, 'status'>>('runs', request.id))?.value : undefined;
    return isMigrating(request, run);
  }

  /**
   * The approved request's run was cancelled: the cancellation joins the customer's history (who, and what the
   * run had done) and the subscription is free for a new request (the request itself stays approved).
   */
  async releaseAfterCancelledRun(requestId: string, actor?: Person, details: Readonly<Record<string, string | number>> = {}): Promise<void> {
    const request = await this.getRequest(requestId);
    if (request?.status !== 'approved') return;
    await this.audit
      .record(this.auditEntry(request, 'cancelled', actor, { ...details }))
      .catch((error: unknown) => this.deps.logger.warn('Could not write the cancellation to the history', { requestId, error: String(error) }));
    await this.releaseClaim(request);
  }

  /** The customer's audit trail, newest first, and its full length. */
  history(customerId: string, limit = 50): Promise<{ entries: AuditEntry[]; total: number }> {
    return this.audit.forCustomer(customerId, limit);
  }

  /**
   * Checks the draft against the stored subscription and the tenant as it is now, claims the subscription (one
   * active request each), stores the request at version 1 and sends it to every approver but the requester.
   */
  async requestMigration(draft: MigrationDraft, requester: Person, requesterLocale: string): Promise<RequestOutcome> {
    const subscription = await this.subscriptions.get(draft.customerId, draft.subscriptionId);
    if (!subscription) return { kind: 'refused', problem: 'unknownSubscription' };
    if (subscription.review) return { kind: 'refused', problem: 'needsReview' };
    const recipients = await this.recipientsFor(requester);
    if (recipients.length === 0) return { kind: 'refused', problem: 'noOtherApprover' };

    const checked = await this.checkDraft(draft, subscription);
    if (typeof checked === 'string') return { kind: 'refused', problem: checked };

    const now = this.now();
    const request: MigrationRequest = {
      id: this.newId(),
      version: 1,
      status: 'pending',
      customerId: subscription.customerId,
      customerName: subscription.customerName,
      tenantId: subscription.tenantId,
      kaizalaSubscriptionId: subscription.subscriptionId,
      kaizalaSkuId: subscription.skuId,
      commitmentEndDate: subscription.commitmentEndDate,
      plan: checked.plan,
      quantity: draft.quantity,
      // A user is on two lines when a suite without Teams comes with its Teams standalone: each id once.
      userIds: [...new Set(checked.lines.flatMap((line) => line.userIds))],
      lines: checked.lines.map(toRequestLine),
      usersPreview: checked.moving.slice(0, USERS_PREVIEW_SIZE).map((user) => ({ displayName: user.displayName, userPrincipalName: user.userPrincipalName })),
      ...(checked.monthlyCost ? { monthlyCost: checked.monthlyCost } : {}),
      ...(checked.usersLeftBehind > 0 ? { usersLeftBehind: checked.usersLeftBehind } : {}),
      requester,
      requesterLocale,
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + this.deps.ttlDays * DAY_MS).toISOString(),
    };
    const holder = await this.claimSubscription(request);
    if (holder !== undefined) return { kind: 'refused', problem: 'alreadyMigrating', activeRequestId: holder };
    // The request and its audit row are one unit too: the row travels with the insert until it is written.
    const entry = this.auditEntry(request, 'requested', requester, { plan: request.plan.title, quantity: request.quantity, users: request.userIds.length });
    const pending: PendingEffects = { audits: [{ key: this.audit.keyFor(entry), entry }], since: now.toISOString(), failures: 0 };
    await this.deps.store.insert<StoredRequest>('requests', request.id, { ...request, pending });

    const approversReached = await this.sendToApprovers(request, recipients);
    await this.deliver(request.id).catch((error: unknown) =>
      this.deps.logger.warn('Could not write the audit row yet; it stays pending', { requestId: request.id, error: String(error) }),
    );
    this.deps.logger.info('Migration requested', { requestId: request.id, customerId: request.customerId, approversReached });
    return { kind: 'requested', request, approversReached };
  }

  /**
   * An approver's click. The actor must be an approver and not the requester; the request must still be pending,
   * unexpired and at the card's version; a rejection needs a reason. Anything else changes nothing.
   */
  async decide(input: { requestId: string; version: number; actor: Person; decision: Decision; reason?: string }): Promise<ChangeOutcome> {
    const item = await this.deps.store.get<StoredRequest>('requests', input.requestId);
    if (!item) return { kind: 'refused', problem: 'notFound' };
    const request = publicRequest(item.value);
    if (input.version > request.version) return { kind: 'refused', problem: 'futureVersion', request };
    if (!this.deps.approvers.includes(input.actor)) return { kind: 'refused', problem: 'notApprover', request };
    if (sameObjectId(input.actor, request.requester)) return { kind: 'refused', problem: 'selfApproval', request };
    if (request.status !== 'pending') return { kind: 'current', request };
    if (this.isOverdue(request)) return this.expire(item);
    if (input.version < request.version) return { kind: 'current', request };

    const reason = (input.reason ?? '').trim();
    if (input.decision === 'reject' && (reason === '' || reason.length > MAX_REJECT_REASON_LENGTH)) {
      return { kind: 'refused', problem: 'reasonRequired', request };
    }
    const decided: MigrationRequest = {
      ...request,
      version: request.version + 1,
      status: input.decision === 'approve' ? 'approved' : 'rejected',
      decidedAt: this.now().toISOString(),
      decidedBy: input.actor,
      ...(input.decision === 'reject' ? { rejectReason: reason } : {}),
    };
    const details: Record<string, string | number> =
      input.decision === 'reject' ? { reason } : { plan: request.plan.title, quantity: request.quantity };
    return this.transition(item, decided, input.actor, details);
  }

  /** The requester takes a pending request back. */
  async withdraw(input: { requestId: string; actor: Person; version?: number }): Promise<ChangeOutcome> {
    const item = await this.deps.store.get<StoredRequest>('requests', input.requestId);
    if (!item) return { kind: 'refused', problem: 'notFound' };
    const request = publicRequest(item.value);
    if (input.version !== undefined && input.version > request.version) return { kind: 'refused', problem: 'futureVersion', request };
    if (!sameObjectId(input.actor, request.requester)) return { kind: 'refused', problem: 'notRequester', request };
    if (request.status !== 'pending') return { kind: 'current', request };
    if (this.isOverdue(request)) return this.expire(item);
    const withdrawn: MigrationRequest = { ...request, version: request.version + 1, status: 'withdrawn', decidedAt: this.now().toISOString(), decidedBy: input.actor };
    return this.transition(item, withdrawn, input.actor, {});
  }

  /** Expires every pending request past its time; the composition root runs this periodically. Returns how many. */
  async expireOverdue(): Promise<number> {
    const items = await this.deps.store.list<StoredRequest>('requests');
    let expired = 0;
    for (const item of items) {
      if (item.value.status !== 'pending' || !this.isOverdue(item.value)) continue;
      if ((await this.expire(item)).kind === 'changed') expired++;
    }
    return expired;
  }

  private isOverdue(request: MigrationRequest): boolean {
    return this.now().getTime() >= Date.parse(request.expiresAt);
  }

  /**
   * Delivers what earlier changes left undone (an approver's card, the requester's message, the audit row), for
   * requests whose delivery failed or whose instance stopped; the composition root runs this periodically.
   * Returns how many requests are now fully delivered.
   */
  async deliverPending(): Promise<number> {
    const items = await this.deps.store.list<StoredRequest>('requests');
    const due = this.now().getTime() - DELIVERY_GRACE_MS;
    let delivered = 0;
    for (const { key, value } of items) {
      if (!value.pending || Date.parse(value.pending.since) > due) continue;
      if ((await this.deliver(key)) === 'delivered') delivered++;
    }
    return delivered;
  }

  private expire(item: StoredItem<StoredRequest>): Promise<ChangeOutcome> {
    const request = publicRequest(item.value);
    const expired: MigrationRequest = { ...request, version: request.version + 1, status: 'expired', decidedAt: this.now().toISOString() };
    return this.transition(item, expired, undefined, { expiresAt: item.value.expiresAt });
  }

  /**
   * Compare-and-set from `item` to `next`; the loser of a race gets the winner's state and changes nothing. The
   * write carries what the change still has to do (audit row, cards, requester), so that a failure after it —
   * a card that cannot be rendered, Teams down, a crash — leaves the work recorded and the sweep finishes it.
   */
  private async transition(
    item: StoredItem<StoredRequest>,
    next: MigrationRequest,
    actor: Person | undefined,
    details: Record<string, string | number>,
    retries = 3,
  ): Promise<ChangeOutcome> {
    const entry = this.auditEntry(next, next.status, actor, details);
    const audit = { key: this.audit.keyFor(entry), entry };
    const pending: PendingEffects = {
      // The request's own row may still be unwritten (its delivery failed): it stays pending, before this one.
      audits: [...(item.value.pending?.audits ?? []), audit],
      cards: true,
      // Requesters who withdraw see the result on their own card at once.
      ...(next.status !== 'withdrawn' ? { requester: true as const } : {}),
      since: this.now().toISOString(),
      failures: 0,
    };
    try {
      await this.deps.store.replace<StoredRequest>('requests', item.key, { ...next, pending }, item.version);
    } catch (error) {
      if (!(error instanceof StoreConflictError)) throw error;
      const fresh = await this.deps.store.get<StoredRequest>('requests', item.key);
      // Only delivery bookkeeping moved on (the request's version is the same): the change still applies.
      if (fresh && fresh.value.version === item.value.version && retries > 0) return this.transition(fresh, next, actor, details, retries - 1);
      return { kind: 'current', request: publicRequest(fresh?.value ?? item.value) };
    }
    this.deps.logger.info(`Migration request ${next.status}`, { requestId: next.id, version: next.version, actor: actor?.aadObjectId });
    if (next.status !== 'pending') telemetry.approvalDecided(next.status === 'withdrawn' ? 'cancelled' : next.status);
    // History shows the decision at once; if this write fails, the delivery below (or the sweep) writes it.
    for (const row of pending.audits ?? []) {
      await this.audit.recordOnce(row.key, row.entry).catch((error: unknown) =>
        this.deps.logger.warn('Could not write the audit row yet; it stays pending', { requestId: next.id, error: String(error) }),
      );
    }
    if (next.status !== 'approved') {
      // A claim left behind is taken over by the next request for the subscription (claimSubscription).
      await this.releaseClaim(next).catch((error: unknown) =>
        this.deps.logger.warn('Could not release the subscription claim', { requestId: next.id, error: String(error) }),
      );
    }
    this.deps.background.run(`deliver ${next.id} ${next.status}`, () => this.deliver(next.id));
    const onApproved = this.deps.onApproved;
    if (next.status === 'approved' && onApproved) this.deps.background.run(`start the migration run of ${next.id}`, () => onApproved(next));
    return { kind: 'changed', request: next };
  }

  /**
   * Carries out what the request's last change left pending and clears what succeeded, with compare-and-set.
   * Safe to repeat: the audit row has a fixed key, card updates replace the same cards. The requester's message is
   * at least once (a crash between telling and clearing tells again on the next sweep).
   */
  private async deliver(requestId: string): Promise<'delivered' | 'retry' | 'nothing' | 'busy'> {
    if (this.delivering.has(requestId)) return 'busy';
    this.delivering.add(requestId);
    try {
      const item = await this.deps.store.get<StoredRequest>('requests', requestId);
      const pending = item?.value.pending;
      if (!item || !pending) return 'nothing';
      const request = publicRequest(item.value);

      const unwritten: { key: string; entry: AuditEntry }[] = [];
      for (const row of pending.audits ?? []) {
        if (!(await this.attempt('write the audit row', request, () => this.audit.recordOnce(row.key, row.entry)))) unwritten.push(row);
      }
      const auditWritten = unwritten.length === 0;
      const cardsUpdated = pending.cards === undefined || (await this.updateCards(request));
      const requesterTold = pending.requester === undefined || (await this.attempt('tell the requester', request, () => this.deps.notifier.tellRequester(request)));

      const failures = pending.failures + 1;
      const left: PendingEffects = {
        ...(auditWritten ? {} : { audits: unwritten }),
        ...(cardsUpdated ? {} : { cards: true as const }),
        ...(requesterTold ? {} : { requester: true as const }),
        since: pending.since,
        failures,
      };
      const done = auditWritten && cardsUpdated && requesterTold;
      const givenUp = !done && auditWritten && failures >= MAX_DELIVERY_FAILURES;
      if (givenUp) this.deps.logger.error('Gave up notifying about a decided request', { requestId, status: request.status, failures });
      try {
        await this.deps.store.replace<StoredRequest>('requests', item.key, done || givenUp ? request : { ...request, pending: left }, item.version);
      } catch (error) {
        // Another instance delivered meanwhile; whatever is left stays recorded for the next sweep.
        if (!(error instanceof StoreConflictError)) throw error;
      }
      return done ? 'delivered' : 'retry';
    } finally {
      this.delivering.delete(requestId);
    }
  }

  /** Brings every approver's card up to date; true when all of them were. */
  private async updateCards(request: MigrationRequest): Promise<boolean> {
    const sent = await this.deps.store.list<ApprovalMessageRecord>('approvals', { prefix: `${request.id}/` });
    const updates = await Promise.allSettled(sent.map((item) => this.deps.notifier.updateApprovalRequest(item.value.message, request)));
    updates.forEach((update, index) => {
      if (update.status === 'rejected') {
        this.deps.logger.warn('Could not update an approval card; it will be retried', { requestId: request.id, approver: sent[index].value.aadObjectId, error: String(update.reason) });
      }
    });
    return updates.every((update) => update.status === 'fulfilled');
  }

  private async attempt(what: string, request: MigrationRequest, work: () => Promise<void>): Promise<boolean> {
    try {
      await work();
      return true;
    } catch (error) {
      this.deps.logger.warn(`Could not ${what}; it will be retried`, { requestId: request.id, status: request.status, error: String(error) });
      return false;
    }
  }

  /**
   * The approvers who get the request: every entry but the requester, who is recognised by object id and by UPN
   * (each side resolved through the people the bot knows), one card per person. Resolved entries are object ids.
   */
  private async recipientsFor(requester: Person): Promise<string[]> {
    const people = this.deps.people;
    const requesterId = requester.aadObjectId.toLowerCase();
    const requesterUpn = (requester.userPrincipalName ?? (await people?.userPrincipalNameOf(requester.aadObjectId)))?.toLowerCase();
    const recipients = new Set<string>();
    for (const entry of this.deps.approvers.entries) {
      if (isSamePerson(entry, { ...requester, userPrincipalName: requesterUpn })) continue;
      const objectId = isObjectId(entry) ? entry : (await people?.objectIdOf(entry))?.toLowerCase();
      if (objectId === requesterId) continue;
      recipients.add(objectId ?? entry);
    }
    return [...recipients];
  }

  private async sendToApprovers(request: MigrationRequest, recipients: readonly string[]): Promise<number> {
    if (recipients.length > 0 && (await this.postToApprovalChannel(request, recipients.length))) return recipients.length;
    const results = await Promise.allSettled(recipients.map((approver) => this.deps.notifier.sendApprovalRequest(approver, request)));
    let reached = 0;
    for (const [index, result] of results.entries()) {
      const approver = recipients[index];
      if (result.status === 'rejected' || result.value === undefined) {
        this.deps.logger.warn('An approver could not be reached (has the bot been installed for them?)', {
          requestId: request.id,
          approver,
          error: result.status === 'rejected' ? String(result.reason) : 'no conversation',
        });
        continue;
      }
      const { aadObjectId, message } = result.value;
      const record: ApprovalMessageRecord = { requestId: request.id, approver, aadObjectId, message, sentAt: this.now().toISOString() };
      reached++;
      try {
        await this.deps.store.upsert('approvals', `${request.id}/${aadObjectId.toLowerCase()}`, record);
      } catch (error) {
        // The card is out and the request stands; only later updates of this one card are lost.
        this.deps.logger.warn('Could not remember an approval card; it will not be updated', { requestId: request.id, approver, error: String(error) });
      }
    }
    return reached;
  }

  private async checkDraft(draft: MigrationDraft, subscription: ExpiringSubscription) {
    const [users, seatsBySku, market] = await Promise.all([
      this.deps.directory.kaizalaUsers(subscription.tenantId, subscription.skuId, subscription.education),
      this.deps.directory.seatsBySku(subscription.tenantId),
      this.deps.directory.market?.(subscription.customerId),
    ]);
    const facts = customerFacts(subscription.education, users, seatsBySku, market);
    // The plan as this customer can buy it (suite variant by market and tenant, with its Teams line), checked again.
    const plan = planFor(draft.planId, facts);
    if (!plan || !isEligible(plan, facts)) return 'ineligiblePlan' as const;
    const wanted = new Set(draft.userIds === 'all' ? users.map((user) => user.id) : draft.userIds);
    const moving = users.filter((user) => wanted.has(user.id));
    if (moving.length !== wanted.size) return 'unknownUsers' as const;
    if (moving.length === 0 && users.length > 0) return 'noUsers' as const;
    const limits = seatLimits(plan, facts, moving.length);
    if (!Number.isSafeInteger(draft.quantity) || draft.quantity < limits.min || draft.quantity > limits.max) return 'badQuantity' as const;
    const lines = planLines(plan, moving, draft.quantity);
    const monthlyCost = this.deps.prices?.list.monthlyCost(lines, this.deps.prices.market, this.now());
    return { plan: toChosenPlan(plan), lines, moving, usersLeftBehind: users.length - moving.length, monthlyCost };
  }

  /** Makes this request the subscription's active one; returns the id of another active request that holds it. */
  private async claimSubscription(request: MigrationRequest): Promise<string | undefined> {
    const key = claimKey(request.customerId, request.kaizalaSubscriptionId);
    try {
      await this.deps.store.insert('meta', key, { requestId: request.id });
      return undefined;
    } catch (error) {
      if (!(error instanceof StoreConflictError)) throw error;
    }
    const claim = await this.deps.store.get<{ requestId: string }>('meta', key);
    if (claim) {
      const holder = await this.getRequest(claim.value.requestId);
      // A claim whose request is no longer active was left by a crash between decision and release: take it over.
      if (holder && (await this.isActive(holder))) return holder.id;
      try {
        await this.deps.store.replace('meta', key, { requestId: request.id }, claim.version);
        return undefined;
      } catch (error) {
        if (!(error instanceof StoreConflictError)) throw error;
      }
    }
    const winner = await this.deps.store.get<{ requestId: string }>('meta', key);
    return winner?.value.requestId ?? 'unknown';
  }

  private async releaseClaim(request: MigrationRequest): Promise<void> {
    const key = claimKey(request.customerId, request.kaizalaSubscriptionId);
    const claim = await this.deps.store.get<{ requestId: string }>('meta', key);
    if (claim?.value.requestId !== request.id) return;
    try {
      await this.deps.store.delete('meta', key, claim.version);
    } catch (error) {
      // Another request took the claim over meanwhile: it is not ours to release any more.
      if (!(error instanceof StoreConflictError)) throw error;
    }
  }

  private auditEntry(request: MigrationRequest, action: string, actor: Person | undefined, details: Record<string, string | number>): AuditEntry {
    return {
      at: this.now().toISOString(),
      customerId: request.customerId,
      customerName: request.customerName,
      requestId: request.id,
      action,
      ...(actor ? { actor } : {}),
      details,
    };
  }
}

function sameObjectId(a: Person, b: Person): boolean {
  return a.aadObjectId.toLowerCase() === b.aadObjectId.toLowerCase();
}
