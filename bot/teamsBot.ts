import {
  AdaptiveCardInvokeResponse,
  AdaptiveCardInvokeValue,
  CardFactory,
  ConversationState,
  StatePropertyAccessor,
  TeamsActivityHandler,
  TurnContext,
} from 'botbuilder';
import { randomUUID } from 'node:crypto';
import { DialogState } from 'botbuilder-dialogs';
import { renderCard } from '../cards/cards';
import { t, toLocale } from '../cards/i18n';
import { commandHelp } from '../dialogs/commands';
import { errorResponse, InvokeHandlers } from './invokes';
import { RootDialog } from '../dialogs/rootDialog';
import { Logger } from '../services/logging';
import { ConversationRecorder } from './proactive/conversationRecorder';
import { Store, StoreConflictError } from '../services/store/store';

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
}

/** The thin Teams handler: messages go to dialogs, installs get a welcome, nothing else lives here. */
export class KaizalaBot extends TeamsActivityHandler {
  private readonly dialogState: StatePropertyAccessor<DialogState>;

  constructor(private readonly deps: KaizalaBotDeps) {
    super();
    this.dialogState = deps.conversationState.createProperty<DialogState>('dialogState');

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

  /** Every `Action.Execute` lands here: look the verb up, never guess; a failure answers a typed error. */
  protected async onAdaptiveCardInvoke(
    context: TurnContext,
    invokeValue: AdaptiveCardInvokeValue,
  ): Promise<AdaptiveCardInvokeResponse> {
    const locale = toLocale(context.activity.locale);
    const verb = invokeValue?.action?.verb;
    const handler = typeof verb === 'string' && Object.hasOwn(this.deps.invokeHandlers, verb) ? this.deps.invokeHandlers[verb] : undefined;
    if (!handler) return errorResponse(400, 'UnknownVerb', t(locale, 'unknownAction'));
    const data = invokeValue.action.data;
    if (data === null || typeof data !== 'object' || Array.isArray(data)) {
      return errorResponse(400, 'MalformedData', t(locale, 'malformedAction'));
    }
    const from = context.activity.from;
    if (!from?.aadObjectId) return errorResponse(403, 'UnknownUser', t(locale, 'unknownUser'));
    try {
      return await handler({ context, locale, data, actor: { aadObjectId: from.aadObjectId, name: from.name ?? '' } });
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
      const refusal = t(toLocale(context.activity.locale), 'tenantNotAllowed');
      if (context.activity.type === 'message') await context.sendActivity(refusal);
      if (context.activity.type === 'invoke') {
        await context.sendActivity({ type: 'invokeResponse', value: { status: 403, body: errorResponse(403, 'TenantNotAllowed', refusal) } });
      }
      return;
    }
    await this.deps.conversationRecorder.record(context);
    await super.run(context);
    await this.deps.conversationState.saveChanges(context, false);
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

export function tenantIdOf(context: TurnContext): string | undefined {
  const channelData = context.activity.channelData as { tenant?: { id?: string } } | undefined;
  return context.activity.conversation?.tenantId ?? channelData?.tenant?.id;
}
