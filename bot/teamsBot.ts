import {
  CardFactory,
  ConversationState,
  StatePropertyAccessor,
  TeamsActivityHandler,
  TurnContext,
} from 'botbuilder';
import { DialogState } from 'botbuilder-dialogs';
import { renderCard } from '../cards/cards';
import { t, toLocale } from '../cards/i18n';
import { commandHelp } from '../dialogs/commands';
import { RootDialog } from '../dialogs/rootDialog';
import { Logger } from '../services/logging';
import { Store, StoreConflictError } from '../services/store/store';

export interface KaizalaBotDeps {
  conversationState: ConversationState;
  rootDialog: RootDialog;
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

  async run(context: TurnContext): Promise<void> {
    if (!this.isAllowedTenant(context)) {
      this.deps.logger.warn('Refused an activity from a tenant that is not allowed', {
        tenantId: tenantIdOf(context),
        type: context.activity.type,
      });
      if (context.activity.type === 'message') {
        await context.sendActivity(t(toLocale(context.activity.locale), 'tenantNotAllowed'));
      }
      return;
    }
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
    const card = renderCard('welcome', { localMode: this.deps.localMode, commands: commandHelp(locale) }, locale);
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
