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
import { CommandModule, CommandSpec, commandHelp, parseCommand } from './commands';
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
    commands: [{ id: 'help', usage: 'help', usageDe: 'hilfe', pattern: /^(?:help|hilfe|\?)$/i, help: 'cmdHelp' }],
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
    const suggestion = suggestCommand(this.modules, text);
    await step.context.sendActivity(
      suggestion ? t(locale, 'unknownCommandDidYouMean', { text: text.slice(0, 100), suggestion: suggestion.slice(0, 100) }) : t(locale, 'unknownCommand', { text: text.slice(0, 100) }),
    );
    return step.endDialog();
  }
}

/**
 * The words a command starts with, in every language it is understood in: the literal start of its usage
 * ("history" of "history <customer>") and of each top-level alternative of its pattern ("verlauf" of
 * `^(?:history|verlauf)…`). Alternatives starting with a capture ("(.+) mir zuweisen") give none.
 */
export function commandKeywords(spec: CommandSpec): string[] {
  const literalStart = (text: string) => (/^[^<[(|\\.+*?$^{]*/.exec(text)?.[0] ?? '').trim().toLowerCase();
  const source = spec.pattern.source.replace(/^\^/, '');
  const group = source.startsWith('(?:') ? source.slice(3) : source;
  const alternatives: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of group) {
    if (char === '(') depth++;
    if (char === ')' && depth-- === 0) break;
    if (char === '|' && depth === 0) {
      alternatives.push(current);
      current = '';
    } else current += char;
  }
  alternatives.push(current);
  return [...new Set([literalStart(spec.usage), ...alternatives.map(literalStart)])].filter((keyword) => keyword.length >= 3);
}

/** Edit distance counting a swap of two neighbouring letters as one edit ("histroy" is one from "history"). */
export function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      rows[i][j] = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) rows[i][j] = Math.min(rows[i][j], rows[i - 2][j - 2] + 1);
    }
  }
  return rows[a.length][b.length];
}

/**
 * "did you mean …?" for a mistyped command: the closest command keyword to the text's first words (as many words
 * as the keyword has), within one edit for short words and two for longer ones, the rest of the text kept
 * ("histroy Contoso" → "history Contoso"). Undefined when nothing is close enough.
 */
export function suggestCommand(modules: readonly CommandModule[], text: string): string | undefined {
  const words = text.trim().toLowerCase().split(/\s+/).filter((word) => word !== '');
  if (words.length === 0) return undefined;
  let best: { distance: number; suggestion: string } | undefined;
  for (const spec of modules.flatMap((module) => module.commands)) {
    for (const keyword of commandKeywords(spec)) {
      const count = keyword.split(' ').length;
      if (words.length < count) continue;
      const typed = words.slice(0, count).join(' ');
      const distance = editDistance(typed, keyword);
      const allowed = keyword.length >= 6 ? 2 : 1;
      if (distance === 0 || distance > allowed || (best && best.distance <= distance)) continue;
      best = { distance, suggestion: [keyword, ...text.trim().split(/\s+/).slice(count)].join(' ') };
    }
  }
  return best?.suggestion;
}
