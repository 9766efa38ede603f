import { renderCard, type AlertUrgencyColor } from '../../cards/cards';
import { t, type Locale } from '../../cards/i18n';
import { formatCount, formatDate, plural, URGENCY_STYLE, urgencyOf } from '../../cards/format';
import type { AdaptiveCard } from '../../cards/render';
import type { DigestPart, ExpiryAlert } from '../../services/alerts/notifier';
import type { ExpiringSubscription } from '../../services/domain/expiring';

/** Extra state of an alert card after its reader acted on it. */
export interface AlertCardState {
  /** '' or a sentence about what just happened. */
  notice?: string;
  /** False once snoozed: the button has done its job. */
  snoozable?: boolean;
}

/** An alert card for `viewerAadObjectId`, worded in `locale`. */
export function expiryAlertCard(alert: ExpiryAlert, viewerAadObjectId: string, locale: Locale, state: AlertCardState = {}): AdaptiveCard {
  const subscription = alert.subscription;
  return renderCard(
    'expiryAlert',
    {
      customerId: subscription.customerId,
      subscriptionId: subscription.subscriptionId,
      customerName: subscription.customerName,
      offerName: subscription.offerName,
      endDate: formatEndDate(subscription.commitmentEndDate, locale),
      daysLeftText: daysLeftText(subscription, locale),
      usersOnKaizala: subscription.usersOnKaizala,
      urgencyColor: urgencyColor(subscription),
      accountManager: accountManagerText(alert, viewerAadObjectId, locale),
      canTake: alert.accountManager === undefined,
      canSnooze: (state.snoozable ?? true) && !isExpired(subscription),
      notice: state.notice ?? '',
    },
    locale,
  );
}

/** Several alerts on one card, in the order given (most urgent first). */
export function alertDigestCard(alerts: readonly ExpiryAlert[], viewerAadObjectId: string, locale: Locale, part?: DigestPart): AdaptiveCard {
  const rows = alerts.map((alert) => {
    const subscription = alert.subscription;
    return {
      customerId: subscription.customerId,
      subscriptionId: subscription.subscriptionId,
      customerName: subscription.customerName,
      details: t(locale, 'digestRowDetails', {
        when: daysLeftText(subscription, locale),
        date: formatEndDate(subscription.commitmentEndDate, locale),
        users: subscription.usersOnKaizala,
        manager: accountManagerText(alert, viewerAadObjectId, locale),
      }),
      urgencyColor: urgencyColor(subscription),
    };
  });
  const mostUrgent = alerts.map((a) => urgencyColor(a.subscription));
  const color: AlertUrgencyColor = mostUrgent.includes('attention') ? 'attention' : 'default';
  const title = part
    ? t(locale, 'digestTitlePart', { from: formatCount(part.from, locale), to: formatCount(part.to, locale), total: formatCount(part.total, locale) })
    : t(locale, 'digestTitle', { count: alerts.length });
  const more = part && part.messagesLeft > 0 ? ` ${plural(locale, 'digestMoreMessages', part.messagesLeft)}` : '';
  return renderCard('alertDigest', { title, intro: `${t(locale, 'digestIntro')}${more}`, urgencyColor: color, rows }, locale);
}

/** Red when urgent, else default text (the days-left line is bold): the urgency rule of cards/format.ts. */
export function urgencyColor(subscription: Pick<ExpiringSubscription, 'daysLeft' | 'urgency'>): AlertUrgencyColor {
  const urgency = isExpired(subscription) ? 'urgent' : urgencyOf(subscription.daysLeft);
  return URGENCY_STYLE[urgency].color === 'attention' ? 'attention' : 'default';
}

export function daysLeftText(subscription: Pick<ExpiringSubscription, 'daysLeft' | 'urgency'>, locale: Locale): string {
  const days = subscription.daysLeft;
  if (isExpired(subscription)) {
    if (days >= 0) return t(locale, 'alertExpired');
    return days === -1 ? t(locale, 'alertExpiredYesterday') : t(locale, 'alertExpiredDaysAgo', { days: -days });
  }
  if (days === 0) return t(locale, 'alertEndsToday');
  if (days === 1) return t(locale, 'alertEndsTomorrow');
  return t(locale, 'alertEndsInDays', { days });
}

/** The last day of the term (a UTC date) in the reader's date format. */
export function formatEndDate(commitmentEndDate: string, locale: Locale): string {
  return formatDate(commitmentEndDate, locale);
}

function accountManagerText(alert: ExpiryAlert, viewerAadObjectId: string, locale: Locale): string {
  const manager = alert.accountManager;
  if (!manager) return t(locale, 'alertUnassigned');
  if (manager.aadObjectId.toLowerCase() === viewerAadObjectId.toLowerCase()) return t(locale, 'alertYou');
  return manager.name || manager.userPrincipalName || manager.aadObjectId;
}

function isExpired(subscription: Pick<ExpiringSubscription, 'daysLeft' | 'urgency'>): boolean {
  return subscription.daysLeft < 0 || subscription.urgency === 'expired';
}
