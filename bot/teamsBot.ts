import {
  AdaptiveCardInvokeResponse,
  CardFactory,
  ConversationState,
  InvokeResponse,
  StatePropertyAccessor,
  TeamsActivityHandler,
  TurnContext,
} from 'botbuilder';
import { randomUUID } from 'node:crypto';
import { DialogState } from 'botbuilder-dialogs';
import { renderCard } from '../cards/cards';
import { t, toLocale, type Locale } from '../cards/i18n';
import { commandHelp } from '../dialogs/commands';
import { cardInvokeValueSchema, errorResponse, handlerFor, InvokeHandlers } from './invokes';
import { RootDialog } from '../dialogs/rootDialog';
import { Logger } from '../services/logging';
import { ConversationRecorder } from './proactive/conversationRecorder';
import { ActivityReplay } from './activityReplay';
import { Store, StoreConflictError } from '../services/store/store';
import { objectIdSchema } from '../services/domain/ids';
import { z } from 'zod';

/** The invoke name of an Adaptive Card `Action.Execute`. */
const CARD_ACTION_INVOKE = 'adaptiveCard/action';

/** Who clicked, as Teams says: an Entra object id is required (it is what policies compare); a missing name is ''. */
const actorSchema = z
  .object({ aadObjectId: objectIdSchema, name: z.string().optional().catch(undefined) })
  .transform(({ aadObjectId, name }) => ({ aadObjectId, name: (name ?? '').slice(0, 256) }));

/** The sender as every activity must carry it: the object id may be absent (channel events), never malformed. */
const senderSchema = z.object({ aadObjectId: objectIdSchema.nullish() }).nullish();

export interface KaizalaBotDeps {
  conversationState: ConversationState;
  rootDialog: RootDialog;
  /** `Action.Execute` verb → handler. */
  invokeHandlers: InvokeHandlers;
  /** Keeps each person's conversation reference (for proactive cards) current on install, message and uninstall. */
  conversationRecorder: ConversationRecorder;
  store: Store;
  logger: Logger;
  localMode: boolean;
  /** Empty = any tenant (only allowed in local mode, enforced by config). */
  allowedTenantIds: readonly string[];
  /** Answers a retried delivery of a message or invoke as the first delivery was answered; by default over `store`. */
  replay?: ActivityReplay;
}

/** The thin Teams handler: messages go to dialogs, installs get a welcome, nothing else lives here. */
export class KaizalaBot extends TeamsActivityHandler {
  private readonly dialogState: StatePropertyAccessor<DialogState>;
  private readonly replay: ActivityReplay;

  constructor(private readonly deps: KaizalaBotDeps) {
    super();
    this.dialogState = deps.conversationState.createProperty<DialogState>('dialogState');
    this.replay = deps.replay ?? new ActivityReplay(deps.store, deps.logger);

    this.onMessage(async (context, next) => {
      await deps.rootDialog.run(context, this.dialogState);
      await next();
    });

    this.onMembersAdded(async (context, next) => {
      const botWasAdded = (context.activity.membersAdded ?? []).some((m) => m.id === context.activity.recipient.id);
      if (botWasAdded) await this.welcomeOnce(context);
      await next();
    });

    this.onInstallationUpdateAdd(async (context, next) => {
      await this.welcomeOnce(context);
      await next();
    });
  }

  /**
   * Every invoke lands here, whatever its name or value, and gets a well-formed answer: `adaptiveCard/action`
   * goes to the verb table; any other name (this app declares no message extension, task module or tab) gets a
   * typed 400. botbuilder's own parsing is bypassed: it throws a TypeError on a value that is not an object with
   * an `action`, and that turned into a 501 without a body after `onTurnError`.
   */
  protected async onInvokeActivity(context: TurnContext): Promise<InvokeResponse> {
    const locale = toLocale(context.activity.locale);
    const response =
      context.activity.name === CARD_ACTION_INVOKE
        ? await this.onCardAction(context, locale)
        : errorResponse(400, 'NotSupported', t(locale, 'invokeNotSupported'));
    return { status: response.statusCode, body: response };
  }

  /** An `Action.Execute`: check the envelope, look the verb up (never guess), and let the verb's schema judge the data. */
  private async onCardAction(context: TurnContext, locale: Locale): Promise<AdaptiveCardInvokeResponse> {
    const value = cardInvokeValueSchema.safeParse(context.activity.value);
    if (!value.success) return errorResponse(400, 'MalformedAction', t(locale, 'malformedAction'));
    const verb = value.data.action.verb;
    const handler = handlerFor(this.deps.invokeHandlers, verb);
    if (!handler) return errorResponse(400, 'UnknownVerb', t(locale, 'unknownAction'));
    const actor = actorSchema.safeParse(context.activity.from);
    if (!actor.success) return errorResponse(403, 'UnknownUser', t(locale, 'unknownUser'));
    try {
      return await handler({ context, locale, data: value.data.action.data, actor: actor.data });
    } catch (error) {
      const reference = randomUUID().slice(0, 8);
      this.deps.logger.error('Card action failed', { verb, reference, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
      return errorResponse(500, 'InternalError', t(locale, 'turnError', { reference }));
    }
  }

  async run(context: TurnContext): Promise<void> {
    if (!this.isAllowedTenant(context)) {
      this.deps.logger.warn('Refused an activity from a tenant that is not allowed', {
        tenantId: tenantIdOf(context),
        type: context.activity.type,
      });
      await this.refuse(context, 'TenantNotAllowed', 'tenantNotAllowed');
      return;
    }
    // Everything downstream (conversation references, policies, stores) keys on the object id: one Teams never
    // sends in that shape is refused here rather than met halfway through a turn. A click gets a typed 403; a
    // message gets no reply, since a reply is addressed to that same malformed sender.
    if (!senderSchema.safeParse(context.activity.from).success) {
      this.deps.logger.warn('Refused an activity whose sender id is malformed', { type: context.activity.type });
      if (context.activity.type === 'invoke') await this.refuse(context, 'UnknownUser', 'unknownUser');
      return;
    }
    // Teams delivers an activity again when our answer was late; the retry must not run the turn a second time.
    await this.replay.once(context, async () => {
      await this.deps.conversationRecorder.record(context);
      await super.run(context);
      await this.deps.conversationState.saveChanges(context, false);
    });
  }

  /** Tells a message's sender why nothing happened; an invoke gets the same as a typed 403; other activities are dropped. */
  private async refuse(context: TurnContext, code: string, key: 'tenantNotAllowed' | 'unknownUser'): Promise<void> {
    const refusal = t(toLocale(context.activity.locale), key);
    if (context.activity.type === 'message') await context.sendActivity(refusal);
    if (context.activity.type === 'invoke') {
      await context.sendActivity({ type: 'invokeResponse', value: { status: 403, body: errorResponse(403, code, refusal) } });
    }
  }

  /** Teams sends both conversationUpdate and installationUpdate on install (and may retry): welcome once. */
  private async welcomeOnce(context: TurnContext): Promise<void> {
    try {
      await this.deps.store.insert('meta', `welcomed:${context.activity.conversation.id}`, { at: new Date().toISOString() });
    } catch (error) {
      if (error instanceof StoreConflictError) return;
      throw error;
    }
    const locale = toLocale(context.activity.locale);
    const card = renderCard('welcome', { localMode: this.deps.localMode, commands: commandHelp(this.deps.rootDialog.modules, locale) }, locale);
    await context.sendActivity({ attachments: [CardFactory.adaptiveCard(card)] });
  }

  private isAllowedTenant(context: TurnContext): boolean {
    if (this.deps.allowedTenantIds.length === 0) return true;
    const tenantId = tenantIdOf(context);
    return tenantId !== undefined && this.deps.allowedTenantIds.includes(tenantId.toLowerCase());
  }
}

/** Where Teams names the user's tenant: the conversation, else `channelData.tenant.id`; anything but a short string is no tenant. */
const tenantIdField = z.string().max(100);
const channelDataTenant = z.object({ tenant: z.object({ id: tenantIdField }) });

export function tenantIdOf(context: TurnContext): string | undefined {
  const fromConversation = tenantIdField.safeParse(context.activity.conversation?.tenantId);
  if (fromConversation.success) return fromConversation.data;
  const fromChannelData = channelDataTenant.safeParse(context.activity.channelData);
  return fromChannelData.success ? fromChannelData.data.tenant.id : undefined;
}
