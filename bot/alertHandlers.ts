import { t, type Locale } from '../cards/i18n';
import type { AlertActions } from '../services/alerts/alertActions';
import { expiryAlertCard, formatEndDate } from './proactive/alertCards';
import type { BackgroundRunner } from '../services/background';
import { z } from 'zod';
import { resourceIdSchema } from '../services/domain/ids';
import { actionTable, cardResponse, defineAction, errorResponse, type InvokeHandlers } from './invokes';

/** "Take it" on an alert for a customer nobody looks after. */
export const TAKE_CUSTOMER_VERB = 'alertTakeCustomer' as const;
/** "Snooze 7 days" on an alert. */
export const SNOOZE_ALERT_VERB = 'alertSnooze' as const;
export type AlertVerb = typeof TAKE_CUSTOMER_VERB | typeof SNOOZE_ALERT_VERB;

export interface AlertInvokeDeps {
  actions: AlertActions;
  /** Updating the other recipients' cards after a take runs here, after the invoke is answered. */
  background: BackgroundRunner;
}

/** What Take it and Snooze carry: the alert's customer and subscription, nothing else. */
const alertActionData = z.strictObject({ customerId: resourceIdSchema, subscriptionId: resourceIdSchema });

/** The alert cards' Action.Execute handlers, keyed by verb. Both reload everything from the ids in the card data. */
export function createAlertInvokeHandlers(deps: AlertInvokeDeps): InvokeHandlers<AlertVerb> {
  return actionTable(
    defineAction({
      verb: TAKE_CUSTOMER_VERB,
      data: alertActionData,
      handle: async ({ actor, locale, data: ids }) => {
        const result = await deps.actions.takeCustomer(actor, ids.customerId, ids.subscriptionId);
        if (result.outcome === 'unknownSubscription') return unknownSubscription(locale);
        if (result.outcome === 'taken') {
          deps.background.run('update the other alert cards of a taken customer', () =>
            deps.actions.refreshCardsOfCustomer(ids.customerId, { aadObjectId: actor.aadObjectId, subscriptionId: ids.subscriptionId }),
          );
        }
        const notice =
          result.outcome === 'taken'
            ? t(locale, 'alertNoticeTaken')
            : result.outcome === 'alreadyYours'
              ? t(locale, 'alertNoticeAlreadyYours')
              : t(locale, 'alertNoticeTakenBy', { name: result.assignment.accountManager.name || result.assignment.accountManager.aadObjectId });
        return cardResponse(expiryAlertCard(result.alert, actor.aadObjectId, locale, { notice }));
      },
    }),

    defineAction({
      verb: SNOOZE_ALERT_VERB,
      data: alertActionData,
      handle: async ({ actor, locale, data: ids }) => {
        const result = await deps.actions.snooze(actor, ids.customerId, ids.subscriptionId);
        if (result.outcome === 'unknownSubscription') return unknownSubscription(locale);
        const notice = t(locale, 'alertNoticeSnoozed', { date: formatEndDate(result.until.toISOString(), locale) });
        return cardResponse(expiryAlertCard(result.alert, actor.aadObjectId, locale, { notice, snoozable: false }));
      },
    }),
  );
}

function unknownSubscription(locale: Locale) {
  return errorResponse(404, 'UnknownSubscription', t(locale, 'alertUnknownSubscription'));
}
