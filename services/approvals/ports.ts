import type { MigrationRequest } from '../domain/request';

/** Where a card landed, so it can be replaced later (the same shape as bot/proactive's SentMessage). */
export interface MessageRef {
  conversationKey: string;
  activityId: string;
}

/** A card sent to one approver. */
export interface SentApproval {
  /** The approver's Entra object id (APPROVERS may name them by UPN). */
  aadObjectId: string;
  message: MessageRef;
}

/**
 * How the approval use cases reach people; bot/approvalNotifier.ts implements it on the proactive messenger
 * (render the card in each reader's language, send or update it under Teams' limits).
 */
export interface ApprovalNotifier {
  /** Sends the approval card to one approver (object id or UPN); undefined when they cannot be reached yet. */
  sendApprovalRequest(approver: string, request: MigrationRequest): Promise<SentApproval | undefined>;
  /**
   * Posts the one approval card of the approval channel (APPROVAL_CHANNEL), acted on by any approver and updated in
   * place for everyone; undefined when no channel is configured or the bot has not seen it yet (then each approver
   * gets their own card).
   */
  sendToApprovalChannel?(request: MigrationRequest): Promise<MessageRef | undefined>;
  /** Replaces an approver's card with the request's current state (decided cards lose their buttons). */
  updateApprovalRequest(message: MessageRef, request: MigrationRequest): Promise<void>;
  /** Tells the requester what became of their request. */
  tellRequester(request: MigrationRequest): Promise<void>;
}

/**
 * A stored approval card (table `approvals`, key `<requestId>/<aadObjectId>`, or `<requestId>/channel` for the
 * approval channel's one card, whose `approver` and `aadObjectId` are `channel`).
 */
export interface ApprovalMessageRecord {
  requestId: string;
  approver: string;
  aadObjectId: string;
  message: MessageRef;
  sentAt: string;
  /** The channel card: how many approvers it was posted for (each of them can act on it). */
  approversInChannel?: number;
}

/**
 * What the bot knows about people from their chats with it (UPNs are recorded on install and message); read from
 * the store, no network. Lets APPROVERS given as UPNs be matched to object ids, and the requester be left out.
 */
export interface PeopleDirectory {
  userPrincipalNameOf(aadObjectId: string): Promise<string | undefined>;
  objectIdOf(userPrincipalName: string): Promise<string | undefined>;
}
