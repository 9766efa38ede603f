import { Activity, TurnContext } from 'botbuilder';
import { Prompt, PromptOptions, PromptRecognizerResult } from 'botbuilder-dialogs';
import { t, toLocale, type StringKey } from '../cards/i18n';
import { Answer, InputError, recognizeNavigation, submitDataSchema, UserInput, WizardStage } from './migrationWizardValidators';

/** What every step's prompt knows (stored with the prompt, so it survives a restart): whose card is current. */
export interface StageRules {
  wizardId: string;
}

/** One step's card and rules; `validations` holds the step's JSON rules (eligible plans, seat limits, …). */
export interface StagePromptOptions<R extends StageRules> extends PromptOptions {
  prompt: Partial<Activity>;
  validations: R;
  /** The wizard's card so far: this step's card replaces it in place instead of adding one more to the chat. */
  cardId?: string;
}

/** A step's answer and where the wizard's card now is (the next step replaces that message). */
export type StageAnswer<T> = Answer<T> & { cardId?: string };

/**
 * Shows a card: replaces the message `replaceId` in place when given (the wizard keeps one card), else sends it.
 * A message that can no longer be updated (deleted, another client) is replaced by a new one. Returns its id.
 */
export async function showCard(context: TurnContext, activity: Partial<Activity>, replaceId: string | undefined): Promise<string | undefined> {
  if (replaceId) {
    try {
      await context.updateActivity({ ...activity, type: 'message', id: replaceId });
      return replaceId;
    } catch {
      // Falls through: the step still gets its card, as a new message.
    }
  }
  return (await context.sendActivity(activity))?.id;
}

const WIZARD_HELP = /^(?:help|hilfe|\?)$/i;

/** What each step wants, said when `help` is typed at it. */
const STAGE_HELP: Readonly<Record<WizardStage, StringKey>> = {
  subscription: 'wizHelpSubscription',
  plan: 'wizHelpPlan',
  users: 'wizHelpUsers',
  quantity: 'wizHelpQuantity',
  review: 'wizHelpReview',
};

export type StageParser<T, R extends StageRules> = (input: UserInput, action: string | undefined, rules: R) => Answer<T>;

/**
 * The text and Action.Submit data of a message: wizard cards submit, users may also type. Both are untrusted: text
 * that is not a string counts as empty, a value that is not a record is ignored (Teams sends none), and a record
 * no wizard card could have sent is marked unreadable rather than read.
 */
export function userInputOf(activity: Partial<Activity>): UserInput {
  const text = typeof activity.text === 'string' ? activity.text.trim() : '';
  const value: unknown = activity.value;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { text };
  const submit = submitDataSchema.safeParse(value);
  return submit.success ? { text, value: submit.data } : { text, unreadable: true };
}

/**
 * A wizard step waiting for its answer: shows the step's card (in place of the previous step's), then reads typed
 * text or the card's submit. `back` and `cancel` end the prompt with that answer; wrong input gets a clear message
 * naming what is expected, and the prompt keeps waiting (the card stays above in the chat).
 */
export class StagePrompt<T, R extends StageRules> extends Prompt<StageAnswer<T>> {
  constructor(
    dialogId: string,
    private readonly stage: WizardStage,
    private readonly parse: StageParser<T, R>,
  ) {
    super(dialogId);
  }

  protected async onPrompt(context: TurnContext, state: object, options: PromptOptions, isRetry: boolean): Promise<void> {
    const error = (state as { error?: InputError }).error;
    if (isRetry && error) {
      const locale = toLocale(context.activity.locale);
      const why = error.why ? ` ${t(locale, error.why.key, error.why.params)}` : '';
      await context.sendActivity(`${t(locale, error.key, error.params)}${why}`);
      return;
    }
    if (options.prompt) {
      const cardId = await showCard(context, options.prompt as Partial<Activity>, (options as StagePromptOptions<R>).cardId);
      (state as { cardId?: string }).cardId = cardId;
    }
  }

  protected async onRecognize(context: TurnContext, state: object, options: PromptOptions): Promise<PromptRecognizerResult<StageAnswer<T>>> {
    const rules = options.validations as R;
    const input = userInputOf(context.activity);
    // `help` typed inside the wizard is about the wizard: what this step wants and how to leave, not a wrong answer.
    if (!input.value && WIZARD_HELP.test(input.text)) {
      (state as { error?: InputError }).error = { key: 'wizHelp', why: { key: STAGE_HELP[this.stage] } };
      return { succeeded: false };
    }
    const navigation = recognizeNavigation(input, rules.wizardId, this.stage);
    const answer: Answer<T> = navigation.kind === 'input' ? this.parse(input, navigation.action, rules) : navigation;
    if (answer.kind === 'invalid') {
      (state as { error?: InputError }).error = answer.error;
      return { succeeded: false };
    }
    return { succeeded: true, value: { ...answer, cardId: (state as { cardId?: string }).cardId } };
  }
}
