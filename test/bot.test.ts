import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { RunningBot, startBot } from '../bot/index';
import { silentLogger } from '../services/logging';
import { testConfig } from './support/config';
import { FakeConnector } from './support/fakeConnector';
import { botAddedActivity, executeActivity, installationAddActivity, messageActivity, postActivity } from './support/activities';

/** Every TextBlock text and fact of a card, flattened, to assert on what a person reads. */
function cardText(card: Record<string, unknown>): string {
  const texts: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const record = node as Record<string, unknown>;
      for (const key of ['text', 'title', 'value']) if (typeof record[key] === 'string') texts.push(record[key] as string);
      Object.values(record).forEach(walk);
    }
  };
  walk(card.body);
  return texts.join('\n');
}

describe('the bot over its real /api/messages endpoint', () => {
  const connector = new FakeConnector();
  let bot: RunningBot;
  let cleanup: () => void;

  beforeAll(async () => {
    await connector.start();
    const test = testConfig();
    cleanup = test.cleanup;
    bot = await startBot(test.config, silentLogger);
  });
  afterAll(async () => {
    await bot.close();
    await connector.stop();
    cleanup();
  });
  beforeEach(() => connector.clear());

  it('welcomes a user once when installed, although Teams sends two install events', async () => {
    const options = { serviceUrl: connector.url, conversationId: 'a:welcome-once' };
    expect((await postActivity(bot.url, botAddedActivity(options))).status).toBe(200);
    expect((await postActivity(bot.url, installationAddActivity(options))).status).toBe(200);

    const cards = connector.cards();
    expect(cards).toHaveLength(1);
    expect(cardText(cards[0])).toContain('Kaizala Migration Assistant');
    expect(cardText(cards[0])).toContain('help');
    expect(connector.sent[0].conversationId).toBe('a:welcome-once');
  });

  it('answers help with the list of commands', async () => {
    await postActivity(bot.url, messageActivity('help', { serviceUrl: connector.url }));
    const cards = connector.cards();
    expect(cards).toHaveLength(1);
    expect(cardText(cards[0])).toContain('What I can do');
    expect(cardText(cards[0])).toContain('List the commands');
  });

  it('answers the welcome card\'s button, which arrives as a message with a value', async () => {
    await postActivity(bot.url, messageActivity('', { serviceUrl: connector.url }, { command: 'help' }));
    expect(cardText(connector.cards()[0])).toContain('What I can do');
  });

  it('speaks German to a German Teams client', async () => {
    await postActivity(bot.url, messageActivity('hilfe', { serviceUrl: connector.url, locale: 'de-DE' }));
    expect(cardText(connector.cards()[0])).toContain('Was ich kann');
  });

  it('answers unknown text kindly, pointing to help', async () => {
    await postActivity(bot.url, messageActivity('please buy 10 E5', { serviceUrl: connector.url }));
    expect(connector.texts()).toEqual(['Sorry, I did not understand "please buy 10 E5". Type help to see what I can do.']);
  });

  it('answers a button with an unknown verb with a typed error', async () => {
    const response = await postActivity(bot.url, executeActivity('launchRockets', { requestId: 'r1' }, { serviceUrl: connector.url }));
    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      statusCode: 400,
      type: 'application/vnd.microsoft.error',
      value: { code: 'UnknownVerb', message: expect.stringContaining('Nothing was changed') },
    });
  });

  it.each([['x'], 42, {}, 'not-an-object-id', '../../etc/passwd'])(
    'refuses a sender whose object id is %j: a typed 403 for a click, nothing run or stored for a message',
    async (aadObjectId) => {
      const options = { serviceUrl: connector.url, conversationId: `a:malformed-sender` };
      const storedReferences = async () => (await bot.store.list('conversationRefs')).length;
      const referencesBefore = await storedReferences();
      const click = executeActivity('approvalApprove', { requestId: 'MR-7K2Q9XW4PD', version: 1 }, options);
      const response = await postActivity(bot.url, { ...click, from: { ...click.from, aadObjectId } });
      expect(response.status).toBe(403);
      expect(response.body).toMatchObject({ statusCode: 403, type: 'application/vnd.microsoft.error', value: { code: 'UnknownUser' } });

      const message = messageActivity('help', options);
      expect((await postActivity(bot.url, { ...message, from: { ...message.from, aadObjectId } })).status).toBe(200);
      expect(connector.sent).toEqual([]);
      expect(await storedReferences()).toBe(referencesBefore);
    },
  );

  it('answers a message whose replies are all refused without a 5xx, and keeps serving', async () => {
    // A Bot Connector that refuses every reply: the answer fails, and so does the apology in onTurnError.
    const refusing = http.createServer((_request, response) => {
      response.writeHead(403, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: { code: 'BotNotInConversationRoster', message: 'refused' } }));
    });
    await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = refusing.address() as AddressInfo;
      const refused = { serviceUrl: `http://127.0.0.1:${port}/`, conversationId: 'a:refused' };
      expect((await postActivity(bot.url, messageActivity('help', refused))).status).toBe(200);
    } finally {
      await new Promise<void>((resolve) => refusing.close(() => resolve()));
    }
    await postActivity(bot.url, messageActivity('help', { serviceUrl: connector.url }));
    expect(cardText(connector.cards()[0])).toContain('What I can do');
  });

  it.each([null, 'a string', ['an', 'array']])('answers a button whose verb is not a string (%j) with a typed error', async (verb) => {
    const response = await postActivity(bot.url, executeActivity(verb, {}, { serviceUrl: connector.url }));
    expect(response.body).toMatchObject({ statusCode: 400, value: { code: 'UnknownVerb' } });
  });
});

describe('a bot restricted to the partner tenant', () => {
  const connector = new FakeConnector();
  let bot: RunningBot;
  let cleanup: () => void;

  beforeAll(async () => {
    await connector.start();
    const test = testConfig({ ALLOWED_TENANT_IDS: '00000000-0000-0000-0000-0000000000a1' });
    cleanup = test.cleanup;
    bot = await startBot(test.config, silentLogger);
  });
  afterAll(async () => {
    await bot.close();
    await connector.stop();
    cleanup();
  });

  it('refuses users of another tenant and runs nothing for them', async () => {
    const stranger = { serviceUrl: connector.url, tenantId: '99999999-9999-9999-9999-999999999999' };
    await postActivity(bot.url, messageActivity('help', stranger));
    expect(connector.cards()).toHaveLength(0);
    expect(connector.texts()).toEqual(["This bot only serves users of the partner's own organization."]);
  });

  it('answers a card action from another tenant with a typed error and runs nothing', async () => {
    connector.clear();
    const stranger = { serviceUrl: connector.url, tenantId: '99999999-9999-9999-9999-999999999999' };
    const response = await postActivity(bot.url, executeActivity('approvalApprove', { requestId: 'r1', version: 1 }, stranger));
    expect(response.status).toBe(403);
    expect(response.body).toMatchObject({ statusCode: 403, type: 'application/vnd.microsoft.error', value: { code: 'TenantNotAllowed' } });
    expect(connector.sent).toHaveLength(0);
  });

  it.each([42, { id: 'x' }, null])('refuses a card action whose only tenant id is %j with a typed 403', async (id) => {
    connector.clear();
    const activity = executeActivity('approvalApprove', { requestId: 'MR-7K2Q9XW4PD', version: 1 }, { serviceUrl: connector.url });
    const conversation: Record<string, unknown> = { ...activity.conversation };
    delete conversation.tenantId;
    const response = await postActivity(bot.url, { ...activity, conversation, channelData: { tenant: { id } } });
    expect(response.status).toBe(403);
    expect(response.body).toMatchObject({ statusCode: 403, type: 'application/vnd.microsoft.error', value: { code: 'TenantNotAllowed' } });
    expect(connector.sent).toHaveLength(0);
  });
});
