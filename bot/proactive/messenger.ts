import { Locale } from '../../cards/i18n';
import { AdaptiveCard } from '../../cards/render';

/** Where a proactive message landed, so it can be updated in place later (store this, not the card). */
export interface SentMessage {
  /** Key of the stored conversation reference (table `conversationRefs`). */
  conversationKey: string;
  activityId: string;
}

/** Builds the message in the reader's language: a card, or plain text. */
export type RenderForLocale = (locale: Locale) => AdaptiveCard | string;

/**
 * Sends and updates messages in a person's 1:1 chat with the bot, outside a turn, under Teams' rate limits and
 * with retries. Implemented in bot/proactive; services reach people only through their own small ports, which
 * bot/ implements on top of this.
 */
export interface ProactiveMessenger {
  /** Sends to the person's personal chat; undefined when the person has no known conversation (never installed). */
  sendToPerson(aadObjectId: string, render: RenderForLocale): Promise<SentMessage | undefined>;
  /** Replaces a message sent earlier (e.g. a decided approval card loses its buttons). */
  update(message: SentMessage, render: RenderForLocale): Promise<void>;
  /**
   * Posts to a team channel where the bot is installed (e.g. APPROVAL_CHANNEL); undefined when the bot has not
   * seen that channel yet. Optional: messengers that only reach people (test fakes) leave it out.
   */
  sendToChannel?(channelId: string, render: RenderForLocale): Promise<SentMessage | undefined>;
}
