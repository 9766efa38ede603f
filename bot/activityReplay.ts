import { Activity, ActivityTypes, TurnContext } from 'botbuilder';
import { createHash, randomUUID } from 'node:crypto';
import { t, toLocale } from '../cards/i18n';
import { Logger } from '../services/logging';
import { Store, StoreConflictError, type StoredItem } from '../services/store/store';
import { errorResponse } from './invokes';

const TABLE = 'deliveries';
const DAY_MS = 24 * 60 * 60_000;

export interface ActivityReplayOptions {
  /** How long a first delivery may take before a retry (on any instance) may process the activity itself. */
  claimMs?: number;
  /** How long a retry waits for a first delivery still in progress before answering that it is. */
  waitMs?: number;
  pollMs?: number;
  now?: () => number;
}

/** An activity as a turn sent it, without the addressing its retry's turn supplies again. */
type Reply = Partial<Activity>;

/**
 * What a first delivery did in the conversation, in order: sent a message or its invoke response, updated a message
 * in place (the wizard keeps one card and updates it), or deleted one. A retry does the same again.
 */
type Answer = { send: Reply } | { update: Reply } | { delete: string };

interface DeliveryRecord {
  state: 'processing' | 'done';
  /** Who claimed the first delivery (instance and turn), for logs. */
  owner: string;
  claimedUntilMs: number;
  answers: Answer[];
}

/** Answers beyond this size are not kept (the invoke response always is): a retry then gets no copy of the rest. */
const MAX_KEPT_ANSWER_CHARS = 300_000;
/** Fields every activity gets from the turn it is sent in, so a stored one need not carry them. */
const ADDRESSING = ['from', 'recipient', 'conversation', 'serviceUrl', 'channelId', 'replyToId', 'timestamp', 'localTimestamp'] as const;

/**
 * Teams and the Bot Connector deliver an activity again when they did not get our HTTP answer in time (a slow
 * turn, a dropped connection): same activity id, same content. Without care the retry runs the turn twice — a
 * second "Request approval" then meets its own request and answers "Another request … is already active".
 *
 * So every message and invoke is claimed by its id in the store before it runs, and what the turn did in the
 * conversation (replies, invoke response, cards updated in place) is stored with it. A retry never runs the turn
 * again: it does the first delivery's answers again, exactly (an updated card is updated to the same content, a
 * reply is sent once more); while the first is still running it waits a little for it, else is told so. A first
 * delivery that failed releases its claim, so its retry is a fresh attempt; one whose instance died is taken over
 * once its claim expires. Records live in day buckets (`<day>:<hash>`, UTC days), looked up in today's and
 * yesterday's and deleted a whole day at a time, so the table stays bounded without scanning it.
 */
export class ActivityReplay {
  private readonly claimMs: number;
  private readonly waitMs: number;
  private readonly pollMs: number;
  private readonly now: () => number;
  private readonly instance = randomUUID().slice(0, 8);
  /** The newest day bucket this instance has deleted, so pruning runs once a day. */
  private prunedThrough: number | undefined;
  private pruning: Promise<void> | undefined;

  constructor(
    private readonly store: Store,
    private readonly logger: Logger,
    options: ActivityReplayOptions = {},
  ) {
    this.claimMs = options.claimMs ?? 2 * 60_000;
    this.waitMs = options.waitMs ?? 10_000;
    this.pollMs = options.pollMs ?? 100;
    this.now = options.now ?? Date.now;
  }

  /** Runs `turn` for the first delivery of this activity; a retried delivery gets the first one's answers instead. */
  async once(context: TurnContext, turn: () => Promise<void>): Promise<void> {
    const hash = hashOf(context.activity);
    if (hash === undefined) return turn();
    let claim: Claim;
    try {
      claim = await this.claim(hash);
    } catch (error) {
      // The store cannot record the delivery (a full disk): answering matters more than recognising a retry.
      this.logger.warn('Could not record an activity delivery; processing it without retry protection', { error: messageOf(error) });
      return turn();
    }
    switch (claim.kind) {
      case 'replay':
        this.logger.info('Retried delivery of an activity answered with the first delivery\'s answers', { type: context.activity.type, answers: claim.answers.length });
        await replay(context, claim.answers);
        return;
      case 'busy':
        this.logger.warn('Retried delivery of an activity whose first delivery is still running', { type: context.activity.type });
        if (context.activity.type === ActivityTypes.Invoke) {
          const body = errorResponse(409, 'StillProcessing', t(toLocale(context.activity.locale), 'activityStillProcessing'));
          await context.sendActivity({ type: ActivityTypes.InvokeResponse, value: { status: body.statusCode, body } });
        }
        // A message's first delivery answers in the chat itself.
        return;
      case 'first':
        return this.runFirst(context, claim, turn);
    }
  }

  /** Resolves when background pruning has finished (tests, shutdown). */
  async idle(): Promise<void> {
    await this.pruning;
  }

  /**
   * Deletes, in the background and at most once a day per instance, the buckets older than yesterday: answers are
   * kept at least a day (a retry comes within minutes) and at most two.
   */
  private startPruning(): void {
    const through = this.dayOf(this.now()) - 2;
    if (this.pruning !== undefined || (this.prunedThrough !== undefined && this.prunedThrough >= through)) return;
    this.prunedThrough = through;
    this.pruning = this.prune(through)
      .catch((error: unknown) => {
        this.prunedThrough = undefined;
        this.logger.warn('Could not delete old activity deliveries', { error: messageOf(error) });
      })
      .finally(() => {
        this.pruning = undefined;
      });
  }

  private async prune(through: number): Promise<void> {
    // A week back covers instances that were down for a while; older buckets were pruned by whoever ran then.
    for (let day = through; day > through - 7; day--) {
      for (const item of await this.store.list(TABLE, { prefix: `${day}:` })) await this.store.delete(TABLE, item.key);
    }
  }

  private async runFirst(context: TurnContext, claim: Extract<Claim, { kind: 'first' }>, turn: () => Promise<void>): Promise<void> {
    const answers: Answer[] = [];
    context.onSendActivities(async (_context, activities, next) => {
      const sent = await next();
      for (const activity of activities) {
        if (activity.type === ActivityTypes.Message || activity.type === ActivityTypes.InvokeResponse) answers.push({ send: withoutAddressing(activity, false) });
      }
      return sent;
    });
    context.onUpdateActivity(async (_context, activity, next) => {
      await next();
      answers.push({ update: withoutAddressing(activity, true) });
    });
    context.onDeleteActivity(async (_context, reference, next) => {
      await next();
      if (reference.activityId) answers.push({ delete: reference.activityId });
    });
    try {
      await turn();
    } catch (error) {
      // The turn failed (onTurnError answers it): its retry is a fresh attempt, not a replay of an apology.
      await this.store.delete(TABLE, claim.key, claim.version).catch((releaseError: unknown) => {
        this.logger.warn('Could not release the claim of a failed activity', { error: messageOf(releaseError) });
      });
      throw error;
    }
    const record: DeliveryRecord = { state: 'done', owner: claim.owner, claimedUntilMs: 0, answers: kept(answers) };
    try {
      await this.store.replace(TABLE, claim.key, record, claim.version);
      this.startPruning();
    } catch (error) {
      // The person has their answer; only a retry would now be processed instead of replayed.
      this.logger.warn('Could not store the answers of an activity for its retries', { error: messageOf(error) });
    }
  }

  private async claim(hash: string): Promise<Claim> {
    const today = this.dayOf(this.now());
    const yesterday = await this.store.get<DeliveryRecord>(TABLE, `${today - 1}:${hash}`);
    if (yesterday) return this.settle(`${today - 1}:${hash}`, yesterday);
    const key = `${today}:${hash}`;
    const owner = `${this.instance}-${randomUUID().slice(0, 8)}`;
    try {
      const inserted = await this.store.insert<DeliveryRecord>(TABLE, key, { state: 'processing', owner, claimedUntilMs: this.now() + this.claimMs, answers: [] });
      return { kind: 'first', key, version: inserted.version, owner };
    } catch (error) {
      if (!(error instanceof StoreConflictError)) throw error;
    }
    const existing = await this.store.get<DeliveryRecord>(TABLE, key);
    // Released by a failed first delivery between our insert and this read: try once more as the first.
    if (!existing) return this.claim(hash);
    return this.settle(key, existing);
  }

  /** What to do about an activity already claimed: replay its answers, wait for it, or take over a dead claim. */
  private async settle(key: string, found: StoredItem<DeliveryRecord>): Promise<Claim> {
    const waitUntil = this.now() + this.waitMs;
    let item: StoredItem<DeliveryRecord> | undefined = found;
    for (;;) {
      if (item === undefined) return this.claim(key.slice(key.indexOf(':') + 1));
      if (item.value.state === 'done') return { kind: 'replay', answers: item.value.answers };
      if (item.value.claimedUntilMs <= this.now()) {
        const owner = `${this.instance}-${randomUUID().slice(0, 8)}`;
        try {
          const taken = await this.store.replace<DeliveryRecord>(TABLE, key, { state: 'processing', owner, claimedUntilMs: this.now() + this.claimMs, answers: [] }, item.version);
          this.logger.warn('Took over an activity whose first delivery never finished', { previousOwner: item.value.owner });
          return { kind: 'first', key, version: taken.version, owner };
        } catch (error) {
          if (!(error instanceof StoreConflictError)) throw error;
        }
      } else if (this.now() >= waitUntil) {
        return { kind: 'busy' };
      } else {
        await new Promise((resolve) => setTimeout(resolve, this.pollMs));
      }
      item = await this.store.get<DeliveryRecord>(TABLE, key);
    }
  }

  private dayOf(ms: number): number {
    return Math.floor(ms / DAY_MS);
  }
}

type Claim = { kind: 'first'; key: string; version: string; owner: string } | { kind: 'replay'; answers: Answer[] } | { kind: 'busy' };

/** Does again what the first delivery did: the same messages and invoke response, the same updates and deletions. */
async function replay(context: TurnContext, answers: readonly Answer[]): Promise<void> {
  for (const answer of answers) {
    if ('send' in answer) await context.sendActivity(answer.send);
    else if ('update' in answer) await context.updateActivity(answer.update);
    // Deleting again what is already gone is the outcome the first delivery had; the service's complaint is not.
    else await context.deleteActivity(answer.delete).catch(() => undefined);
  }
}

/**
 * The delivery's identity, hashed to a short fixed-length key: channel, conversation and activity id (ids are unique
 * within a conversation) plus what the activity says (sender, type, name, text, value). A retry repeats all of it;
 * an activity that reuses an id with other content (a test adapter restarting its counter) is not mistaken for one.
 * Only messages and invokes are guarded: other events are idempotent where they must be.
 */
function hashOf(activity: Partial<Activity>): string | undefined {
  if (activity.type !== ActivityTypes.Message && activity.type !== ActivityTypes.Invoke) return undefined;
  if (typeof activity.id !== 'string' || activity.id === '' || typeof activity.conversation?.id !== 'string') return undefined;
  const identity = [activity.channelId ?? '', activity.conversation.id, activity.id, activity.from?.id ?? '', activity.type, activity.name ?? '', activity.text ?? '', activity.value ?? null];
  return createHash('sha256').update(JSON.stringify(identity)).digest('base64url').slice(0, 32);
}

/** A copy without the turn's addressing; an update keeps the id of the message it replaces. */
function withoutAddressing(activity: Partial<Activity>, keepId: boolean): Reply {
  const reply: Record<string, unknown> = JSON.parse(JSON.stringify(activity)) as Record<string, unknown>;
  for (const field of ADDRESSING) delete reply[field];
  if (!keepId) delete reply.id;
  return reply as Reply;
}

/** Every answer when they fit; else only the invoke response, which a retry cannot get anywhere else. */
function kept(answers: Answer[]): Answer[] {
  if (JSON.stringify(answers).length <= MAX_KEPT_ANSWER_CHARS) return answers;
  return answers.filter((answer) => 'send' in answer && answer.send.type === ActivityTypes.InvokeResponse);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
