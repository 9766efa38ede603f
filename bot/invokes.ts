import { AdaptiveCardInvokeResponse, TurnContext } from 'botbuilder';
import { Locale } from '../cards/i18n';
import { AdaptiveCard } from '../cards/render';
import { Person } from '../services/domain/people';

/** What an `Action.Execute` handler gets: who clicked, in which language, and the card's (untrusted) data. */
export interface InvokeRequest {
  context: TurnContext;
  actor: Person;
  locale: Locale;
  /** `action.data` as sent by the client: ids and a version at most; validate before use. */
  data: Readonly<Record<string, unknown>>;
}

export type InvokeHandler = (request: InvokeRequest) => Promise<AdaptiveCardInvokeResponse>;

/** Verb → handler; verbs are exported constants shared with the card templates' tests. */
export type InvokeHandlers = Readonly<Record<string, InvokeHandler>>;

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
