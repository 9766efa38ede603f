import { RunningBot, startBot } from '../../bot/index';
import { ConversationReferences } from '../../bot/proactive/conversationReferences';
import { silentLogger } from '../../services/logging';
import { testConfig } from '../support/config';
import { activity, json, rawRequest, ServiceUrlRecorder } from './support';

/**
 * Issue 9, item 6: in local mode (no app id, no authentication) a web page the developer visits could post a form
 * to http://127.0.0.1:3978/api/messages — browsers send form-urlencoded, multipart and text/plain cross-origin
 * without a preflight, and a text/plain form can carry a JSON body. The bot must refuse anything a page can send,
 * process nothing, reply nowhere and store nothing; the sandbox's admin API the same.
 */
describe('local mode refuses what a web page can send', () => {
  let bot: RunningBot;
  let cleanup: () => void;
  const attackerInbox = new ServiceUrlRecorder();
  const victim = '00000000-0000-0000-0000-0000000000021';
  const references = () => new ConversationReferences(bot.store);
  const formActivity = () => json(activity(attackerInbox.url, { text: 'help', from: { id: '29:megan', aadObjectId: victim, name: 'Megan Bowen' } }));

  beforeAll(async () => {
    await attackerInbox.start();
    const test = testConfig();
    cleanup = test.cleanup;
    bot = await startBot(test.config, silentLogger);
  });
  afterAll(async () => {
    await bot.close();
    await attackerInbox.close();
    cleanup();
  });

  it.each([
    ['a text/plain form from another origin carrying JSON', { 'Content-Type': 'text/plain', Origin: 'https://evil.example' }, 403],
    ['a form-urlencoded post from another origin', { 'Content-Type': 'application/x-www-form-urlencoded', Origin: 'https://evil.example' }, 403],
    ['a multipart form from another origin', { 'Content-Type': 'multipart/form-data; boundary=x', Origin: 'https://evil.example' }, 403],
    ['a sandboxed frame (Origin: null)', { 'Content-Type': 'text/plain', Origin: 'null' }, 403],
    ['JSON with only a Referer (a page that hides its origin)', { 'Content-Type': 'application/json', Referer: 'https://evil.example/page' }, 403],
    ['JSON from another origin', { 'Content-Type': 'application/json', Origin: 'http://localhost:56150' }, 403],
    ['text/plain without Origin or Referer', { 'Content-Type': 'text/plain' }, 415],
    ['form-urlencoded without Origin or Referer', { 'Content-Type': 'application/x-www-form-urlencoded' }, 415],
  ])('%s is refused (%#)', async (_name, headers, status) => {
    const reply = await rawRequest(bot.url, { headers, body: formActivity() });
    expect(reply.status).toBe(status);
  });

  it('none of them was processed: no reply went to the form’s serviceUrl and no conversation was stored', async () => {
    await bot.idle();
    expect(attackerInbox.requests).toEqual([]);
    expect(await references().get(victim)).toBeUndefined();
  });

  it('the same activity as JSON from a non-browser client is processed (the control)', async () => {
    const reply = await rawRequest(bot.url, { headers: { 'Content-Type': 'application/json' }, body: formActivity() });
    expect(reply.status).toBe(200);
    await bot.idle();
    expect(attackerInbox.requests.length).toBeGreaterThan(0);
    expect((await references().get(victim))?.value.reference.serviceUrl).toBe(attackerInbox.url);
  });

  describe('an activity without a well-formed envelope is 400 before any turn', () => {
    const base = () => activity(attackerInbox.url, { text: 'help' });
    const without = (field: string) => {
      const copy: Record<string, unknown> = base();
      delete copy[field];
      return copy;
    };
    it.each([
      ['a javascript: serviceUrl', { ...base(), serviceUrl: 'javascript:alert(1)' }],
      ['a file: serviceUrl', { ...base(), serviceUrl: 'file:///etc/passwd' }],
      ['a serviceUrl that is not a URL', { ...base(), serviceUrl: 'not a url' }],
      ['a null serviceUrl', { ...base(), serviceUrl: null }],
      ['no channelId', without('channelId')],
      ['no conversation', without('conversation')],
      ['a conversation without id', { ...base(), conversation: { conversationType: 'personal' } }],
      ['a null recipient', { ...base(), recipient: null }],
      ['a from without id', { ...base(), from: {} }],
      ['a tenantId that is an object', { ...base(), conversation: { id: 'a:x', tenantId: { id: 'x' } } }],
      ['text that is not a string', { ...base(), text: false }],
      ['membersAdded that is not a list', { ...base(), type: 'conversationUpdate', membersAdded: 'x' }],
      ['a member that is null', { ...base(), type: 'conversationUpdate', membersAdded: [null] }],
    ])('%s', async (_name, body) => {
      const reply = await rawRequest(bot.url, { headers: { 'Content-Type': 'application/json' }, body: json(body) });
      expect(reply).toMatchObject({ status: 400, body: json({ error: 'notAnActivity' }) });
    });

    it('none of them reached the serviceUrl', async () => {
      await bot.idle();
      const before = attackerInbox.requests.length;
      await rawRequest(bot.url, { headers: { 'Content-Type': 'application/json' }, body: json({ ...base(), text: false }) });
      await bot.idle();
      expect(attackerInbox.requests.length).toBe(before);
    });
  });

  describe('the sandbox admin API', () => {
    const admin = (headers: Record<string, string>, body?: string, method = 'POST') =>
      rawRequest(bot.backend.embeddedSandbox?.url ?? '', { method, path: '/_sandbox/clock', headers, body });
    const offset = async () => JSON.parse((await admin({}, undefined, 'GET')).body).offsetMs as number;

    it.each([
      ['text/plain JSON', { 'Content-Type': 'text/plain' }, 415],
      ['a form', { 'Content-Type': 'application/x-www-form-urlencoded' }, 415],
      ['no content type', {}, 415],
      ['JSON from a page', { 'Content-Type': 'application/json', Origin: 'https://evil.example' }, 403],
      ['JSON with a Referer', { 'Content-Type': 'application/json', Referer: 'https://evil.example/' }, 403],
    ])('refuses %s and changes nothing', async (_name, headers, status) => {
      const before = await offset();
      const reply = await admin(headers as Record<string, string>, json({ advanceDays: 30 }));
      expect(reply.status).toBe(status);
      expect(await offset()).toBe(before);
    });

    it('a GET from a page is refused too', async () => {
      expect((await admin({ Origin: 'https://evil.example' }, undefined, 'GET')).status).toBe(403);
    });

    it('accepts JSON from a non-browser client (the control)', async () => {
      const before = await offset();
      const reply = await admin({ 'Content-Type': 'application/json; charset=utf-8' }, json({ advanceMs: 1000 }));
      expect(reply.status).toBe(200);
      expect(await offset()).toBe(before + 1000);
    });
  });
});
