import { Activity, TurnContext } from 'botbuilder';
import { Prompt, PromptOptions, PromptRecognizerResult } from 'botbuilder-dialogs';
import { t, toLocale } from '../cards/i18n';
import { Answer, InputError, recognizeNavigation, submitDataSchema, UserInput, WizardStage } from './migrationWizardValidators';

/** What every step's prompt knows (stored with the prompt, so it survives a restart): whose card is current. */
export interface StageRules {
  wizardId: string;
}

/** One step's card and rules; `validations` holds the step's JSON rules (eligible plans, seat limits, …). */
export interface StagePromptOptions<R extends StageRules> extends PromptOptions {
  prompt: Partial<Activity>;
  validations: R;
}

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
 * A wizard step waiting for its answer: sends the step's card, then reads typed text or the card's submit.
 * `back` and `cancel` end the prompt with that answer; wrong input gets a clear message naming what is expected,
 * and the prompt keeps waiting (the card stays above in the chat).
 */
export class StagePrompt<T, R extends StageRules> extends Prompt<Answer<T>> {
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
      await context.sendActivity(t(toLocale(context.activity.locale), error.key, error.params));
      return;
    }
    if (options.prompt) await context.sendActivity(options.prompt);
  }

  protected async onRecognize(context: TurnContext, state: object, options: PromptOptions): Promise<PromptRecognizerResult<Answer<T>>> {
    const rules = options.validations as R;
    const input = userInputOf(context.activity);
    const navigation = recognizeNavigation(input, rules.wizardId, this.stage);
    const answer: Answer<T> = navigation.kind === 'input' ? this.parse(input, navigation.action, rules) : navigation;
    if (answer.kind === 'invalid') {
      (state as { error?: InputError }).error = answer.error;
      return { succeeded: false };
    }
    return { succeeded: true, value: answer };
  }
}
