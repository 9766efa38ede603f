/**
 * The composition root's wiring of the connect feature: the real bot with its embedded sandbox (whose identity
 * endpoint msal-node signs in against), over real HTTP, replies read from a fake Bot Connector.
 */
import { CONNECTION_VERBS } from '../../bot/connectionHandlers';
import { startBot, type RunningBot } from '../../bot/index';
import { createLogger } from '../../services/logging';
import { ALEX, botAddedActivity, type TeamsUser } from '../support/activities';
import { testConfig } from '../support/config';
import { actionsOf, cardText, Journey, nodesOf, waitFor } from '../support/journey';

const MEGAN: TeamsUser = { id: '29:megan', aadObjectId: '00000000-0000-0000-0000-000000000021', name: 'Megan Bowen' };
const NEW_ADMIN = 'second.admin@sandboxpartner.onmicrosoft.com';

/** The journey kit, started with ALEX as the only admin. */
class AdminJourney extends Journey {
  private stopExtra?: () => void;

  constructor() {
    super(MEGAN.aadObjectId);
  }

  override async start(): Promise<void> {
    await this.connector.start();
    const test = testConfig({ APPROVERS: MEGAN.aadObjectId, ADMINS: ALEX.aadObjectId });
    this.stopExtra = test.cleanup;
    this.bot = await startBot(test.config, createLogger('warn', (line) => this.logs.push(line)));
  }

  override async stop(): Promise<void> {
    await this.bot?.close();
    await this.connector.stop();
    this.stopExtra?.();
  }
}

describe('connect partner center, wired into the bot', () => {
  const journey = new AdminJourney();
  let bot: RunningBot;

  beforeAll(async () => {
    await journey.start();
    bot = journey.bot;
    for (const user of [ALEX, MEGAN]) {
      const installed = await fetch(`${bot.url}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(botAddedActivity({ serviceUrl: journey.connector.url, user })),
      });
      expect(installed.status).toBe(200);
    }
  }, 60_000);

  afterAll(async () => {
    await journey.stop();
  });

  it('status shows the sandbox partner admin the bot signed in at start, with MFA and Reconnect for an admin only', async () => {
    const alex = await journey.say(ALEX, 'status');
    const text = alex.cards.map(cardText).join('\n');
    expect(text).toContain('Connected as\nadmin@sandboxpartner.onmicrosoft.com');
    expect(text).toContain('MFA\n✓ yes');
    expect(text).toContain('Token age\n0 days');
    expect(actionsOf(alex.cards[0]).map((a) => a.verb)).toEqual([CONNECTION_VERBS.reconnect]);
    const megan = await journey.say(MEGAN, 'status');
    expect(actionsOf(megan.cards[0])).toEqual([]);
  });

  it('refuses a non-admin, and gives an admin a code that, once approved, connects the bot as them and is confirmed in the chat', async () => {
    const refused = await journey.say(MEGAN, 'connect partner center');
    expect(refused.texts.join('\n')).toContain('**ADMINS**');

    const before = journey.connector.sent.length;
    const { cards } = await journey.say(ALEX, 'connect partner center');
    const card = cards[0];
    const userCode = String(nodesOf(card.body).find((node) => node.fontType === 'Monospace')?.text);
    const link = actionsOf(card).find((a) => a.type === 'Action.OpenUrl') as { url?: string } | undefined;
    expect(link?.url).toMatch(/^https?:\/\/.+\/devicelogin$/);

    await journey.admin('POST', `/identity/devicecodes/${encodeURIComponent(userCode)}/approve`, { userPrincipalName: NEW_ADMIN, mfa: true });
    const confirmation = await waitFor(
      'the sign-in confirmation',
      async () => journey.sentTo(ALEX, before).map((s) => s.activity.text).find((t) => typeof t === 'string' && t.startsWith('Connected')),
      20_000,
      journey.logs,
    );
    expect(confirmation).toBe(`Connected to Partner Center as **${NEW_ADMIN}**, MFA ✓.`);
    expect((await bot.backend.partnerConnection.status()).userPrincipalName).toBe(NEW_ADMIN);
  });

  it('Reconnect starts a sign-in for an admin and is refused for anyone else', async () => {
    const alex = await journey.execute(ALEX, CONNECTION_VERBS.reconnect, {});
    expect(alex.body.type).toBe('application/vnd.microsoft.card.adaptive');
    expect(cardText(alex.body.value)).toContain('Sign in to Partner Center');
    const megan = await journey.execute(MEGAN, CONNECTION_VERBS.reconnect, {});
    expect(megan.status).toBe(403);
    expect(megan.body.value.code).toBe('NotAnAdmin');
  });
});
