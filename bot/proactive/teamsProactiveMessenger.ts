import { randomUUID } from 'node:crypto';
import { CardFactory, type Activity, type ConversationReference, type TurnContext } from 'botbuilder';
import { toLocale } from '../../cards/i18n';
import { fullJitterDelayMs, type RetryPolicy } from '../../services/http/backoff';
import { parseRetryAfterHeader } from '../../services/http/retryAfter';
import type { Logger } from '../../services/logging';
import type { Store, StoredItem } from '../../services/store/store';
import { ConversationReferences, type StoredConversation } from './conversationReferences';
import type { ProactiveMessenger, RenderForLocale, SentMessage } from './messenger';
import { SendRateLimiter, systemClock, type Clock } from '../../services/http/pacing/sendRateLimiter';

/** The part of botbuilder's CloudAdapter the messenger uses. */
export interface ProactiveAdapter {
  continueConversationAsync(botAppId: string, reference: Partial<ConversationReference>, logic: (context: TurnContext) => Promise<void>): Promise<void>;
}

/**
 * Why a proactive message did not get through. `conversationGone`: Teams answered 403/404 (uninstalled, blocked,
 * deleted chat) and the reference was removed; `throttled`/`unavailable`: still failing after the bounded retries;
 * `rejected`: Teams refused the message itself (e.g. 400, 413), which a retry would not change.
 */
export type ProactiveFailure = 'conversationGone' | 'throttled' | 'unavailable' | 'rejected';

export class ProactiveDeliveryError extends Error {
  constructor(
    readonly failure: ProactiveFailure,
    readonly status: number | undefined,
    readonly attempts: number,
    message: string,
  ) {
    super(message);
    this.name = 'ProactiveDeliveryError';
  }
}

/** Retries stay within about a minute: an alert that cannot go out now is tried again by the next run. */
export const PROACTIVE_RETRY_POLICY: RetryPolicy = { maxAttempts: 4, maxTotalMs: 60_000, baseDelayMs: 1_000, maxDelayMs: 15_000 };

const RETRYABLE_STATUSES = new Set([412, 429, 502, 503, 504]);

export interface TeamsProactiveMessengerDeps {
  adapter: ProactiveAdapter;
  /** MicrosoftAppId; empty in local mode. */
  botAppId: string;
  conversations: ConversationReferences;
  /** Every send and update is written to table `audit`. */
  store: Store;
  logger: Logger;
  limiter?: SendRateLimiter;
  retry?: RetryPolicy;
  clock?: Clock;
  random?: () => number;
}

interface AuditEntry {
  kind: 'proactiveSend' | 'proactiveUpdate';
  aadObjectId: string;
  conversationId: string;
  outcome: 'delivered' | ProactiveFailure;
  status?: number;
  attempts: number;
  activityId?: string;
  error?: string;
  at: string;
}

/**
 * Sends and updates messages in people's 1:1 chats through the CloudAdapter, paced under Teams' limits per
 * conversation and per tenant, retrying throttling and transient errors with Retry-After or jittered backoff.
 * botbuilder's HTTP pipeline already retries a 429/503 carrying Retry-After and 5xx a few times inside one attempt;
 * this layer adds what it does not (412, 429 without Retry-After, pacing) within its own bound.
 */
export class TeamsProactiveMessenger implements ProactiveMessenger {
  private readonly limiter: SendRateLimiter;
  private readonly retry: RetryPolicy;
  private readonly clock: Clock;
  private readonly random: () => number;

  constructor(private readonly deps: TeamsProactiveMessengerDeps) {
    this.clock = deps.clock ?? systemClock;
    this.limiter = deps.limiter ?? new SendRateLimiter(undefined, this.clock);
    this.retry = deps.retry ?? PROACTIVE_RETRY_POLICY;
    this.random = deps.random ?? Math.random;
  }

  async sendToPerson(aadObjectId: string, render: RenderForLocale): Promise<SentMessage | undefined> {
    return this.sendTo(await this.deps.conversations.get(aadObjectId), render);
  }

  async sendToChannel(channelId: string, render: RenderForLocale): Promise<SentMessage | undefined> {
    return this.sendTo(await this.deps.conversations.getByKey(ConversationReferences.keyOfChannel(channelId)), render);
  }

  private async sendTo(conversation: StoredItem<StoredConversation> | undefined, render: RenderForLocale): Promise<SentMessage | undefined> {
    if (!conversation) return undefined;
    const activity = toActivity(render(toLocale(conversation.value.locale)));
    const activityId = await this.deliver('proactiveSend', conversation, async (context) => {
      const response = await context.sendActivity(activity);
      return response?.id ?? '';
    });
    return { conversationKey: conversation.key, activityId };
  }

  async update(message: SentMessage, render: RenderForLocale): Promise<void> {
    const conversation = await this.deps.conversations.getByKey(message.conversationKey);
    if (!conversation) throw new ProactiveDeliveryError('conversationGone', undefined, 0, 'No stored conversation for this message any more');
    const activity = { ...toActivity(render(toLocale(conversation.value.locale))), id: message.activityId };
    await this.deliver('proactiveUpdate', conversation, async (context) => {
      await context.updateActivity(activity);
      return message.activityId;
    });
  }

  private async deliver(
    kind: AuditEntry['kind'],
    conversation: StoredItem<StoredConversation>,
    send: (context: TurnContext) => Promise<string>,
  ): Promise<string> {
    const { reference, tenantId } = conversation.value;
    const started = this.clock.now();
    for (let attempt = 1; ; attempt++) {
      await this.limiter.acquire(conversation.key, tenantId);
      const result = await this.attempt(reference, send);
      if (result.ok) {
        await this.audit(kind, conversation.value, { outcome: 'delivered', attempts: attempt, activityId: result.activityId });
        return result.activityId;
      }

      const status = statusOf(result.error);
      const failure = classify(kind, status, result.error);
      if (failure === 'conversationGone') {
        // Only the reference as read: if the person reinstalled meanwhile, the new one stays.
        await this.deps.conversations.removeIfUnchanged(conversation);
        this.deps.logger.warn('Conversation is gone; its reference was removed', { aadObjectId: conversation.value.aadObjectId, status });
      }
      const retryAfterMs = retryAfterOf(result.error, this.clock.now());
      if (status === 429) await this.limiter.throttled(conversation.key, this.clock.now() + (retryAfterMs ?? this.retry.baseDelayMs));
      const delay = this.retryDelayMs(retryAfterMs, attempt);
      const retryable = failure === 'throttled' || failure === 'unavailable';
      const withinBudget = attempt < this.retry.maxAttempts && this.clock.now() - started + delay <= this.retry.maxTotalMs;
      if (!retryable || !withinBudget) {
        const error = describe(result.error);
        await this.audit(kind, conversation.value, { outcome: failure, status, attempts: attempt, error });
        throw new ProactiveDeliveryError(failure, status, attempt, `${kind === 'proactiveSend' ? 'Send' : 'Update'} failed after ${attempt} attempt(s): ${error}`);
      }
      this.deps.logger.debug('Proactive send will be retried', { status, attempt, delayMs: delay });
      await this.clock.sleep(delay);
    }
  }

  /** Retry-After plus a little jitter (so throttled senders do not come back in step), else full-jitter backoff. */
  private retryDelayMs(retryAfterMs: number | undefined, attempt: number): number {
    if (retryAfterMs === undefined) return fullJitterDelayMs(this.retry, attempt, this.random);
    return retryAfterMs + Math.floor(this.random() * Math.min(1_000, retryAfterMs * 0.2 + 100));
  }

  /**
   * The adapter hands errors thrown inside the turn to its onTurnError instead of rethrowing them, so the error is
   * caught in the turn and returned here.
   */
  private async attempt(
    reference: Partial<ConversationReference>,
    send: (context: TurnContext) => Promise<string>,
  ): Promise<{ ok: true; activityId: string } | { ok: false; error: unknown }> {
    let outcome: { ok: true; activityId: string } | { ok: false; error: unknown } = { ok: false, error: new Error('The adapter did not run the turn') };
    try {
      await this.deps.adapter.continueConversationAsync(this.deps.botAppId, reference, async (context) => {
        try {
          outcome = { ok: true, activityId: await send(context) };
        } catch (error) {
          outcome = { ok: false, error };
        }
      });
    } catch (error) {
      outcome = { ok: false, error };
    }
    return outcome;
  }

  private async audit(kind: AuditEntry['kind'], conversation: StoredConversation, fields: Pick<AuditEntry, 'outcome' | 'attempts'> & Partial<AuditEntry>): Promise<void> {
    const at = new Date(this.clock.now()).toISOString();
    const entry: AuditEntry = { kind, aadObjectId: conversation.aadObjectId, conversationId: conversation.reference.conversation?.id ?? '', at, ...fields };
    try {
      await this.deps.store.insert('audit', `proactive/${at}/${randomUUID()}`, entry);
    } catch (error) {
      // The message went (or failed) either way; a lost audit line must not turn into a resend.
      this.deps.logger.error('Could not write the audit entry of a proactive message', { ...entry, auditError: describe(error) });
    }
  }
}

function toActivity(content: ReturnType<RenderForLocale>): Partial<Activity> {
  return typeof content === 'string' ? { type: 'message', text: content } : { type: 'message', attachments: [CardFactory.adaptiveCard(content)] };
}

function classify(kind: AuditEntry['kind'], status: number | undefined, error: unknown): ProactiveFailure {
  if (status === 403) return 'conversationGone';
  // On update a 404 may only mean that message is gone; the conversation is gone when Teams says so.
  if (status === 404) return kind === 'proactiveSend' || /conversation/i.test(codeOf(error)) ? 'conversationGone' : 'rejected';
  if (status === 429 || status === 412) return 'throttled';
  if (status === undefined) return isTransportError(error) ? 'unavailable' : 'rejected';
  return RETRYABLE_STATUSES.has(status) ? 'unavailable' : 'rejected';
}

/** The HTTP pipeline's error for a request that got no answer (connection refused or reset, timeout). */
function isTransportError(error: unknown): boolean {
  return (error as { name?: unknown } | undefined)?.name === 'RestError';
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | undefined)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : '';
}

function retryAfterOf(error: unknown, nowMs: number): number | undefined {
  const headers = (error as { response?: { headers?: { get?: (name: string) => string | undefined } } } | undefined)?.response?.headers;
  return parseRetryAfterHeader(headers?.get?.('retry-after') ?? undefined, nowMs);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
