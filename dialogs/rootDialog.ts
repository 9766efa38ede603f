import { CardFactory, StatePropertyAccessor, TurnContext } from 'botbuilder';
import {
  ComponentDialog,
  DialogSet,
  DialogState,
  DialogTurnResult,
  DialogTurnStatus,
  WaterfallDialog,
  WaterfallStepContext,
} from 'botbuilder-dialogs';
import { renderCard } from '../cards/cards';
import { t, toLocale } from '../cards/i18n';
import { commandHelp, parseCommand } from './commands';

export const ROOT_DIALOG = 'root';
const DISPATCH_WATERFALL = 'root.dispatch';

/** Where a message's command text comes from: typed text, or an Action.Submit button's `data.command`. */
export function commandTextOf(context: TurnContext): string {
  const value = context.activity.value as { command?: unknown } | undefined;
  if (value && typeof value.command === 'string') return value.command;
  return TurnContext.removeRecipientMention(context.activity) ?? context.activity.text ?? '';
}

/** The conversation's entry point: reads a command and starts what it asks for. */
export class RootDialog extends ComponentDialog {
  constructor() {
    super(ROOT_DIALOG);
    this.addDialog(new WaterfallDialog(DISPATCH_WATERFALL, [this.dispatchStep.bind(this)]));
    this.initialDialogId = DISPATCH_WATERFALL;
  }

  /** Continues an active dialog, or starts this one for a new command. */
  async run(context: TurnContext, dialogState: StatePropertyAccessor<DialogState>): Promise<void> {
    const dialogSet = new DialogSet(dialogState);
    dialogSet.add(this);
    const dialogContext = await dialogSet.createContext(context);
    const result = await dialogContext.continueDialog();
    if (result.status === DialogTurnStatus.empty) await dialogContext.beginDialog(this.id);
  }

  /** Matches the text against the command table and answers it, or says it did not understand. */
  private async dispatchStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const locale = toLocale(step.context.activity.locale);
    const text = commandTextOf(step.context).trim();
    const command = parseCommand(text);
    switch (command?.id) {
      case 'help':
        await step.context.sendActivity({
          attachments: [CardFactory.adaptiveCard(renderCard('help', { commands: commandHelp(locale) }, locale))],
        });
        break;
      case undefined:
        await step.context.sendActivity(t(locale, 'unknownCommand', { text: text.slice(0, 100) }));
        break;
    }
    return step.endDialog();
  }
}
