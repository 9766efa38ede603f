import { CloudAdapter, ConfigurationBotFrameworkAuthentication, type ConversationReference, type TurnContext } from 'botbuilder';
import { ConversationReferences } from '../../bot/proactive/conversationReferences';
import { SendRateLimiter, type Clock } from '../../services/http/pacing/sendRateLimiter';
import { ProactiveDeliveryError, TeamsProactiveMessenger, type ProactiveAdapter } from '../../bot/proactive/teamsProactiveMessenger';
import { silentLogger } from '../../services/logging';
import { openSqliteStore } from '../../services/store/sqliteStore';
import type { Store } from '../../services/store/store';
import { EnforcingConnector } from '../../bench/teamsConnector';

const TENANT = '00000000-0000-0000-0000-0000000000a1';
const FAST_RETRY = { maxAttempts: 4, maxTotalMs: 30_000, baseDelayMs: 50, maxDelayMs: 200 };

function personId(n: number): string {
  return `00000000-0000-0000-0000-${String(n).padStart(12, '0')}`;
}

async function install(conversations: ConversationReferences, serviceUrl: string, n: number, locale = 'en-US'): Promise<string> {
  const aadObjectId = personId(n);
  await conversations.save(aadObjectId, () => ({
    aadObjectId,
    name: `Person ${n}`,
    locale,
    tenantId: TENANT,
    reference: {
      serviceUrl,
      channelId: 'msteams',
      bot: { id: '28:kaizala-bot', name: 'Kaizala Migration Assistant' },
      user: { id: `29:person-${n}`, name: `Person ${n}`, aadObjectId },
      conversation: { id: `a:chat-${n}`, conversationType: 'personal', tenantId: TENANT, isGroup: false, name: '' },
    },
  }));
  return aadObjectId;
}

describe('the proactive messenger against a Bot Connector that enforces Teams limits', () => {
  let store: Store;
  let conversations: ConversationReferences;
  let connector: EnforcingConnector;
  const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({}));

  async function setUp(options?: ConstructorParameters<typeof EnforcingConnector>[0]): Promise<TeamsProactiveMessenger> {
    connector = new EnforcingConnector(options);
    await connector.start();
    store = openSqliteStore(':memory:');
    conversations = new ConversationReferences(store);
    return new TeamsProactiveMessenger({ adapter, botAppId: '', conversations, store, logger: silentLogger, retry: FAST_RETRY });
  }
  afterEach(async () => {
    await connector.stop();
    await store.close();
  });

  it('in steady state never trips the per-conversation limits, even with sends to one person in parallel', async () => {
    const messenger = await setUp();
    const people = await Promise.all([1, 2, 3].map((n) => install(conversations, connector.url, n)));
    const started = Date.now();
    await Promise.all(people.flatMap((id) => Array.from({ length: 14 }, (_, i) => messenger.sendToPerson(id, () => `message ${i}`))));

    expect(connector.refused).toEqual([]);
    for (const n of [1, 2, 3]) expect(connector.deliveredTo(`a:chat-${n}`)).toHaveLength(14);
    // 7 per 2 s is the binding rule here: 14 messages need at least 2 s, and pacing should not need much more.
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_000);
    expect(Date.now() - started).toBeLessThan(8_000);
  });

  it('in steady state never trips the per-app limit when many people are alerted at once', async () => {
    const messenger = await setUp();
    const people = await Promise.all(Array.from({ length: 30 }, (_, n) => install(conversations, connector.url, n + 1)));
    await Promise.all(people.flatMap((id) => [1, 2, 3].map((i) => messenger.sendToPerson(id, () => `alert ${i}`))));
    expect(connector.refused).toEqual([]);
    expect(connector.delivered).toHaveLength(90);
  });

  it('recovers when Teams does answer 429: every message arrives, exactly once', async () => {
    // A stricter connector than the pacing assumes (2 per second): 429s are certain.
    const messenger = await setUp({ perConversation: [{ limit: 2, windowMs: 1_000 }], retryAfterSeconds: 1 });
    const id = await install(conversations, connector.url, 1);
    const texts = Array.from({ length: 6 }, (_, i) => `message ${i}`);
    await Promise.all(texts.map((text) => messenger.sendToPerson(id, () => text)));

    expect(connector.refused.length).toBeGreaterThan(0);
    expect(connector.refused.every((r) => r.status === 429)).toBe(true);
    expect(connector.deliveredTo('a:chat-1').map((d) => d.activity.text).sort()).toEqual(texts);
  });

  it('retries a 429 without Retry-After and a 412 with jittered backoff', async () => {
    const messenger = await setUp();
    const id = await install(conversations, connector.url, 1);
    connector.script('a:chat-1', { status: 429 }, { status: 412 });
    const sent = await messenger.sendToPerson(id, () => 'after two refusals');
    expect(sent).toEqual({ conversationKey: id, activityId: 'sent-1' });
    expect(connector.refused.map((r) => r.status)).toEqual([429, 412]);
    const audit = await store.list<{ outcome: string; attempts: number }>('audit');
    expect(audit.map((a) => a.value)).toEqual([expect.objectContaining({ outcome: 'delivered', attempts: 3 })]);
  });

  it('on 403 removes that reference without retrying, while everyone else still gets theirs', async () => {
    const messenger = await setUp();
    const [blocked, alex, megan] = await Promise.all([1, 2, 3].map((n) => install(conversations, connector.url, n)));
    connector.script('a:chat-1', { status: 403, code: 'ConversationBlockedByUser' });

    const results = await Promise.allSettled([blocked, alex, megan].map((id) => messenger.sendToPerson(id, () => 'Kaizala Pro ends soon')));

    expect(results[0]).toMatchObject({ status: 'rejected', reason: expect.objectContaining({ failure: 'conversationGone', status: 403, attempts: 1 }) });
    expect((results[0] as PromiseRejectedResult).reason).toBeInstanceOf(ProactiveDeliveryError);
    expect(results.slice(1).map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
    expect(connector.refused).toHaveLength(1);
    expect(await conversations.get(blocked)).toBeUndefined();
    expect(await conversations.get(alex)).toBeDefined();
    expect(connector.deliveredTo('a:chat-2')).toHaveLength(1);
    expect(connector.deliveredTo('a:chat-3')).toHaveLength(1);
    const outcomes = (await store.list<{ outcome: string }>('audit')).map((a) => a.value.outcome).sort();
    expect(outcomes).toEqual(['conversationGone', 'delivered', 'delivered']);
  });

  it('on 404 for a send removes the reference; on 400 keeps it and does not retry', async () => {
    const messenger = await setUp();
    const [gone, refused] = await Promise.all([1, 2].map((n) => install(conversations, connector.url, n)));
    connector.script('a:chat-1', { status: 404, code: 'ConversationNotFound' });
    connector.script('a:chat-2', { status: 400, code: 'BadArgument' });
    await expect(messenger.sendToPerson(gone, () => 'x')).rejects.toMatchObject({ failure: 'conversationGone' });
    await expect(messenger.sendToPerson(refused, () => 'x')).rejects.toMatchObject({ failure: 'rejected', attempts: 1 });
    expect(await conversations.get(gone)).toBeUndefined();
    expect(await conversations.get(refused)).toBeDefined();
  });

  it('answers undefined for someone who never installed the bot, without calling Teams', async () => {
    const messenger = await setUp();
    expect(await messenger.sendToPerson(personId(99), () => 'hello')).toBeUndefined();
    expect(connector.delivered).toEqual([]);
  });

  it('renders in the stored locale and updates a message in place', async () => {
    const messenger = await setUp();
    const id = await install(conversations, connector.url, 1, 'de-DE');
    const locales: string[] = [];
    const sent = await messenger.sendToPerson(id, (locale) => {
      locales.push(locale);
      return { type: 'AdaptiveCard', version: '1.5', body: [{ type: 'TextBlock', text: locale === 'de' ? 'Hallo' : 'Hello' }] };
    });
    await messenger.update(sent!, () => 'Erledigt');

    expect(locales).toEqual(['de']);
    expect(connector.delivered.map((d) => [d.method, d.activityId ?? '', d.activity.text ?? ''])).toEqual([
      ['POST', expect.any(String), ''],
      ['PUT', sent!.activityId, 'Erledigt'],
    ]);
    expect(connector.delivered[0].activity.attachments?.[0].content).toMatchObject({ body: [{ text: 'Hallo' }] });
  });
});

/** A clock whose sleeps pass at once and are recorded. */
function instantClock(): Clock & { sleeps: number[] } {
  let now = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
  };
}

/** An adapter whose sends fail with the given statuses, one per attempt, then succeed. */
function failingAdapter(statuses: (number | { status: number; retryAfter: string })[]): ProactiveAdapter & { calls: number } {
  const adapter = {
    calls: 0,
    async continueConversationAsync(_appId: string, _reference: Partial<ConversationReference>, logic: (context: TurnContext) => Promise<void>) {
      const answer = statuses[adapter.calls++];
      const context = {
        sendActivity: async () => {
          if (answer === undefined) return { id: 'ok' };
          const status = typeof answer === 'number' ? answer : answer.status;
          const retryAfter = typeof answer === 'number' ? undefined : answer.retryAfter;
          throw Object.assign(new Error(`status ${status}`), {
            name: 'RestError',
            statusCode: status,
            response: { headers: { get: (name: string) => (name === 'retry-after' ? retryAfter : undefined) } },
          });
        },
      } as unknown as TurnContext;
      await logic(context);
    },
  };
  return adapter;
}

describe('the proactive messenger\'s retries', () => {
  async function messengerWith(adapter: ProactiveAdapter, clock: Clock) {
    const store = openSqliteStore(':memory:');
    const conversations = new ConversationReferences(store);
    const id = await install(conversations, 'http://127.0.0.1:9/', 1);
    const messenger = new TeamsProactiveMessenger({
      adapter,
      botAppId: '',
      conversations,
      store,
      logger: silentLogger,
      clock,
      limiter: new SendRateLimiter(undefined, clock),
      random: () => 0.5,
    });
    return { messenger, id };
  }

  it.each([502, 503, 504])('retries %i with growing jittered backoff and gets through', async (status) => {
    const clock = instantClock();
    const adapter = failingAdapter([status, status]);
    const { messenger, id } = await messengerWith(adapter, clock);
    await expect(messenger.sendToPerson(id, () => 'x')).resolves.toMatchObject({ activityId: 'ok' });
    expect(adapter.calls).toBe(3);
    expect(clock.sleeps).toEqual([500, 1_000]);
  });

  it('waits at least as long as Retry-After asks, plus a little jitter', async () => {
    const clock = instantClock();
    const { messenger, id } = await messengerWith(failingAdapter([{ status: 429, retryAfter: '7' }]), clock);
    await messenger.sendToPerson(id, () => 'x');
    expect(clock.sleeps).toHaveLength(1);
    expect(clock.sleeps[0]).toBeGreaterThanOrEqual(7_000);
    expect(clock.sleeps[0]).toBeLessThanOrEqual(8_000);
  });

  it('gives up after a bounded number of attempts', async () => {
    const clock = instantClock();
    const adapter = failingAdapter([503, 503, 503, 503, 503, 503]);
    const { messenger, id } = await messengerWith(adapter, clock);
    await expect(messenger.sendToPerson(id, () => 'x')).rejects.toMatchObject({ failure: 'unavailable', attempts: 4 });
    expect(adapter.calls).toBe(4);
  });

  it('does not wait out a Retry-After longer than its time budget', async () => {
    const clock = instantClock();
    const adapter = failingAdapter([{ status: 429, retryAfter: '3600' }]);
    const { messenger, id } = await messengerWith(adapter, clock);
    await expect(messenger.sendToPerson(id, () => 'x')).rejects.toMatchObject({ failure: 'throttled', attempts: 1 });
    expect(clock.sleeps).toEqual([]);
  });

  it('never retries a 403', async () => {
    const clock = instantClock();
    const adapter = failingAdapter([403, 403]);
    const { messenger, id } = await messengerWith(adapter, clock);
    await expect(messenger.sendToPerson(id, () => 'x')).rejects.toMatchObject({ failure: 'conversationGone' });
    expect(adapter.calls).toBe(1);
  });
});
