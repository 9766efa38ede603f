import type { ConversationReference } from 'botbuilder';
import type { Person } from '../../services/domain/people';
import { StoreConflictError, type Store, type StoredItem } from '../../services/store/store';

const TABLE = 'conversationRefs';
const CHANNEL_KEY_PREFIX = 'channel:';

/**
 * A person's 1:1 chat with the bot (table `conversationRefs`, key = lower-cased aadObjectId), or a team channel
 * the bot is installed in (key `channel:<channel id>`, `aadObjectId` empty, `name` the channel's).
 */
export interface StoredConversation {
  aadObjectId: string;
  name: string;
  /** Learnt from Teams' member API when it answers; lets imports name people by UPN. */
  userPrincipalName?: string;
  /** As Teams sends it, e.g. `de-DE`; empty when Teams never said. */
  locale: string;
  tenantId: string;
  /** Without an activity id: proactive messages start new messages rather than reply to an old one. */
  reference: Partial<ConversationReference>;
  updatedAt: string;
}

export type SaveOutcome = 'created' | 'updated' | 'unchanged';

/** The stored conversation references; nothing else keeps them (no global object). */
export class ConversationReferences {
  constructor(
    private readonly store: Store,
    private readonly now: () => Date = () => new Date(),
  ) {}

  static keyOf(aadObjectId: string): string {
    return aadObjectId.toLowerCase();
  }

  /** Channel ids (`19:…@thread.tacv2`) keep their case: Teams compares them exactly. */
  static keyOfChannel(channelId: string): string {
    return `${CHANNEL_KEY_PREFIX}${channelId}`;
  }

  static isChannelKey(key: string): boolean {
    return key.startsWith(CHANNEL_KEY_PREFIX);
  }

  async get(aadObjectId: string): Promise<StoredItem<StoredConversation> | undefined> {
    return this.getByKey(ConversationReferences.keyOf(aadObjectId));
  }

  async getByKey(key: string): Promise<StoredItem<StoredConversation> | undefined> {
    return this.store.get<StoredConversation>(TABLE, key);
  }

  /** Every person's chat (channels are not people). */
  async all(): Promise<StoredConversation[]> {
    return (await this.store.list<StoredConversation>(TABLE)).filter((item) => !ConversationReferences.isChannelKey(item.key)).map((item) => item.value);
  }

  /** Stores a channel's reference the way `save` stores a person's (compare-and-set, unchanged is not rewritten). */
  async saveChannel(channelId: string, update: (current: StoredConversation | undefined) => Omit<StoredConversation, 'updatedAt'>): Promise<SaveOutcome> {
    return this.saveByKey(ConversationReferences.keyOfChannel(channelId), update);
  }

  async removeChannel(channelId: string): Promise<void> {
    await this.store.delete(TABLE, ConversationReferences.keyOfChannel(channelId));
  }

  async findByUserPrincipalName(upn: string): Promise<StoredConversation | undefined> {
    const wanted = upn.toLowerCase();
    return (await this.all()).find((c) => c.userPrincipalName?.toLowerCase() === wanted);
  }

  /**
   * Stores what changed: `update` gets the current record (undefined for a new person) and returns the wanted
   * one, or the same object to leave it. Compare-and-set, retried when a concurrent activity wrote in between.
   */
  async save(aadObjectId: string, update: (current: StoredConversation | undefined) => Omit<StoredConversation, 'updatedAt'>): Promise<SaveOutcome> {
    return this.saveByKey(ConversationReferences.keyOf(aadObjectId), update);
  }

  private async saveByKey(key: string, update: (current: StoredConversation | undefined) => Omit<StoredConversation, 'updatedAt'>): Promise<SaveOutcome> {
    for (;;) {
      const current = await this.getByKey(key);
      const wanted = update(current?.value);
      if (current && sameContent(current.value, wanted)) return 'unchanged';
      const record: StoredConversation = { ...wanted, updatedAt: this.now().toISOString() };
      try {
        if (current) await this.store.replace(TABLE, key, record, current.version);
        else await this.store.insert(TABLE, key, record);
        return current ? 'updated' : 'created';
      } catch (error) {
        if (!(error instanceof StoreConflictError)) throw error;
      }
    }
  }

  async remove(aadObjectId: string): Promise<void> {
    await this.store.delete(TABLE, ConversationReferences.keyOf(aadObjectId));
  }

  /** Removes the reference only as it was read: one the person re-created meanwhile (reinstall) stays. */
  async removeIfUnchanged(item: StoredItem<StoredConversation>): Promise<boolean> {
    try {
      await this.store.delete(TABLE, item.key, item.version);
      return true;
    } catch (error) {
      if (error instanceof StoreConflictError) return false;
      throw error;
    }
  }

  /** The person as alerts and imports know them. */
  static personOf(conversation: StoredConversation): Person {
    return { aadObjectId: conversation.aadObjectId, name: conversation.name, userPrincipalName: conversation.userPrincipalName };
  }
}

function sameContent(current: StoredConversation, wanted: Omit<StoredConversation, 'updatedAt'>): boolean {
  return stableJson({ ...current, updatedAt: undefined }) === stableJson(wanted);
}

/** JSON with object keys sorted, so that field order never counts as a change. */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner !== null && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : inner,
  );
}
