import { TurnContext } from 'botbuilder';
import { z } from 'zod';
import { renderCard } from '../cards/cards';
import { beginSignIn, type SignInDeps } from '../dialogs/connectCommands';
import { actionTable, cardResponse, defineAction, errorResponse, messageResponse, type InvokeHandlers } from './invokes';

/** The connection cards' `Action.Execute` verbs; cards/connectStatus.json uses exactly this one (a test checks it). */
export const CONNECTION_VERBS = {
  /** Starts a new device-code sign-in for the admin who clicked. */
  reconnect: 'partnerConnectionReconnect',
} as const;
export type ConnectionVerb = (typeof CONNECTION_VERBS)[keyof typeof CONNECTION_VERBS];

/** Reconnect carries nothing: who may sign in is decided from the clicker, never from the card. */
const reconnectData = z.strictObject({});

/**
 * Reconnect on the status and alert cards: an admin's click answers with the device code card in place of the
 * clicked one, and the confirmation follows in the same conversation; anyone else gets a typed 403 naming ADMINS.
 */
export function createConnectionHandlers(deps: SignInDeps): InvokeHandlers<ConnectionVerb> {
  return actionTable(
    defineAction({
      verb: CONNECTION_VERBS.reconnect,
      data: reconnectData,
      handle: async ({ context, actor, locale }) => {
        const reply = await beginSignIn(deps, actor, TurnContext.getConversationReference(context.activity), locale);
        if (reply.kind === 'card') return cardResponse(renderCard('connectChallenge', reply.card, locale));
        if (reply.kind === 'refused') return errorResponse(403, 'NotAnAdmin', reply.text);
        return messageResponse(reply.text);
      },
    }),
  );
}
