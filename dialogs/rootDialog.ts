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
import { t, toLocale, type Locale } from '../cards/i18n';
import type { AdaptiveCard } from '../cards/render';
import { CommandModule, commandHelp, parseCommand } from './commands';
import { isWizardSubmit } from './migrationWizardValidators';

export const ROOT_DIALOG = 'root';
const DISPATCH_WATERFALL = 'root.dispatch';

/** Where a message's command text comes from: typed text, or an Action.Submit button's `data.command`. */
export function commandTextOf(context: TurnContext): string {
  const value = context.activity.value as { command?: unknown } | undefined;
  if (value && typeof value.command === 'string') return value.command;
  return TurnContext.removeRecipientMention(context.activity) ?? context.activity.text ?? '';
}

/** The built-in `help` command; its card lists every module's commands. */
export function helpModule(allModules: () => readonly CommandModule[]): CommandModule {
  // The card depends only on the module list and the locale, so it is built once per locale, not every turn
  // (rebuilt should the list ever be a different one).
  let cardsFor: readonly CommandModule[] | undefined;
  const cards = new Map<Locale, AdaptiveCard>();
  const helpCard = (locale: Locale): AdaptiveCard => {
    const modules = allModules();
    if (modules !== cardsFor) {
      cards.clear();
      cardsFor = modules;
    }
    let card = cards.get(locale);
    if (!card) {
      card = renderCard('help', { commands: commandHelp(modules, locale) }, locale);
      cards.set(locale, card);
    }
    return card;
  };
  return {
    commands: [{ id: 'help', usage: 'help', pattern: /^(?:help|hilfe|\?)$/i, help: 'cmdHelp' }],
    async handle(_id, _args, step) {
      const card = helpCard(toLocale(step.context.activity.locale));
      await step.context.sendActivity({ attachments: [CardFactory.adaptiveCard(card)] });
      return step.endDialog();
    },
  };
}

/**
 * A wizard card's button pressed after its wizard ended (request sent, cancelled, dialog state lost): say so
 * plainly instead of "I did not understand". (The wizard takes its own card's buttons off when it ends; the
 * message named by an activity's `replyToId` is not trusted enough to be rewritten here.)
 */
async function answerEndedWizardButton(step: WaterfallStepContext): Promise<DialogTurnResult> {
  await step.context.sendActivity(t(toLocale(step.context.activity.locale), 'wizEnded'));
  return step.endDialog();
}

/** The conversation's entry point: reads a command and hands it to the module that owns it. */
export class RootDialog extends ComponentDialog {
  readonly modules: readonly CommandModule[];

  constructor(featureModules: readonly CommandModule[]) {
    super(ROOT_DIALOG);
    this.modules = [helpModule(() => this.modules), ...featureModules];
    for (const module of this.modules) for (const dialog of module.dialogs ?? []) this.addDialog(dialog);
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

  /** Matches the text against the command table and hands it over, or says it did not understand. */
  private async dispatchStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const text = commandTextOf(step.context).trim();
    const command = parseCommand(this.modules, text);
    if (command) return command.module.handle(command.spec.id, command.args, step);
    if (isWizardSubmit(step.context.activity.value)) return answerEndedWizardButton(step);
    const locale = toLocale(step.context.activity.locale);
    await step.context.sendActivity(t(locale, 'unknownCommand', { text: text.slice(0, 100) }));
    return step.endDialog();
  }
}
