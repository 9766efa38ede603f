import { t, type Locale } from '../cards/i18n';
import type { AlertActions } from '../services/alerts/alertActions';
import { expiryAlertCard, formatEndDate } from './proactive/alertCards';
import type { BackgroundRunner } from '../services/background';
import { cardResponse, errorResponse, type InvokeHandlers } from './invokes';

/** "Take it" on an alert for a customer nobody looks after. */
export const TAKE_CUSTOMER_VERB = 'alertTakeCustomer';
/** "Snooze 7 days" on an alert. */
export const SNOOZE_ALERT_VERB = 'alertSnooze';

export interface AlertInvokeDeps {
  actions: AlertActions;
  /** Updating the other recipients' cards after a take runs here, after the invoke is answered. */
  background: BackgroundRunner;
}

/** The alert cards' Action.Execute handlers, keyed by verb. Both reload everything from the ids in the card data. */
export function createAlertInvokeHandlers(deps: AlertInvokeDeps): InvokeHandlers {
  return {
    [TAKE_CUSTOMER_VERB]: async ({ actor, locale, data }) => {
      const ids = alertIdsOf(data);
      if (!ids) return errorResponse(400, 'MalformedData', t(locale, 'malformedAction'));
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

    [SNOOZE_ALERT_VERB]: async ({ actor, locale, data }) => {
      const ids = alertIdsOf(data);
      if (!ids) return errorResponse(400, 'MalformedData', t(locale, 'malformedAction'));
      const result = await deps.actions.snooze(actor, ids.customerId, ids.subscriptionId);
      if (result.outcome === 'unknownSubscription') return unknownSubscription(locale);
      const notice = t(locale, 'alertNoticeSnoozed', { date: formatEndDate(result.until.toISOString(), locale) });
      return cardResponse(expiryAlertCard(result.alert, actor.aadObjectId, locale, { notice, snoozable: false }));
    },
  };
}

const ID = /^[A-Za-z0-9-]{1,100}$/;

/** The card data is untrusted: only well-formed ids pass. */
function alertIdsOf(data: Readonly<Record<string, unknown>>): { customerId: string; subscriptionId: string } | undefined {
  const { customerId, subscriptionId } = data;
  if (typeof customerId !== 'string' || typeof subscriptionId !== 'string') return undefined;
  return ID.test(customerId) && ID.test(subscriptionId) ? { customerId, subscriptionId } : undefined;
}

function unknownSubscription(locale: Locale) {
  return errorResponse(404, 'UnknownSubscription', t(locale, 'alertUnknownSubscription'));
}
