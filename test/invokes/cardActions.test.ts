import type { TurnContext } from 'botbuilder';
import { z } from 'zod';
import { createAlertInvokeHandlers, SNOOZE_ALERT_VERB, TAKE_CUSTOMER_VERB } from '../../bot/alertHandlers';
import { APPROVAL_VERBS, createApprovalHandlers } from '../../bot/approvalHandlers';
import { actionTable, defineAction, mergeActionTables, messageResponse, type InvokeHandlers } from '../../bot/invokes';
import { createRunHandlers, RUN_VERBS } from '../../bot/runHandlers';
import type { Locale } from '../../cards/i18n';
import type { Person } from '../../services/domain/people';

const MEGAN: Person = { aadObjectId: '00000000-0000-0000-0000-000000000021', name: 'Megan Bowen' };
const REQUEST_ID = 'MR-7K2Q9XW4PD';
const CUSTOMER_ID = 'c0000000-0000-4000-8000-000000000001';
const SUBSCRIPTION_ID = '5b000000-0000-4000-8000-000000000001';

/** A dependency that records any use and fails it: malformed data must never reach a use case. */
function tripwire<T>(calls: string[]): T {
  return new Proxy(
    {},
    {
      get: (_target, property) => {
        calls.push(String(property));
        return () => {
          throw new Error(`${String(property)} must not be reached`);
        };
      },
    },
  ) as T;
}

describe('defineAction and the verb table', () => {
  const ping = defineAction({
    verb: 'ping',
    data: z.strictObject({ count: z.number().int().min(1) }),
    handle: async ({ data }) => messageResponse(`pong ${data.count + 1}`),
  });
  const request = (data: unknown, locale: Locale = 'en') => ({ context: {} as TurnContext, actor: MEGAN, locale, data });

  it('runs the handler with the data its schema produced', async () => {
    expect(await ping.handler(request({ count: 2 }))).toMatchObject({ statusCode: 200, value: 'pong 3' });
  });

  it.each([undefined, null, 5, 'x', [], {}, { count: '2' }, { count: 0 }, { count: 2, extra: true }])(
    'answers data %j with a typed, localized 400 and never runs the handler',
    async (data) => {
      expect(await ping.handler(request(data, 'de'))).toEqual({
        statusCode: 400,
        type: 'application/vnd.microsoft.error',
        value: { code: 'MalformedData', message: 'Die Daten dieser Karte sind fehlerhaft. Es wurde nichts geändert.' },
      });
    },
  );

  it('refuses a verb declared twice, within a module or across modules', () => {
    expect(() => actionTable(ping, ping)).toThrow('declared twice: ping');
    expect(() => mergeActionTables(actionTable(ping), actionTable(ping))).toThrow('declared twice: ping');
  });

  it('makes a handler that reads an undeclared field, or a module that forgets a verb, fail to compile', () => {
    defineAction({
      verb: 'typed',
      data: z.strictObject({ requestId: z.string() }),
      // @ts-expect-error `version` is not in the schema, so the handler cannot read it.
      handle: async ({ data }) => messageResponse(String(data.version)),
    });
    // @ts-expect-error a table for the verbs 'ping' and 'pong' needs a handler for both.
    const incomplete: InvokeHandlers<'ping' | 'pong'> = actionTable(ping);
    expect(Object.keys(incomplete)).toEqual(['ping']);
  });
});

describe("each verb's data schema", () => {
  const calls: string[] = [];
  const handlers = mergeActionTables(
    createAlertInvokeHandlers({ actions: tripwire(calls), background: tripwire(calls) }),
    createApprovalHandlers({ approvals: tripwire(calls) }),
    createRunHandlers({ runs: tripwire(calls) }),
  );
  const click = (verb: string, data: unknown) => handlers[verb]({ context: {} as TurnContext, actor: MEGAN, locale: 'en', data });
  beforeEach(() => (calls.length = 0));

  it.each([
    [TAKE_CUSTOMER_VERB, { customerId: CUSTOMER_ID }],
    [TAKE_CUSTOMER_VERB, { customerId: '../../etc', subscriptionId: SUBSCRIPTION_ID }],
    [TAKE_CUSTOMER_VERB, { customerId: CUSTOMER_ID, subscriptionId: SUBSCRIPTION_ID, assignTo: 'someone-else' }],
    [SNOOZE_ALERT_VERB, { customerId: CUSTOMER_ID, subscriptionId: 7 }],
    [SNOOZE_ALERT_VERB, { customerId: 'c'.repeat(101), subscriptionId: SUBSCRIPTION_ID }],
    [APPROVAL_VERBS.approve, { requestId: REQUEST_ID }],
    [APPROVAL_VERBS.approve, { requestId: REQUEST_ID, version: 0 }],
    [APPROVAL_VERBS.reject, { requestId: REQUEST_ID, version: 1, rejectReason: 'r'.repeat(5_000) }],
    [APPROVAL_VERBS.refresh, { requestId: 'MR-ILOU000000', version: 1 }],
    [APPROVAL_VERBS.withdraw, { requestId: REQUEST_ID, version: 1, rejectReason: 'why not' }],
    [RUN_VERBS.retry, { runId: REQUEST_ID, version: 1, licensePath: 'fax' }],
    [RUN_VERBS.retry, { runId: '-starts-with-a-dash', version: 1 }],
    [RUN_VERBS.cancel, { runId: REQUEST_ID, version: 1, licensePath: 'graph' }],
  ])('%s with %j is a typed 400 that reaches no use case', async (verb, data) => {
    const response = await click(verb, data);
    expect(response).toMatchObject({ statusCode: 400, type: 'application/vnd.microsoft.error', value: { code: 'MalformedData' } });
    expect(calls).toEqual([]);
  });

  it('has a handler for exactly the verbs the modules export', () => {
    const verbs = [TAKE_CUSTOMER_VERB, SNOOZE_ALERT_VERB, ...Object.values(APPROVAL_VERBS), ...Object.values(RUN_VERBS)];
    expect(Object.keys(handlers).sort()).toEqual([...verbs].sort());
  });
});
