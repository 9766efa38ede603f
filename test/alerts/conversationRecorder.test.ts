import { FakeConnector } from '../support/fakeConnector';
import { ALEX as ALEX_USER, installationAddActivity, messageActivity, postActivity, TENANT_ID } from '../support/activities';
import { startAlertBot, type AlertBot } from './alertBot';
import { TODAY } from './support';

describe('conversation references, kept by the bot as people install, talk and uninstall', () => {
  const connector = new FakeConnector();
  let bot: AlertBot;

  beforeAll(async () => {
    await connector.start();
  });
  beforeEach(async () => {
    bot = await startAlertBot({ now: () => TODAY, upn: async () => 'alex.wilber@partner.example' });
  });
  afterEach(async () => {
    await bot.close();
    connector.clear();
  });
  afterAll(async () => {
    await connector.stop();
  });

  const options = () => ({ serviceUrl: connector.url, conversationId: 'a:alex-personal' });

  it('stores the reference, name, locale and UPN on install, keyed by the user', async () => {
    await postActivity(bot.url, installationAddActivity(options()));
    const stored = await bot.conversations.get(ALEX_USER.aadObjectId);
    expect(stored?.key).toBe(ALEX_USER.aadObjectId);
    expect(stored?.value).toMatchObject({
      aadObjectId: ALEX_USER.aadObjectId,
      name: 'Alex Wilber',
      userPrincipalName: 'alex.wilber@partner.example',
      locale: 'en-US',
      tenantId: TENANT_ID,
      reference: { serviceUrl: connector.url, conversation: { id: 'a:alex-personal' }, user: { id: ALEX_USER.id } },
    });
    expect(stored?.value.reference.activityId).toBeUndefined();
  });

  it('does not rewrite an unchanged reference on every message, and does not ask Teams for the UPN again', async () => {
    await postActivity(bot.url, installationAddActivity(options()));
    const before = await bot.conversations.get(ALEX_USER.aadObjectId);
    const lookups = bot.upnLookups;
    await postActivity(bot.url, messageActivity('my customers', options()));
    await postActivity(bot.url, messageActivity('alerts', options()));
    const after = await bot.conversations.get(ALEX_USER.aadObjectId);
    expect(after?.version).toBe(before?.version);
    expect(bot.upnLookups).toBe(lookups);
  });

  it('updates the locale when the user switches Teams to German', async () => {
    await postActivity(bot.url, installationAddActivity(options()));
    const before = await bot.conversations.get(ALEX_USER.aadObjectId);
    await postActivity(bot.url, messageActivity('alerts', { ...options(), locale: 'de-DE' }));
    const after = await bot.conversations.get(ALEX_USER.aadObjectId);
    expect(after?.value.locale).toBe('de-DE');
    expect(after?.version).not.toBe(before?.version);
    expect(after?.value.userPrincipalName).toBe('alex.wilber@partner.example');
  });

  it('removes the reference on uninstall', async () => {
    await postActivity(bot.url, installationAddActivity(options()));
    await postActivity(bot.url, { ...installationAddActivity(options()), action: 'remove' });
    expect(await bot.conversations.get(ALEX_USER.aadObjectId)).toBeUndefined();
  });

  it('removes the reference when the bot is removed from the chat (membersRemoved)', async () => {
    await postActivity(bot.url, installationAddActivity(options()));
    const botRemoved = { ...messageActivity('', options()), type: 'conversationUpdate', text: undefined, membersRemoved: [{ id: '28:kaizala-bot' }] };
    await postActivity(bot.url, botRemoved);
    expect(await bot.conversations.get(ALEX_USER.aadObjectId)).toBeUndefined();
  });

  it('keeps no reference for group chats or channels: alerts go to personal chats only', async () => {
    const group = messageActivity('help', options());
    await postActivity(bot.url, { ...group, conversation: { ...group.conversation, conversationType: 'groupChat', id: '19:group' } });
    expect(await bot.conversations.get(ALEX_USER.aadObjectId)).toBeUndefined();
  });

  it('stores the reference when Teams cannot tell the UPN, and keeps working', async () => {
    await bot.close();
    bot = await startAlertBot({ now: () => TODAY, upn: async () => Promise.reject(new Error('members API refused')) });
    await postActivity(bot.url, installationAddActivity(options()));
    const stored = await bot.conversations.get(ALEX_USER.aadObjectId);
    expect(stored?.value.name).toBe('Alex Wilber');
    expect(stored?.value.userPrincipalName).toBeUndefined();
  });
});
