import { SNOOZE_ALERT_VERB, TAKE_CUSTOMER_VERB } from '../../bot/alertHandlers';
import { alertDigestCard, expiryAlertCard, urgencyColor } from '../../bot/proactive/alertCards';
import { MAX_DIGEST_ROWS } from '../../services/alerts/expiryAlerter';
import { createCardValidator } from '../../cards/schemaValidator';
import { MEGAN, row } from './support';

const validate = createCardValidator();
const HOSTILE = 'Contoso [Beta] *Ltd* <script> @everyone';

interface Action {
  type: string;
  title: string;
  verb?: string;
  data: Record<string, unknown>;
}

function actionsOf(card: unknown): Action[] {
  const found: Action[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const record = node as Record<string, unknown>;
      if (typeof record.type === 'string' && record.type.startsWith('Action.')) found.push(record as unknown as Action);
      Object.values(record).forEach(walk);
    }
  };
  walk(card);
  return found;
}

describe('the expiry alert card', () => {
  it('shows a hostile customer name literally: no markdown, no HTML, no mention', () => {
    const card = expiryAlertCard({ subscription: row({ customerName: HOSTILE, daysLeft: 3 }) }, MEGAN.aadObjectId, 'en');
    const json = JSON.stringify(card);
    expect(json).toContain('Contoso [Beta] ∗Ltd∗ <\u2060script> @\u2060everyone');
    for (const raw of ['*Ltd*', '<script>', '@everyone']) expect(json).not.toContain(raw);
    expect(validate(card).errors).toEqual([]);
  });

  it('carries ids only: Start migration submits the migrate command, Take it and Snooze are the exported verbs', () => {
    const subscription = row({ daysLeft: 20 });
    const card = expiryAlertCard({ subscription }, MEGAN.aadObjectId, 'en');
    const ids = { customerId: subscription.customerId, subscriptionId: subscription.subscriptionId };
    expect(actionsOf(card)).toEqual([
      { type: 'Action.Submit', title: 'Start migration', style: 'positive', data: { command: 'migrate', ...ids } },
      { type: 'Action.Execute', title: 'Take it', verb: TAKE_CUSTOMER_VERB, data: ids },
      { type: 'Action.Execute', title: 'Snooze 7 days', verb: SNOOZE_ALERT_VERB, data: ids },
    ]);
  });

  it('offers no "Take it" once someone looks after the customer, and no snooze once it expired', () => {
    const assigned = expiryAlertCard({ subscription: row({ daysLeft: 20 }), accountManager: MEGAN }, 'someone-else', 'en');
    expect(actionsOf(assigned).map((a) => a.verb ?? a.title)).toEqual(['Start migration', SNOOZE_ALERT_VERB]);
    expect(JSON.stringify(assigned)).toContain('Megan Bowen');
    const expired = expiryAlertCard({ subscription: row({ daysLeft: -4 }), accountManager: MEGAN }, MEGAN.aadObjectId, 'de');
    expect(actionsOf(expired).map((a) => a.verb ?? a.title)).toEqual(['Migration starten']);
    expect(JSON.stringify(expired)).toContain('Seit 4 Tagen abgelaufen');
    expect(JSON.stringify(expired)).toContain('"value":"Sie"');
  });

  it.each([
    [-1, 'attention'],
    [0, 'attention'],
    [7, 'attention'],
    [8, 'default'],
    [30, 'default'],
    [31, 'default'],
    [90, 'default'],
  ])('%i days left is coloured %s', (daysLeft, colour) => {
    expect(urgencyColor(row({ daysLeft }))).toBe(colour);
    const card = expiryAlertCard({ subscription: row({ daysLeft }) }, MEGAN.aadObjectId, 'en');
    expect((card.body[1] as { color: string }).color).toBe(colour);
  });

  it('shows the end date and users on Kaizala Pro in the reader\'s format', () => {
    const subscription = row({ commitmentEndDate: '2026-06-30T23:59:59Z', usersOnKaizala: 38 });
    expect(JSON.stringify(expiryAlertCard({ subscription }, MEGAN.aadObjectId, 'en'))).toContain('Jun 30, 2026');
    const german = JSON.stringify(expiryAlertCard({ subscription }, MEGAN.aadObjectId, 'de'));
    expect(german).toContain('30. Juni 2026');
    expect(german).toContain('"title":"Benutzer mit Kaizala Pro","value":"38"');
  });
});

describe('the alert digest card', () => {
  it('lists each subscription with its own Start migration button, names shown literally', () => {
    const subs = [row({ daysLeft: 2, customerName: HOSTILE }), row({ daysLeft: 25 })];
    const card = alertDigestCard(subs.map((subscription) => ({ subscription })), MEGAN.aadObjectId, 'en');
    expect(JSON.stringify(card)).toContain('2 Kaizala Pro subscriptions need attention');
    expect(JSON.stringify(card)).not.toContain('<script>');
    expect(actionsOf(card)).toEqual(
      subs.map((s) => ({ type: 'Action.Submit', title: 'Start migration', data: { command: 'migrate', customerId: s.customerId, subscriptionId: s.subscriptionId } })),
    );
    expect(validate(card).errors).toEqual([]);
  });

  it(`stays under 40 KB with ${MAX_DIGEST_ROWS} rows of long names`, () => {
    const subs = Array.from({ length: MAX_DIGEST_ROWS }, () => row({ customerName: `${HOSTILE} ${'Regional Subsidiary '.repeat(10)}`.slice(0, 200) }));
    const card = alertDigestCard(
      subs.map((subscription) => ({ subscription, accountManager: MEGAN })),
      'someone-else',
      'de',
    );
    expect(Buffer.byteLength(JSON.stringify(card), 'utf8')).toBeLessThan(40 * 1024);
    expect(validate(card).valid).toBe(true);
  });
});
