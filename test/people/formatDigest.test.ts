/** A digest split over several messages says which slice it carries of how many, and how many messages follow. */
import { alertDigestCard } from '../../bot/proactive/alertCards';
import { MEGAN, row } from '../alerts/support';

const text = (card: unknown): string => JSON.stringify(card);

describe('split digests', () => {
  const alerts = Array.from({ length: 25 }, () => ({ subscription: row({ daysLeft: 12 }) }));

  it('the first of three says "need attention: 1–25 of 73" and that 2 more messages follow', () => {
    const card = text(alertDigestCard(alerts, MEGAN.aadObjectId, 'en', { from: 1, to: 25, total: 73, messagesLeft: 2 }));
    expect(card).toContain('Kaizala Pro subscriptions need attention: 1–25 of 73');
    expect(card).toContain('Most urgent first. 2 more messages follow.');
  });

  it('the second says one more follows, in the singular, in German too', () => {
    expect(text(alertDigestCard(alerts, MEGAN.aadObjectId, 'en', { from: 26, to: 50, total: 73, messagesLeft: 1 }))).toContain('1 more message follows.');
    const german = text(alertDigestCard(alerts, MEGAN.aadObjectId, 'de', { from: 26, to: 50, total: 73, messagesLeft: 1 }));
    expect(german).toContain('Aufmerksamkeit brauchen: 26–50 von 73');
    expect(german).toContain('1 weitere Nachricht folgt.');
  });

  it('the last part, and a digest that was never split, announce nothing more', () => {
    expect(text(alertDigestCard(alerts.slice(0, 23), MEGAN.aadObjectId, 'en', { from: 51, to: 73, total: 73, messagesLeft: 0 }))).not.toContain('follow');
    const whole = text(alertDigestCard(alerts, MEGAN.aadObjectId, 'en'));
    expect(whole).toContain('25 Kaizala Pro subscriptions need attention');
    expect(whole).not.toContain('follow');
  });
});
