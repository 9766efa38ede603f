import { ActivityTypes, TeamsInfo, TurnContext, type Activity, type ConversationReference } from 'botbuilder';
import type { Logger } from '../../services/logging';
import { ConversationReferences, type StoredConversation } from './conversationReferences';

/** Asks Teams for the member's UPN; undefined when Teams does not say. */
export type UserPrincipalNameLookup = (context: TurnContext) => Promise<string | undefined>;

export const teamsUserPrincipalName: UserPrincipalNameLookup = async (context) =>
  (await TeamsInfo.getMember(context, context.activity.from.id)).userPrincipalName ?? undefined;

/**
 * Keeps each person's 1:1 conversation reference current: stored on install and on any activity from a personal
 * chat, rewritten only when something that matters changed (name, locale, service URL…), removed on uninstall.
 * The bot calls `record` for every activity it accepts.
 */
export class ConversationRecorder {
  constructor(
    private readonly conversations: ConversationReferences,
    private readonly logger: Logger,
    private readonly lookupUserPrincipalName: UserPrincipalNameLookup | undefined = teamsUserPrincipalName,
  ) {}

  async record(context: TurnContext): Promise<void> {
    const activity = context.activity;
    if (activity.conversation?.conversationType === 'channel') return this.recordChannel(activity);
    const aadObjectId = activity.from?.aadObjectId;
    if (!aadObjectId || activity.conversation?.conversationType !== 'personal') return;
    if (isUninstall(activity)) {
      await this.conversations.remove(aadObjectId);
      this.logger.info('Conversation reference removed on uninstall', { aadObjectId });
      return;
    }

    const outcome = await this.conversations.save(aadObjectId, (current) => recordFor(activity, aadObjectId, current));
    if (outcome === 'unchanged') return;
    this.logger.debug(`Conversation reference ${outcome}`, { aadObjectId });
    const stored = (await this.conversations.get(aadObjectId))?.value;
    // Once per new or changed reference, not per message: the member API is a call to Teams.
    if (stored && stored.userPrincipalName === undefined && this.lookupUserPrincipalName) await this.learnUserPrincipalName(context, aadObjectId);
  }

  /**
   * A team channel the bot is installed in (learnt on install for the General channel, and from any mention of
   * the bot in another channel): kept so that APPROVAL_CHANNEL can be posted to. New posts go to the channel itself,
   * never as a reply into the thread the activity came from.
   */
  private async recordChannel(activity: Activity): Promise<void> {
    const channelData = activity.channelData as { channel?: { id?: string; name?: string }; tenant?: { id?: string } } | undefined;
    const channelId = channelData?.channel?.id ?? activity.conversation.id.split(';')[0];
    if (!channelId) return;
    if (isUninstall(activity)) {
      await this.conversations.removeChannel(channelId);
      this.logger.info('Channel reference removed on uninstall', { channelId });
      return;
    }
    const outcome = await this.conversations.saveChannel(channelId, (current) => {
      const reference: Partial<ConversationReference> = { ...TurnContext.getConversationReference(activity) };
      delete reference.activityId;
      delete reference.locale;
      reference.conversation = { ...activity.conversation, id: channelId };
      return {
        aadObjectId: '',
        name: channelData?.channel?.name || current?.name || '',
        locale: activity.locale || current?.locale || '',
        tenantId: activity.conversation.tenantId ?? channelData?.tenant?.id ?? current?.tenantId ?? '',
        reference,
      };
    });
    if (outcome !== 'unchanged') this.logger.debug(`Channel reference ${outcome}`, { channelId });
  }

  private async learnUserPrincipalName(context: TurnContext, aadObjectId: string): Promise<void> {
    let upn: string | undefined;
    try {
      upn = await this.lookupUserPrincipalName?.(context);
    } catch (error) {
      this.logger.debug('Teams did not tell the member UPN', { aadObjectId, error: error instanceof Error ? error.message : String(error) });
      return;
    }
    if (!upn) return;
    await this.conversations.save(aadObjectId, (current) => ({ ...(current ?? recordFor(context.activity, aadObjectId, undefined)), userPrincipalName: upn }));
  }
}

function isUninstall(activity: Partial<Activity>): boolean {
  if (activity.type === ActivityTypes.InstallationUpdate) return activity.action === 'remove';
  if (activity.type === ActivityTypes.ConversationUpdate) {
    return (activity.membersRemoved ?? []).some((member) => member.id === activity.recipient?.id);
  }
  return false;
}

/** The record this activity implies; fields the activity lacks (some events carry no locale or name) are kept. */
function recordFor(activity: Partial<Activity>, aadObjectId: string, current: StoredConversation | undefined): Omit<StoredConversation, 'updatedAt'> {
  const reference: Partial<ConversationReference> = { ...TurnContext.getConversationReference(activity) };
  delete reference.activityId;
  delete reference.locale;
  const channelData = activity.channelData as { tenant?: { id?: string } } | undefined;
  return {
    aadObjectId: aadObjectId.toLowerCase(),
    name: activity.from?.name || current?.name || '',
    userPrincipalName: current?.userPrincipalName,
    locale: activity.locale || current?.locale || '',
    tenantId: activity.conversation?.tenantId ?? channelData?.tenant?.id ?? current?.tenantId ?? '',
    reference,
  };
}
