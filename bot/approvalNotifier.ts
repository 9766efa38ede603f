import { renderCard } from '../cards/cards';
import { isObjectId } from '../services/domain/ids';
import type { Locale } from '../cards/i18n';
import type { AdaptiveCard } from '../cards/render';
import {
  approvalDecidedCard,
  approvalOutcomeCard,
  approvalRequestCard,
  decidedStatusOf,
  reviewSubmittedCard,
} from '../dialogs/migrationWizardCards';
import type { ApprovalNotifier, Approvers, MessageRef, PeopleDirectory, SentApproval } from '../services/approvals';
import type { MigrationRequest } from '../services/domain/request';
import type { ProactiveMessenger } from './proactive/messenger';


/** People who have talked to the bot, by UPN (bot/proactive's ConversationReferences has this method). */
export interface KnownPeople {
  findByUserPrincipalName(upn: string): Promise<{ aadObjectId: string } | undefined>;
}

/**
 * The approvals' directory of people over the stored conversations, whose UPNs the recorder learns on install and
 * message: lets the approval use case recognise a requester named in APPROVERS by UPN.
 */
export function peopleFromConversations(
  conversations: KnownPeople & { get(aadObjectId: string): Promise<{ value: { userPrincipalName?: string } } | undefined> },
): PeopleDirectory {
  return {
    userPrincipalNameOf: async (aadObjectId) => (await conversations.get(aadObjectId))?.value.userPrincipalName,
    objectIdOf: async (userPrincipalName) => (await conversations.findByUserPrincipalName(userPrincipalName))?.aadObjectId,
  };
}

/** Approvers named by object id, minus the requester: the users an approval card refreshes itself for. */
export function approverObjectIds(approvers: Approvers, request: MigrationRequest): string[] {
  const requester = request.requester.aadObjectId.toLowerCase();
  return approvers.entries.filter((entry) => isObjectId(entry) && entry !== requester);
}

/**
 * The card a person sees for a request as it is now. Pending: approvers get Approve/Reject, the requester gets
 * the confirmation with Withdraw. Decided, expired or withdrawn: the decided card without buttons, for everyone.
 */
export function requestCardFor(
  request: MigrationRequest,
  viewer: 'approver' | 'requester',
  context: { approvers: Approvers; approversReached: number },
  locale: Locale,
): AdaptiveCard {
  const status = decidedStatusOf(request);
  if (status) return renderCard('approvalDecided', approvalDecidedCard(request, status, locale), locale);
  if (viewer === 'requester') return renderCard('reviewSubmitted', reviewSubmittedCard(request, context.approversReached), locale);
  return renderCard('approvalRequest', approvalRequestCard(request, approverObjectIds(context.approvers, request), locale), locale);
}

/** The approvals' port on the proactive messenger: each card rendered in its reader's stored language. */
export class TeamsApprovalNotifier implements ApprovalNotifier {
  constructor(
    private readonly messenger: ProactiveMessenger,
    private readonly approvers: Approvers,
    private readonly people: KnownPeople,
    /** APPROVAL_CHANNEL: a team channel id where the bot is installed; undefined = a card per approver. */
    private readonly approvalChannelId?: string,
  ) {}

  async sendToApprovalChannel(request: MigrationRequest): Promise<MessageRef | undefined> {
    if (!this.approvalChannelId || !this.messenger.sendToChannel) return undefined;
    // The approvers' card: Teams refreshes it for each listed approver (refresh.userIds), and anyone else in the
    // channel who clicks is refused by the handler, which checks the actor, not where the card is.
    return this.messenger.sendToChannel(this.approvalChannelId, (locale) => this.approverCard(request, locale));
  }

  async sendApprovalRequest(approver: string, request: MigrationRequest): Promise<SentApproval | undefined> {
    const aadObjectId = isObjectId(approver) ? approver.toLowerCase() : (await this.people.findByUserPrincipalName(approver))?.aadObjectId;
    if (!aadObjectId) return undefined;
    const message = await this.messenger.sendToPerson(aadObjectId, (locale) => this.approverCard(request, locale));
    return message ? { aadObjectId, message } : undefined;
  }

  async updateApprovalRequest(message: MessageRef, request: MigrationRequest): Promise<void> {
    await this.messenger.update(message, (locale) => this.approverCard(request, locale));
  }

  async tellRequester(request: MigrationRequest): Promise<void> {
    const status = decidedStatusOf(request);
    if (!status) return;
    await this.messenger.sendToPerson(request.requester.aadObjectId, (locale) =>
      renderCard('approvalOutcome', approvalOutcomeCard(request, status, locale), locale),
    );
  }

  private approverCard(request: MigrationRequest, locale: Locale): AdaptiveCard {
    return requestCardFor(request, 'approver', { approvers: this.approvers, approversReached: 0 }, locale);
  }
}
