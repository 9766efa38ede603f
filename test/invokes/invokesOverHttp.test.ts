import { RunningBot, startBot } from '../../bot/index';
import { APPROVAL_VERBS } from '../../bot/approvalHandlers';
import { silentLogger } from '../../services/logging';
import { testConfig } from '../support/config';
import { FakeConnector } from '../support/fakeConnector';
import { executeActivity, messageActivity, postActivity, type ActivityOptions } from '../support/activities';

type Card = { body?: unknown[]; actions?: { title?: string; data?: Record<string, unknown> }[] };

/** The first element with this id anywhere in a card (inputs sit inside containers). */
function findInput(node: unknown, id: string): Record<string, unknown> | undefined {
  if (Array.isArray(node)) return node.map((child) => findInput(child, id)).find((found) => found !== undefined);
  if (!node || typeof node !== 'object') return undefined;
  const record = node as Record<string, unknown>;
  if (record.id === id) return record;
  return findInput(Object.values(record), id);
}

/** An invoke as Teams sends it, with this `value` instead of a well-formed one (undefined = no value at all). */
function invokeWithValue(value: unknown, options: ActivityOptions): object {
  const activity: Record<string, unknown> = { ...executeActivity('unused', {}, options) };
  if (value === undefined) delete activity.value;
  else activity.value = value;
  return activity;
}

const execute = (verb: unknown, data?: unknown) => ({ action: { type: 'Action.Execute', verb, ...(data !== undefined ? { data } : {}) }, trigger: 'manual' });

const MALFORMED: readonly [string, unknown, number, string][] = [
  ['-1', -1, 400, 'MalformedAction'],
  ['"x"', 'x', 400, 'MalformedAction'],
  ['[]', [], 400, 'MalformedAction'],
  ['{}', {}, 400, 'MalformedAction'],
  ['0', 0, 400, 'MalformedAction'],
  ['no value', undefined, 400, 'MalformedAction'],
  ['{action: null}', { action: null }, 400, 'MalformedAction'],
  ['{action: {verb: 5}}', { action: { verb: 5 } }, 400, 'MalformedAction'],
  ['an Action.Submit', { action: { type: 'Action.Submit', verb: APPROVAL_VERBS.approve, data: {} } }, 400, 'MalformedAction'],
  ['a verb of 5', execute(5, {}), 400, 'UnknownVerb'],
  ['the verb __proto__', execute('__proto__', {}), 400, 'UnknownVerb'],
  ['missing data', execute(APPROVAL_VERBS.approve), 400, 'MalformedData'],
  // Within the endpoint's body limit, far beyond anything a card sends.
  ['huge data', execute(APPROVAL_VERBS.reject, { requestId: 'MR-7K2Q9XW4PD', version: 1, rejectReason: 'r'.repeat(20_000) }), 400, 'MalformedData'],
  ['data with thousands of fields', execute(APPROVAL_VERBS.approve, Object.fromEntries(Array.from({ length: 2_000 }, (_, i) => [`k${i}`, i]))), 400, 'MalformedData'],
];

describe('invokes over the real /api/messages endpoint', () => {
  const connector = new FakeConnector();
  let bot: RunningBot;
  let cleanup: () => void;
  let alex: ActivityOptions;

  beforeAll(async () => {
    await connector.start();
    const test = testConfig();
    cleanup = test.cleanup;
    bot = await startBot(test.config, silentLogger);
    alex = { serviceUrl: connector.url };
  });
  afterAll(async () => {
    await bot.close();
    await connector.stop();
    cleanup();
  });
  beforeEach(() => connector.clear());

  it.each(MALFORMED)('a card action whose value is %s gets a typed 4xx, never a bodiless 501', async (_label, value, status, code) => {
    const response = await postActivity(bot.url, invokeWithValue(value, alex));
    expect(response.status).toBe(status);
    expect(response.body).toEqual({ statusCode: status, type: 'application/vnd.microsoft.error', value: { code, message: expect.stringContaining('Nothing was changed') } });
    expect(connector.sent).toEqual([]);
  });

  it.each(['composeExtension/query', 'task/fetch', 'config/fetch', 'signin/verifyState', 'application/search', undefined])(
    'an invoke named %s, which this app does not offer, gets a typed 400',
    async (name) => {
      const activity: Record<string, unknown> = { ...invokeWithValue({ query: 'x' }, alex), name };
      if (name === undefined) delete activity.name;
      const response = await postActivity(bot.url, activity);
      expect(response).toEqual({ status: 400, body: { statusCode: 400, type: 'application/vnd.microsoft.error', value: { code: 'NotSupported', message: expect.any(String) } } });
    },
  );

  it('a card action from someone Teams does not identify is refused with 403', async () => {
    const activity = executeActivity(APPROVAL_VERBS.approve, { requestId: 'MR-7K2Q9XW4PD', version: 1 }, alex);
    const anonymous = { ...activity, from: { id: '29:anonymous', aadObjectId: '../../etc/passwd' } };
    const response = await postActivity(bot.url, anonymous);
    expect(response.status).toBe(403);
    expect(response.body).toMatchObject({ value: { code: 'UnknownUser' } });
  });

  it('a half-finished wizard survives malformed invokes and an invoke turn that fails inside the bot', async () => {
    // Real subscriptions come from a scan of the embedded sandbox.
    await postActivity(bot.url, messageActivity('scan now', alex));
    await bot.idle();
    connector.clear();
    await postActivity(bot.url, messageActivity('migrate Relecloud', alex));
    const planCard = connector.cards().at(-1) as Card | undefined;
    expect(JSON.stringify(planCard)).toContain('Relecloud');
    const next = planCard?.actions?.find((action) => action.title === 'Next')?.data;
    const planId = findInput(planCard?.body, 'planId')?.value;
    expect(next).toBeDefined();
    expect(typeof planId).toBe('string');

    const dialogStates = async () => (await bot.store.list('dialogState')).map((item) => [item.key, item.value]);
    const before = await dialogStates();
    expect(before).not.toEqual([]);

    for (const [, value, status] of MALFORMED) expect((await postActivity(bot.url, invokeWithValue(value, alex))).status).toBe(status);

    // A store failure during an invoke turn reaches onTurnError: a typed error, and the dialog is not reset.
    // Every read fails for this one turn (the first read is now the retry check, which a turn survives on its own).
    const failing = jest.spyOn(bot.store, 'get').mockImplementation(() => Promise.reject(new Error('disk on fire')));
    const failed = await postActivity(bot.url, executeActivity(APPROVAL_VERBS.approve, { requestId: 'MR-7K2Q9XW4PD', version: 1 }, alex));
    expect(failing).toHaveBeenCalled();
    failing.mockRestore();
    expect(failed.status).toBe(500);
    expect(failed.body).toEqual({ statusCode: 500, type: 'application/vnd.microsoft.error', value: { code: 'InternalError', message: expect.stringContaining('reference') } });
    expect(JSON.stringify(failed.body)).not.toContain('disk on fire');

    expect(await dialogStates()).toEqual(before);
    connector.clear();
    await postActivity(bot.url, messageActivity('', alex, { ...next, planId }));
    expect(JSON.stringify(connector.cards())).toContain('Which users move?');
  }, 90_000);
});
