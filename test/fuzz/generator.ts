/**
 * The stranger fuzz's payloads: random and hostile activities, invokes and raw HTTP requests for /api/messages.
 * Payload `index` of seed `seed` is a pure function of both (plus the live targets in the context), so any failure
 * is replayed with `npm run fuzz -- --seed S --only INDEX`.
 *
 * "Stranger" means a person the bot does not know: never the requester, an approver or anyone whose data was set
 * up before the fuzz. Local mode has no authentication, so claiming to be Megan would make her decisions legitimate;
 * impersonation is authentication's job (tested elsewhere), not the front door's.
 */
import { gzipSync } from 'node:zlib';
import { APPROVAL_VERBS } from '../../bot/approvalHandlers';
import { SNOOZE_ALERT_VERB, TAKE_CUSTOMER_VERB } from '../../bot/alertHandlers';
import { RUN_VERBS } from '../../bot/runHandlers';
import { CONNECTION_VERBS } from '../../bot/connectionHandlers';

/** Every `Action.Execute` verb the bot handles (from the handlers' own constants, so a new verb is fuzzed too). */
export const KNOWN_VERBS: readonly string[] = [
  TAKE_CUSTOMER_VERB,
  SNOOZE_ALERT_VERB,
  ...Object.values(APPROVAL_VERBS),
  ...Object.values(RUN_VERBS),
  ...Object.values(CONNECTION_VERBS),
];

/** Objects set up before the fuzz (a pending request, a finished run, scanned customers): what strangers aim at. */
export interface FuzzTargets {
  requestIds: readonly string[];
  runIds: readonly string[];
  customerIds: readonly string[];
  customerNames: readonly string[];
  subscriptionIds: readonly string[];
}

export interface FuzzContext {
  /** The fake Bot Connector: replies to a stranger land there. */
  serviceUrl: string;
  /** A local port nobody listens on: a reply to it fails at once (never a real host: the fuzz makes no DNS lookups). */
  deadServiceUrl: string;
  targets: FuzzTargets;
  /** Bodies near this size are sent just under and just over it. */
  bodyLimitBytes: number;
  /** Lanes run their payloads one after the other; each lane has its own strangers, so their dialogs build up. */
  lanes: number;
  /** Action.Submit / Action.Execute data of the cards the bot last sent into a conversation (mutated, then sent back). */
  cardDataIn(conversationId: string): readonly CardActionData[];
}

export interface CardActionData {
  type: 'Action.Submit' | 'Action.Execute';
  verb?: string;
  data: Record<string, unknown>;
}

export type Payload =
  | { kind: 'activity'; label: string; conversationId?: string; activity: unknown }
  | { kind: 'raw'; label: string; method: string; path: string; headers: Record<string, string>; body?: Buffer };

/** mulberry32-style generator: small, fast and the same on every machine. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = Math.imul(state ^ (state >>> 15), 1 | state);
    value = (value + Math.imul(value ^ (value >>> 7), 61 | value)) ^ value;
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

class Dice {
  constructor(readonly next: () => number) {}
  int(max: number): number {
    return Math.floor(this.next() * max);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
  /** Picks one branch by weight. */
  weighted<T>(options: readonly (readonly [number, () => T])[]): T {
    const total = options.reduce((sum, [weight]) => sum + weight, 0);
    let roll = this.next() * total;
    for (const [weight, make] of options) {
      roll -= weight;
      if (roll < 0) return make();
    }
    return options[options.length - 1][1]();
  }
}

const BOT_ID = '28:kaizala-bot';
const TENANT_ID = '00000000-0000-0000-0000-0000000000a1';

/** Text that must stay inert: markdown, template syntax, bidi controls, line separators, markup, huge. */
const HOSTILE_TEXT: readonly string[] = [
  '',
  ' ',
  '${x}',
  '${',
  "${if(true, 'a', 'b')}",
  '$${x}}',
  '**bold** [phish](https://evil.example/login) ![img](https://evil.example/x.png)',
  '<at>Megan Bowen</at>',
  '<script>alert(1)</script><img src=x onerror=alert(1)>',
  '&lt;b&gt;&amp;#x202E;',
  '\u202Egnp.exe\u202C',
  'line\u2028separator\u2029paragraph',
  '~~struck~~ _it_ `code` # heading\n- list',
  '\u0000nul\u0007bell',
  '\uFEFFbom \u200B zero \u2066isolate\u2069',
  '\uD800 lone surrogate',
  '😀👩‍👩‍👧 emoji',
  'مرحبا עברית',
  "' OR 1=1 --",
  '%s%n%x',
  '../../../etc/passwd',
  'null',
  'undefined',
  '__proto__',
  'constructor',
  'hasOwnProperty',
  '{"action":"approve"}',
  'MR-AAAAAAAAAA',
  '0',
  '-1',
  '1e309',
  'NaN',
  '9'.repeat(400),
  '\n\n\t\r',
  'ǅ İ ß ﬃ',
  'Z̷̢̛a̵l̶g̸o̷',
];

function hostileText(dice: Dice, targets?: FuzzTargets): string {
  return dice.weighted<string>([
    [10, () => dice.pick(HOSTILE_TEXT)],
    [1, () => 'A'.repeat(20_000)],
    [1, () => `${dice.pick(HOSTILE_TEXT)}`.repeat(1 + dice.int(200))],
    [2, () => (targets && targets.customerNames.length > 0 ? dice.pick(targets.customerNames) : 'Nod Publishers')],
    [2, () => (targets && targets.requestIds.length > 0 ? dice.pick(targets.requestIds) : 'MR-0000000000')],
    [1, () => (targets && targets.customerIds.length > 0 ? dice.pick(targets.customerIds) : 'c1')],
    [2, () => `${dice.pick(HOSTILE_TEXT)} ${dice.pick(HOSTILE_TEXT)}`],
  ]);
}

/** An object with an own `__proto__` key, as JSON.parse makes it (JSON.stringify then keeps the key). */
function protoPolluter(): Record<string, unknown> {
  return JSON.parse('{"__proto__":{"isApprover":true,"status":"approved","polluted":true},"constructor":{"prototype":{"polluted":true}}}') as Record<string, unknown>;
}

/** Defines an own, enumerable property even for `__proto__` (plain assignment would change the prototype instead). */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function nested(depth: number): unknown {
  let value: unknown = 'deep';
  for (let level = 0; level < depth; level++) value = { a: [value] };
  return value;
}

/** Any JSON value, biased to the shapes that break parsers: wrong types, nulls, huge, prototype keys. */
function hostileValue(dice: Dice, targets?: FuzzTargets, depth = 0): unknown {
  return dice.weighted<unknown>([
    [3, () => null],
    [1, () => true],
    [1, () => false],
    [2, () => dice.pick([0, -1, 1, 1.5, -0.0001, 1e308, 2 ** 53 + 1, -(2 ** 31), 2, 3])],
    [5, () => hostileText(dice, targets)],
    [2, () => (depth < 3 ? Array.from({ length: dice.int(4) }, () => hostileValue(dice, targets, depth + 1)) : [])],
    [2, () => (depth < 3 ? hostileRecord(dice, targets, depth + 1) : {})],
    [1, () => protoPolluter()],
    [1, () => nested(50 + dice.int(400))],
    [1, () => Array.from({ length: 2_000 }, (_, i) => i)],
  ]);
}

function hostileRecord(dice: Dice, targets?: FuzzTargets, depth = 0): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  const keys = ['requestId', 'runId', 'version', 'rejectReason', 'customerId', 'subscriptionId', 'licensePath', 'command', 'action', 'wizard', 'stage', 'planId', 'quantity', 'userIds', 'choice', 'page', 'within', 'verb', 'data'];
  for (let count = dice.int(5); count > 0; count--) record[dice.pick(keys)] = hostileValue(dice, targets, depth + 1);
  return record;
}

// --- activity fields ------------------------------------------------------------------------------------------

interface Stranger {
  id: string;
  aadObjectId: string;
  name: string;
  conversationId: string;
}

/** A lane's strangers: fixed per lane and slot, so one stranger's dialog continues across the lane's payloads. */
function strangerOf(lane: number, slot: number): Stranger {
  const hex = (lane * 16 + slot).toString(16).padStart(4, '0');
  return {
    id: `29:stranger-${lane}-${slot}`,
    aadObjectId: `5f5f5f5f-0000-4000-8000-00000000${hex}`,
    name: `Stranger ${lane}.${slot}`,
    conversationId: `a:stranger-${lane}-${slot}`,
  };
}

function baseActivity(dice: Dice, context: FuzzContext, stranger: Stranger): Record<string, unknown> {
  return {
    id: `fuzz-${dice.int(1e9)}`,
    timestamp: new Date().toISOString(),
    serviceUrl: context.serviceUrl,
    channelId: 'msteams',
    from: { id: stranger.id, aadObjectId: stranger.aadObjectId, name: stranger.name },
    conversation: { id: stranger.conversationId, conversationType: 'personal', tenantId: TENANT_ID },
    recipient: { id: BOT_ID, name: 'Kaizala Migration Assistant' },
    locale: dice.pick(['en-US', 'de-DE', 'en-US', 'de']),
    channelData: { tenant: { id: TENANT_ID } },
  };
}

/**
 * How often each envelope field is made hostile, relative to the rates below: about a third of the activities get at
 * least one hostile field (refused at the door, they test the door); the rest reach the dialogs and handlers.
 */
const ENVELOPE_RATE = 0.5;

/** Hostile values for each envelope field; the rest of the activity stays well formed, so the handler is reached. */
function mutateEnvelope(dice: Dice, activity: Record<string, unknown>, context: FuzzContext): string[] {
  const mutated: string[] = [];
  const field = <T>(name: string, probability: number, values: () => T) => {
    if (!dice.chance(probability * ENVELOPE_RATE)) return;
    const value = values();
    if (value === undefined) delete activity[name];
    else activity[name] = value;
    mutated.push(name);
  };
  const aad = () => dice.pick<unknown>([undefined, null, 42, '', 'not-a-guid', 'A'.repeat(5_000), '__proto__', ['x'], {}, '5F5F5F5F-0000-4000-8000-000000000000 ']);
  field('from', 0.12, () =>
    dice.pick<() => unknown>([
      () => undefined,
      () => null,
      () => 42,
      () => 'from',
      () => [],
      () => ({}),
      () => ({ id: hostileText(dice) }),
      () => ({ id: '29:x', aadObjectId: aad(), name: hostileValue(dice) }),
      () => ({ ...(activity.from as object), name: hostileText(dice) }),
      () => protoPolluter(),
    ])(),
  );
  field('conversation', 0.1, () =>
    dice.pick<() => unknown>([
      () => undefined,
      () => null,
      () => 'conv',
      () => ({}),
      () => ({ id: hostileValue(dice) }),
      () => ({ ...(activity.conversation as object), conversationType: dice.pick(['groupChat', 'channel', 42, null]) }),
      () => ({ ...(activity.conversation as object), tenantId: hostileValue(dice) }),
      () => ({ ...(activity.conversation as object), id: `${(activity.conversation as { id: string }).id};messageid=1` }),
    ])(),
  );
  field('recipient', 0.08, () => dice.pick<unknown>([undefined, null, 7, {}, { id: hostileText(dice) }, { id: BOT_ID, name: hostileText(dice) }]));
  field('serviceUrl', 0.1, () =>
    dice.pick<unknown>([
      undefined,
      null,
      42,
      '',
      'not a url',
      context.deadServiceUrl,
      'http://localhost:1/',
      `${context.serviceUrl}x/../`,
      `${context.serviceUrl}?a=\${x}`,
      'file:///etc/passwd',
      'javascript:alert(1)',
      'http://[::1]:1/',
      ['http://127.0.0.1:1/'],
    ]),
  );
  field('channelData', 0.1, () =>
    dice.pick<unknown>([
      undefined,
      null,
      'x',
      [],
      { tenant: null },
      { tenant: 'x' },
      { tenant: { id: hostileValue(dice) } },
      { tenant: { id: TENANT_ID }, eventType: hostileText(dice) },
      { ...protoPolluter(), tenant: { id: TENANT_ID } },
    ]),
  );
  field('locale', 0.12, () => dice.pick<unknown>([undefined, null, 42, [], {}, 'de-DE', 'DE', 'xx-YY', 'en_US', '../../etc', '__proto__', 'constructor', 'toString', 'A'.repeat(20_000)]));
  field('channelId', 0.04, () => dice.pick<unknown>([undefined, null, 'webchat', 'slack', 'emulator', 42, '']));
  field('id', 0.03, () => dice.pick<unknown>([undefined, null, 42, 'A'.repeat(10_000)]));
  field('timestamp', 0.03, () => dice.pick<unknown>([undefined, 'yesterday', 0, '9999-99-99T99:99:99Z']));
  field('replyToId', 0.06, () => dice.pick<unknown>([null, 42, 'sent-1', hostileText(dice), 'x/../../y', {}]));
  field('entities', 0.06, () =>
    dice.pick<unknown>([
      null,
      'x',
      [null],
      [{ type: 'mention', mentioned: { id: BOT_ID, name: 'Kaizala' }, text: '<at>Kaizala</at>' }],
      [{ type: 'mention', mentioned: null, text: hostileValue(dice) }],
      [{ type: 'mention', mentioned: { id: BOT_ID }, text: '.*(' }],
      [{ type: 'clientInfo', locale: hostileValue(dice), timezone: hostileValue(dice) }],
    ]),
  );
  if (dice.chance(0.04 * ENVELOPE_RATE)) {
    setOwn(activity, '__proto__', { type: 'invoke', name: 'adaptiveCard/action', polluted: true });
    mutated.push('__proto__');
  }
  return mutated;
}

// --- messages -------------------------------------------------------------------------------------------------

/** The bot's commands (English and German) with hostile or aimed arguments. */
function commandText(dice: Dice, targets: FuzzTargets): string {
  const arg = () => hostileText(dice, targets);
  const text = dice.weighted<string>([
    [2, () => dice.pick(['help', 'hilfe', '?', 'HELP', ' help ', 'help me'])],
    [3, () => dice.pick(['expiring', 'ablaufend', `expiring ${dice.pick(['0', '1', '99999', '00000', '-1', '1.5', 'x', '100000'])}`, `expiring ${arg()}`])],
    [4, () => `${dice.pick(['assign', 'Assign', 'ASSIGN'])} ${arg()} to me`],
    [2, () => `unassign ${arg()}`],
    [1, () => 'my customers'],
    // One scan at a time (a second is told so); each reads the hostile customers' names again.
    [0.3, () => dice.pick(['scan now', 'jetzt scannen'])],
    [2, () => `alerts ${dice.pick(['all', 'mine', 'off', 'ALL', 'everything', arg()])}`],
    [5, () => `${dice.pick(['migrate', 'migrieren', 'Migrate'])} ${arg()}`],
    [1, () => dice.pick(['migrate', 'migrieren'])],
    [3, () => `${dice.pick(['history', 'verlauf'])} ${arg()}`],
    [4, () => `${dice.pick(['withdraw', 'zurückziehen'])} ${dice.chance(0.6) && targets.requestIds.length > 0 ? dice.pick(targets.requestIds) : arg()}`],
    [2, () => dice.pick(['back', 'cancel', 'zurück', 'abbrechen', 'stop', 'all', 'alle', 'list', 'liste', '1', '2', '25'])],
    [2, () => arg()],
  ]);
  return dice.chance(0.05) ? `<at>Kaizala Migration Assistant</at> ${text}` : text;
}

/** Action.Submit data: a live card's own data mutated, the alert's Start migration, the wizard's fields, paging. */
function submitValue(dice: Dice, context: FuzzContext, stranger: Stranger): unknown {
  const live = context.cardDataIn(stranger.conversationId).filter((action) => action.type === 'Action.Submit');
  const targets = context.targets;
  return dice.weighted<unknown>([
    [6, () => (live.length > 0 ? mutateRecord(dice, { ...dice.pick(live).data }, targets) : hostileRecord(dice, targets))],
    [2, () => ({ command: 'migrate', customerId: pickOr(dice, targets.customerIds, 'c1'), subscriptionId: dice.chance(0.5) ? pickOr(dice, targets.subscriptionIds, 's1') : hostileValue(dice, targets) })],
    [2, () => ({ command: hostileValue(dice, targets) })],
    [1, () => ({ command: commandText(dice, targets) })],
    [2, () => ({ page: hostileValue(dice), within: hostileValue(dice) })],
    [2, () => ({ wizard: hostileValue(dice), stage: dice.pick(['subscription', 'plan', 'users', 'quantity', 'review', 'x', null]), action: hostileValue(dice), planId: hostileValue(dice), quantity: hostileValue(dice), userIds: hostileValue(dice), choice: hostileValue(dice) })],
    [2, () => hostileValue(dice, targets)],
  ]);
}

/** Keeps a live card's data (its wizard id, request id, version) but changes, adds or drops a field. */
function mutateRecord(dice: Dice, record: Record<string, unknown>, targets: FuzzTargets): Record<string, unknown> {
  const keys = Object.keys(record);
  for (let count = 1 + dice.int(3); count > 0; count--) {
    const roll = dice.int(4);
    if (roll === 0 || keys.length === 0) record[dice.pick(['quantity', 'planId', 'userIds', 'choice', 'action', 'rejectReason', 'version', 'licensePath', 'extra'])] = hostileValue(dice, targets);
    else if (roll === 1) delete record[dice.pick(keys)];
    else record[dice.pick(keys)] = hostileValue(dice, targets);
  }
  if (dice.chance(0.05)) setOwn(record, '__proto__', protoPolluter());
  return record;
}

function pickOr<T>(dice: Dice, items: readonly T[], fallback: T): T {
  return items.length > 0 ? dice.pick(items) : fallback;
}

// --- invokes --------------------------------------------------------------------------------------------------

/** `action.data` aimed at the set-up objects with every hostile variation of types and versions. */
function executeData(dice: Dice, verb: unknown, context: FuzzContext, stranger: Stranger): unknown {
  const targets = context.targets;
  const live = context.cardDataIn(stranger.conversationId).filter((action) => action.type === 'Action.Execute');
  const version = () => dice.pick<unknown>([1, 2, 3, 0, -1, 1.5, '1', null, 2 ** 53, 99]);
  return dice.weighted<unknown>([
    [4, () => ({ requestId: pickOr(dice, targets.requestIds, 'MR-0000000000'), version: version(), ...(dice.chance(0.5) ? { rejectReason: hostileValue(dice, targets) } : {}) })],
    [3, () => ({ runId: pickOr(dice, targets.runIds, 'MR-0000000000'), version: version(), ...(dice.chance(0.4) ? { licensePath: dice.pick<unknown>(['graph', 'partnerCenter', 'x', null, 1]) } : {}) })],
    [3, () => ({ customerId: pickOr(dice, targets.customerIds, 'c1'), subscriptionId: pickOr(dice, targets.subscriptionIds, 's1') })],
    [2, () => ({ customerId: hostileValue(dice, targets), subscriptionId: hostileValue(dice, targets) })],
    [2, () => (live.length > 0 ? mutateRecord(dice, { ...dice.pick(live).data }, targets) : hostileRecord(dice, targets))],
    [2, () => hostileRecord(dice, targets)],
    [2, () => hostileValue(dice, targets)],
    [1, () => ({ requestId: pickOr(dice, targets.requestIds, 'x'), version: 1, extra: true, verb })],
  ]);
}

function adaptiveCardInvokeValue(dice: Dice, context: FuzzContext, stranger: Stranger): { value: unknown; verb: string } {
  const verb = dice.weighted<unknown>([
    [10, () => dice.pick(KNOWN_VERBS)],
    [1, () => dice.pick(['launchRockets', '__proto__', 'constructor', 'toString', 'hasOwnProperty', '', ' approvalApprove', 'APPROVALAPPROVE'])],
    [1, () => hostileValue(dice)],
  ]);
  const data = executeData(dice, verb, context, stranger);
  const value = dice.weighted<unknown>([
    [12, () => ({ action: { type: 'Action.Execute', verb, data }, trigger: dice.pick(['manual', 'automatic']) })],
    [1, () => ({ action: { type: dice.pick<unknown>(['Action.Submit', 'x', null, 42]), verb, data } })],
    [1, () => ({ action: { verb } })],
    [1, () => dice.pick<unknown>([-1, 'x', [], {}, null, { action: null }, { action: 'approve' }, { action: [] }, { action: { verb: { toString: 'x' } } }])],
    [1, () => undefined],
    [1, () => ({ ...protoPolluter(), action: { type: 'Action.Execute', verb, data } })],
  ]);
  return { value, verb: shown(verb) };
}

const OTHER_INVOKE_NAMES: readonly unknown[] = [
  'composeExtension/query',
  'composeExtension/submitAction',
  'task/fetch',
  'task/submit',
  'signin/verifyState',
  'signin/tokenExchange',
  'fileConsent/invoke',
  'actionableMessage/executeAction',
  'config/fetch',
  'tab/fetch',
  'message/submitAction',
  'healthCheck',
  'adaptiveCard/action ',
  'AdaptiveCard/Action',
  'adaptiveCard/search',
  '',
  null,
  42,
  undefined,
  '__proto__',
];

// --- the payloads ---------------------------------------------------------------------------------------------

function activityPayload(dice: Dice, context: FuzzContext, lane: number): Payload {
  const stranger = strangerOf(lane, dice.int(3));
  const activity = baseActivity(dice, context, stranger);
  const targets = context.targets;
  const labelParts: string[] = [];
  dice.weighted<void>([
    [36, () => {
      activity.type = 'message';
      const withValue = dice.chance(0.35);
      activity.text = withValue && dice.chance(0.7) ? '' : dice.chance(0.85) ? commandText(dice, targets) : hostileValue(dice, targets);
      if (withValue) activity.value = submitValue(dice, context, stranger);
      labelParts.push(`message${withValue ? '+value' : ''}`, typeof activity.text === 'string' ? (activity.text.split(' ')[0] || '""').slice(0, 20) : `<${typeof activity.text}>`);
    }],
    [36, () => {
      activity.type = 'invoke';
      activity.name = 'adaptiveCard/action';
      const { value, verb } = adaptiveCardInvokeValue(dice, context, stranger);
      if (value !== undefined) activity.value = value;
      labelParts.push('invoke adaptiveCard/action', verb);
    }],
    [6, () => {
      activity.type = 'invoke';
      const name = dice.pick(OTHER_INVOKE_NAMES);
      if (name !== undefined) activity.name = name;
      activity.value = dice.chance(0.5) ? hostileRecord(dice, targets) : hostileValue(dice, targets);
      labelParts.push('invoke', shown(name));
    }],
    [6, () => {
      activity.type = 'conversationUpdate';
      activity.membersAdded = dice.pick<unknown>([[{ id: BOT_ID }], [{ id: stranger.id }], [], null, 'x', [null], [{ id: hostileValue(dice) }], [{ id: BOT_ID }, { id: BOT_ID }]]);
      if (dice.chance(0.3)) activity.membersRemoved = dice.pick<unknown>([[{ id: BOT_ID }], null, [{}]]);
      activity.channelData = { tenant: { id: TENANT_ID }, eventType: dice.pick<unknown>(['teamMemberAdded', 'teamMemberRemoved', 'channelCreated', 'teamRenamed', hostileText(dice), null]) };
      if (dice.chance(0.2)) (activity.channelData as Record<string, unknown>).team = hostileValue(dice);
      labelParts.push('conversationUpdate');
    }],
    [5, () => {
      activity.type = 'installationUpdate';
      const action = dice.pick<unknown>(['add', 'remove', 'add-upgrade', 'remove-upgrade', 'x', null, 42, undefined]);
      if (action !== undefined) activity.action = action;
      labelParts.push('installationUpdate', shown(action));
    }],
    [4, () => {
      activity.type = dice.pick(['messageReaction', 'messageUpdate', 'messageDelete']);
      activity.reactionsAdded = dice.pick<unknown>([[{ type: 'like' }], [{ type: hostileText(dice) }], null, 'x', [null]]);
      if (dice.chance(0.5)) activity.reactionsRemoved = [{ type: 'heart' }];
      if (activity.type !== 'messageReaction') activity.channelData = { tenant: { id: TENANT_ID }, eventType: dice.pick(['editMessage', 'softDeleteMessage', 'undeleteMessage', 'x']) };
      labelParts.push(activity.type as string);
    }],
    [5, () => {
      const type = dice.pick<unknown>(['typing', 'endOfConversation', 'event', 'trace', 'handoff', 'deleteUserData', 'suggestion', 'command', 'commandResult', 'contactRelationUpdate', 'invokeResponse', 'delay', 'Message', 'MESSAGE', 'unknownType', '', null, 42, ['message'], {}, undefined]);
      if (type === undefined) delete activity.type;
      else activity.type = type;
      if (dice.chance(0.5)) activity.name = dice.pick<unknown>(['application/vnd.microsoft.meetingStart', 'x', null]);
      if (dice.chance(0.5)) activity.value = hostileValue(dice, targets);
      if (dice.chance(0.3)) activity.text = commandText(dice, targets);
      labelParts.push(`type=${shown(type)}`);
    }],
  ]);
  const mutated = mutateEnvelope(dice, activity, context);
  if (mutated.length > 0) labelParts.push(`[${mutated.join(',')}]`);
  return { kind: 'activity', label: labelParts.join(' '), conversationId: stranger.conversationId, activity };
}

function validActivityJson(dice: Dice, context: FuzzContext, lane: number): string {
  const stranger = strangerOf(lane, dice.int(3));
  return JSON.stringify({ ...baseActivity(dice, context, stranger), type: 'message', text: 'help' });
}

/** Raw HTTP oddities at the front door: bodies, content types, encodings, methods and paths. */
function rawPayload(dice: Dice, context: FuzzContext, lane: number): Payload {
  const json = { 'content-type': 'application/json' };
  const raw = (label: string, headers: Record<string, string>, body?: Buffer | string, method = 'POST', path = '/api/messages'): Payload => ({
    kind: 'raw',
    label,
    method,
    path,
    headers,
    body: body === undefined ? undefined : typeof body === 'string' ? Buffer.from(body, 'utf8') : body,
  });
  const valid = () => validActivityJson(dice, context, lane);
  const padded = (size: number) => {
    // A valid activity padded with a long text field to exactly `size` bytes.
    const base = JSON.parse(valid()) as Record<string, unknown>;
    base.text = '';
    const overhead = Buffer.byteLength(JSON.stringify(base));
    base.text = 'a'.repeat(Math.max(0, size - overhead));
    return JSON.stringify(base);
  };
  return dice.weighted<Payload>([
    [3, () => raw('invalid JSON', json, dice.pick(['{', '{"type":', '{"type":"message",}', "{'type':'message'}", 'NaN', '\u0000', '{"a":1}{"b":2}', '[' .repeat(3)]))],
    [2, () => raw('JSON that is not an activity', json, dice.pick(['null', '[]', '"message"', '123', 'true', '{}', '{"type":null}', '[{"type":"message"}]', '{"__proto__":{"type":"invoke"}}']))],
    [2, () => raw('empty body', dice.pick([json, {}, { 'content-type': 'text/plain' }]), dice.pick(['', undefined]))],
    [3, () => raw('wrong content type', { 'content-type': dice.pick(['text/plain', 'application/x-www-form-urlencoded', 'application/xml', 'text/html', 'application/octet-stream', 'application/json; charset=utf-16', 'application/JSON', 'application/json-patch+json', '']) }, valid())],
    [1, () => raw('form-encoded activity', { 'content-type': 'application/x-www-form-urlencoded' }, `type=message&text=help&serviceUrl=${encodeURIComponent(context.serviceUrl)}&from[id]=29:x&conversation[id]=a:form`)],
    [2, () => {
      const boundary = 'fuzzboundary';
      const body = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="x.bin"\r\nContent-Type: application/octet-stream\r\n\r\n${'x'.repeat(1 + dice.int(64 * 1024))}\r\n--${boundary}--\r\n`;
      return raw('multipart upload', { 'content-type': `multipart/form-data; boundary=${boundary}` }, body);
    }],
    [2, () => raw('gzip garbage', { ...json, 'content-encoding': 'gzip' }, dice.pick(['x', '', '\u001f\u008b', 'not gzip at all']))],
    [1, () => raw('gzip of a valid activity', { ...json, 'content-encoding': 'gzip' }, gzipSync(Buffer.from(valid())))],
    [1, () => raw('other content encoding', { ...json, 'content-encoding': dice.pick(['deflate', 'br', 'identity', 'compress', 'x-gzip', 'gzip, gzip']) }, valid())],
    [1, () => raw('body with BOM', json, `\uFEFF${valid()}`)],
    [1, () => raw('deeply nested JSON', json, `${'['.repeat(5_000 + dice.int(50_000))}${']'.repeat(5_000)}`)],
    [1, () => raw('many keys', json, JSON.stringify(Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`k${i}`, i]))))],
    [1, () => raw('body just under the limit', json, padded(context.bodyLimitBytes - 1 - dice.int(512)))],
    [1, () => raw('body just over the limit', json, padded(context.bodyLimitBytes + 1 + dice.int(512)))],
    [2, () => raw('other method', json, dice.pick([undefined, valid()]), dice.pick(['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']))],
    [2, () => raw('other path', json, valid(), 'POST', dice.pick(['/api/messages/', '/api/messages?x=${x}', '/API/MESSAGES', '/api//messages', '/api/messages/../healthz', '/%00', '/healthz', '/readyz', '/api/messages#x', `/${'a'.repeat(8_000)}`]))],
    [1, () => raw('browser-originated form', { 'content-type': 'text/plain', origin: 'https://evil.example', referer: 'https://evil.example/page' }, valid())],
    [1, () => raw('odd headers', { ...json, authorization: dice.pick(['Bearer x', 'Bearer eyJhbGciOiJub25lIn0.e30.', 'Basic Og==', 'x'.repeat(8_000)]) }, valid())],
  ]);
}

/**
 * Payload `index` of `seed`. Mixing the index into the seed (rather than drawing from one stream) keeps each payload
 * reproducible on its own; `lane` only chooses which strangers it speaks as.
 */
export function generatePayload(seed: number, index: number, context: FuzzContext): Payload {
  const dice = new Dice(seededRandom((Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b)) >>> 0));
  const lane = index % context.lanes;
  return dice.chance(0.12) ? rawPayload(dice, context, lane) : activityPayload(dice, context, lane);
}

/** A short description for a failure list: kind, type, invoke name or verb, and what was made hostile. */
export function describePayload(payload: Payload): { type: string; name?: string } {
  if (payload.kind === 'raw') return { type: `raw ${payload.method} ${payload.path.slice(0, 60)}`, name: payload.label };
  const activity = payload.activity as Record<string, unknown>;
  const type = shown(activity.type);
  const value = activity.value as { action?: { verb?: unknown } } | undefined;
  const verb = activity.name === 'adaptiveCard/action' && value && typeof value === 'object' && value.action && typeof value.action === 'object' ? ` ${shown(value.action.verb)}` : '';
  const name = activity.type === 'invoke' ? `${shown(activity.name)}${verb}` : undefined;
  return { type, ...(name !== undefined ? { name } : {}) };
}

/** A field's value for a label: strings as they are, anything else by its kind (some have no usable toString). */
function shown(value: unknown): string {
  if (typeof value === 'string') return value;
  return `<${value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value}>`;
}
