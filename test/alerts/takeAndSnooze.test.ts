import { SNOOZE_ALERT_VERB, TAKE_CUSTOMER_VERB } from '../../bot/alertHandlers';
import { AlertLedger } from '../../services/alerts/alertLedger';
import { Assignments } from '../../services/alerts/assignments';
import { AlertPreferences } from '../../services/alerts/preferences';
import { FakeConnector } from '../support/fakeConnector';
import { executeActivity, installationAddActivity, messageActivity, postActivity, type TeamsUser } from '../support/activities';
import { startAlertBot, type AlertBot } from './alertBot';
import { TODAY, row, saveRows } from './support';

const MEGAN_USER: TeamsUser = { id: '29:megan', aadObjectId: '00000000-0000-0000-0000-0000000000a1', name: 'Megan Bowen' };
const ALEX_USER: TeamsUser = { id: '29:alex', aadObjectId: '00000000-0000-0000-0000-000000000020', name: 'Alex Wilber' };

/** Every text of a card (TextBlocks, facts, action titles), to assert on what a person reads. */
function cardText(card: unknown): string {
  const texts: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (['text', 'title', 'value'].includes(key) && typeof value === 'string') texts.push(value);
        else walk(value);
      }
    }
  };
  walk(card);
  return texts.join('\n');
}

function verbsOf(card: unknown): string[] {
  return ((card as { actions?: { verb?: string }[] }).actions ?? []).map((a) => a.verb).filter((v): v is string => v !== undefined);
}

interface InvokeAnswer {
  statusCode: number;
  type: string;
  value: Record<string, unknown>;
}

describe('alert cards in Teams: "Take it" and "Snooze 7 days"', () => {
  const connector = new FakeConnector();
  let bot: AlertBot;
  const unassigned = row({ daysLeft: 12, customerName: 'Fabrikam Inc' });

  const as = (user: TeamsUser, locale = 'en-US') => ({ serviceUrl: connector.url, user, conversationId: `a:personal-${user.id}`, locale });

  beforeAll(async () => {
    await connector.start();
  });
  beforeEach(async () => {
    bot = await startAlertBot({ now: () => TODAY });
    await saveRows(bot.store, unassigned);
    // Both want every alert; Alex reads Teams in German.
    await postActivity(bot.url, installationAddActivity(as(MEGAN_USER)));
    await postActivity(bot.url, installationAddActivity(as(ALEX_USER, 'de-DE')));
    await postActivity(bot.url, messageActivity('alerts all', as(MEGAN_USER)));
    await postActivity(bot.url, messageActivity('alerts all', as(ALEX_USER, 'de-DE')));
    connector.clear();
  });
  afterEach(async () => {
    await bot.close();
  });
  afterAll(async () => {
    await connector.stop();
  });

  async function click(verb: string, user: TeamsUser, locale = 'en-US'): Promise<InvokeAnswer> {
    const response = await postActivity(bot.url, executeActivity(verb, { customerId: unassigned.customerId, subscriptionId: unassigned.subscriptionId }, as(user, locale)));
    return response.body as InvokeAnswer;
  }

  it('sends each person an alert card in their own language, offering "Take it" for an unassigned customer', async () => {
    expect(await bot.alerter.sendDueAlerts()).toMatchObject({ sent: 2 });
    const megan = connector.sent.find((s) => s.conversationId === 'a:personal-29:megan')!;
    const alex = connector.sent.find((s) => s.conversationId === 'a:personal-29:alex')!;
    const meganCard = megan.activity.attachments![0].content;
    expect(cardText(meganCard)).toContain('Ends in 12 days');
    expect(cardText(meganCard)).toContain('Nobody yet');
    expect(verbsOf(meganCard)).toEqual([TAKE_CUSTOMER_VERB, SNOOZE_ALERT_VERB]);
    expect(cardText(alex.activity.attachments![0].content)).toContain('Endet in 12 Tagen');
  });

  it('the first click takes the customer; the second clicker is told who took it', async () => {
    await bot.alerter.sendDueAlerts();
    const [first, second] = [await click(TAKE_CUSTOMER_VERB, MEGAN_USER), await click(TAKE_CUSTOMER_VERB, ALEX_USER, 'de-DE')];

    expect(first.type).toBe('application/vnd.microsoft.card.adaptive');
    expect(cardText(first.value)).toContain('You are now the account manager of this customer.');
    expect(verbsOf(first.value)).toEqual([SNOOZE_ALERT_VERB]);
    expect(cardText(second.value)).toContain('Megan Bowen hat diesen Kunden zuerst übernommen.');
    expect(verbsOf(second.value)).not.toContain(TAKE_CUSTOMER_VERB);
    expect((await new Assignments(bot.store).get(unassigned.customerId))?.accountManager).toMatchObject({ aadObjectId: MEGAN_USER.aadObjectId, name: 'Megan Bowen' });
  });

  it('two simultaneous clicks: exactly one takes the customer', async () => {
    const answers = await Promise.all([click(TAKE_CUSTOMER_VERB, MEGAN_USER), click(TAKE_CUSTOMER_VERB, ALEX_USER)]);
    const notices = answers.map((a) => cardText(a.value));
    expect(notices.filter((n) => n.includes('You are now the account manager'))).toHaveLength(1);
    expect(notices.filter((n) => n.includes('took this customer first'))).toHaveLength(1);
  });

  it('after a take, the other recipient\'s alert card is updated in place to show who has the customer', async () => {
    await bot.alerter.sendDueAlerts();
    const alexAlert = (await new AlertLedger(bot.store).all()).find((r) => r.value.recipient.aadObjectId === ALEX_USER.aadObjectId)!;
    connector.clear();
    await click(TAKE_CUSTOMER_VERB, MEGAN_USER);
    await bot.background.idle();

    expect(connector.sent).toHaveLength(1);
    expect(connector.sent[0]).toMatchObject({ method: 'PUT', conversationId: 'a:personal-29:alex', activityId: alexAlert.value.message?.activityId });
    const updated = connector.sent[0].activity.attachments![0].content;
    expect(cardText(updated)).toContain('Megan Bowen');
    expect(verbsOf(updated)).toEqual([SNOOZE_ALERT_VERB]);
  });

  it('"Snooze 7 days" silences that subscription for the clicker only, and the card says until when', async () => {
    const answer = await click(SNOOZE_ALERT_VERB, MEGAN_USER);
    expect(cardText(answer.value)).toContain('Snoozed until May 8, 2026.');
    expect(verbsOf(answer.value)).toEqual([TAKE_CUSTOMER_VERB]);

    await bot.alerter.sendDueAlerts();
    expect(connector.sent.map((s) => s.conversationId)).toEqual(['a:personal-29:alex']);
    expect(await new AlertPreferences(bot.store).activeSnoozes(TODAY)).toEqual(
      new Set([`${MEGAN_USER.aadObjectId}/${unassigned.customerId}/${unassigned.subscriptionId}`]),
    );
  });

  it('refuses card data that is not a pair of ids, and a subscription the scan no longer has', async () => {
    const malformed = await postActivity(bot.url, executeActivity(TAKE_CUSTOMER_VERB, { customerId: '../../etc', subscriptionId: 7 }, as(MEGAN_USER)));
    expect(malformed.body).toMatchObject({ statusCode: 400, value: { code: 'MalformedData' } });
    const unknown = await postActivity(
      bot.url,
      executeActivity(SNOOZE_ALERT_VERB, { customerId: unassigned.customerId, subscriptionId: '00000000-0000-0000-0000-000000000999' }, as(MEGAN_USER)),
    );
    expect(unknown.body).toMatchObject({ statusCode: 404, value: { code: 'UnknownSubscription' } });
  });
});
