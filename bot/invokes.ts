import { AdaptiveCardInvokeResponse, TurnContext } from 'botbuilder';
import { z } from 'zod';
import { t, type Locale, type StringKey } from '../cards/i18n';
import { AdaptiveCard } from '../cards/render';
import { Person } from '../services/domain/people';

/** What an `Action.Execute` handler gets: who clicked, in which language, and the card's data. */
export interface InvokeRequest<Data = unknown> {
  context: TurnContext;
  actor: Person;
  locale: Locale;
  /** `action.data`: untrusted (`unknown`) as it arrives; what the action's schema made of it inside `handle`. */
  data: Data;
}

/** A verb's entry in the table: takes the untrusted request, validates it, and always answers. */
export type InvokeHandler = (request: InvokeRequest) => Promise<AdaptiveCardInvokeResponse>;

/**
 * Verb → handler, built from `defineAction` declarations. `Verb` names the verbs a table must have: a module's
 * table typed with its verb constants fails to compile when one of them has no handler.
 */
export type InvokeHandlers<Verb extends string = string> = Readonly<Record<string, InvokeHandler>> & { readonly [V in Verb]: InvokeHandler };

/** One card button's contract: its verb, the exact shape of its data, and the handler that may rely on that shape. */
export interface ActionDefinition<Verb extends string, Schema extends z.ZodType> {
  verb: Verb;
  /** What the card sends in `action.data`, nothing more; the handler only sees what this schema produced. */
  data: Schema;
  /** The message for data that does not match (default `malformedAction`). */
  malformed?: StringKey;
  handle: (request: InvokeRequest<z.output<Schema>>) => Promise<AdaptiveCardInvokeResponse>;
}

export interface CardAction<Verb extends string = string> {
  readonly verb: Verb;
  readonly handler: InvokeHandler;
}

/**
 * Declares a button: data that fails `data` gets a typed 400 and the handler never runs; a handler that reads a
 * field its schema lacks does not compile, since it only ever sees `z.output<typeof data>`.
 */
export function defineAction<Verb extends string, Schema extends z.ZodType>(definition: ActionDefinition<Verb, Schema>): CardAction<Verb> {
  return {
    verb: definition.verb,
    handler: async (request) => {
      const parsed = definition.data.safeParse(request.data);
      if (!parsed.success) return errorResponse(400, 'MalformedData', t(request.locale, definition.malformed ?? 'malformedAction'));
      return definition.handle({ ...request, data: parsed.data });
    },
  };
}

/** The verb → handler table of some declared actions; a verb declared twice is a programming error, caught at startup. */
export function actionTable<const Actions extends readonly CardAction[]>(...actions: Actions): InvokeHandlers<Actions[number]['verb']> {
  const table: Record<string, InvokeHandler> = {};
  for (const action of actions) {
    if (Object.hasOwn(table, action.verb)) throw new Error(`Card action verb declared twice: ${action.verb}`);
    table[action.verb] = action.handler;
  }
  return table as InvokeHandlers<Actions[number]['verb']>;
}

/** Several modules' tables as one; a verb claimed by two modules is a programming error, caught at startup. */
export function mergeActionTables(...tables: readonly InvokeHandlers[]): InvokeHandlers {
  const merged: Record<string, InvokeHandler> = {};
  for (const table of tables) {
    for (const [verb, handler] of Object.entries(table)) {
      if (Object.hasOwn(merged, verb)) throw new Error(`Card action verb declared twice: ${verb}`);
      merged[verb] = handler;
    }
  }
  return merged;
}

/** The most an honest card's verb is long; ours are short constants. */
const MAX_VERB_LENGTH = 100;

/**
 * The `value` of an `adaptiveCard/action` invoke as Teams sends it. Only the envelope is checked here: the verb is
 * looked up in the table (an unknown one is its own error) and the data belongs to the verb's schema.
 */
export const cardInvokeValueSchema = z.object({
  action: z.object({
    type: z.literal('Action.Execute'),
    verb: z.unknown().optional(),
    data: z.unknown().optional(),
  }),
});

export type CardInvokeValue = z.output<typeof cardInvokeValueSchema>;

/** The table's handler for a verb of any type, or undefined: inherited names (`constructor`, `__proto__`) never match. */
export function handlerFor(handlers: InvokeHandlers, verb: unknown): InvokeHandler | undefined {
  if (typeof verb !== 'string' || verb.length > MAX_VERB_LENGTH || !Object.hasOwn(handlers, verb)) return undefined;
  return handlers[verb];
}

/** Replace the clicked card with this one. */
export function cardResponse(card: AdaptiveCard): AdaptiveCardInvokeResponse {
  return { statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: card };
}

/** Show this text to the clicker; the card stays as it is. */
export function messageResponse(text: string): AdaptiveCardInvokeResponse {
  return { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: text as unknown as Record<string, unknown> };
}

/** A typed error the client shows; nothing was changed. */
export function errorResponse(statusCode: 400 | 403 | 404 | 409 | 500, code: string, message: string): AdaptiveCardInvokeResponse {
  return { statusCode, type: 'application/vnd.microsoft.error', value: { code, message } as unknown as Record<string, unknown> };
}
