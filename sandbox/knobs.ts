/**
 * Behaviour switches of the sandbox. Every fault the bot must survive is one of these, settable through
 * startSandbox options, SANDBOX_* environment variables (main.ts) and PUT /_sandbox/knobs.
 */

/** Names of the API operations faults and throttling can target (one per route). */
export const OPERATIONS = [
  'listCustomers',
  'getCustomer',
  'getQualifications',
  'listSubscriptions',
  'getSubscription',
  'patchSubscription',
  'getSubscriptionProvisioningStatus',
  'getUpgrades',
  'getTransitionEligibilities',
  'listSubscribedSkus',
  'listCustomerUsers',
  'getCustomerUser',
  'getUserLicenses',
  'licenseUpdates',
  'createCart',
  'getCart',
  'updateCart',
  'checkout',
  'listOrders',
  'getOrder',
  'getOrderProvisioningStatus',
  'createOrder',
  'listProducts',
  'getProduct',
  'listSkus',
  'getSku',
  'listAvailabilities',
  'listOffers',
  'getOffer',
  'graphListUsers',
  'graphGetUser',
  'assignLicense',
  'graphListSubscribedSkus',
  'graphBatch',
  'graphListDelegatedAdminRelationships',
] as const;
export type OperationName = (typeof OPERATIONS)[number];

export const FAULT_ACTIONS = [
  /** 429 before anything happens (PC or Graph shape); retryAfterSeconds null omits Retry-After. */
  'throttle',
  /** transient 5xx before anything happens (status, default 503). */
  'serverError',
  /** hold the request for holdMs, then destroy the socket; nothing is applied. */
  'timeout',
  /** apply the change, then destroy the socket without answering. */
  'commitThenDrop',
  /** apply the change, then answer 504. */
  'commitThen504',
  /** license calls: add the new SKU but keep the removed one (reply: success or error). */
  'assignOnly',
  /** license calls: remove but do not add (reply: success or error). */
  'removeOnly',
  /** subscription PATCH: 400 2055 whatever the If-Match. */
  'staleEtag',
  /** subscription PATCH: answer 202 and apply after `polls` GETs. */
  'accepted202',
  /** checkout: the order is created but ends cancelled with provisioning status failed. */
  'failOrder',
] as const;
export type FaultAction = (typeof FAULT_ACTIONS)[number];

/** One targeted fault. Filters narrow it; callNumbers count only the calls that pass the filters. */
export interface FaultRule {
  action: FaultAction;
  operation?: OperationName | '*';
  customerId?: string;
  /** user object id or UPN (license calls). */
  userId?: string;
  /** 1-based numbers of matching calls that fire, e.g. [3] = the 3rd matching call only. */
  callNumbers?: number[];
  /** chance (0..1) per matching call, drawn from the seeded generator. */
  probability?: number;
  /** fire at most this many times. */
  times?: number;
  retryAfterSeconds?: number | null;
  status?: number;
  reply?: 'success' | 'error';
  holdMs?: number;
  polls?: number;
}

export type RequestIdReplayMode = 'replay' | 'reject800064' | 'reject800065' | 'execute';
export type RequestIdBodyMismatchMode = 'replay' | 'reject' | 'execute';
export type RecheckoutMode = 'replay' | 'reject800065';
export type PostEndState = 'expired' | 'disabled' | 'deleted';
export type EducationChannel = 'nce' | 'legacy';
/** `documented`: the qualifications array; `notFound`/`forbidden`: 404 or 403 for every customer. */
export type QualificationsAnswer = 'documented' | 'notFound' | 'forbidden';

export interface Knobs {
  latencyMs: number;
  latencyJitterMs: number;
  /** seed of the generator behind every probability (storms, 5xx, timeouts, rules). */
  randomSeed: number;
  partnerRequestsPerMinute: number;
  customerRequestsPerMinute: number;
  graphWritesPer150Seconds: number;
  /** null: Graph's published figure for the tenant's size (3,500 / 5,000 / 8,000 per 10 s). */
  graphResourceUnitsPer10Seconds: number | null;
  throttleStormRate: number;
  throttleStormRetryAfterSeconds: number | null;
  serverErrorRate: number;
  timeoutRate: number;
  timeoutHoldMs: number;
  faults: FaultRule[];
  requestIdReplayMode: RequestIdReplayMode;
  requestIdBodyMismatchMode: RequestIdBodyMismatchMode;
  recheckoutMode: RecheckoutMode;
  /** how long a checkout keeps its cart busy (a concurrent checkout gets 409 800064). */
  checkoutProcessingMs: number;
  /** order pending → completed and its subscription created. */
  provisioningDelayMs: number;
  /** after the order completes, until the seats show in subscribed SKUs (provisioning status pending). */
  seatProvisioningDelayMs: number;
  /** new orders stay out of the order LIST for this long (by id at once). */
  orderListLagMs: number;
  cartExpiryDays: number;
  /** subscription PATCH answers 202 and applies after this many GETs; 0 answers 200. */
  patchAcceptedPolls: number;
  nceCancellationWindowDays: number;
  deprovisionAfterDays: number;
  postEndState: PostEndState;
  /** bump to rotate every availability id (carts built before get 400019 at checkout). */
  availabilityGeneration: number;
  educationChannel: EducationChannel;
  businessSeatCap: number;
  /** ISO date from which App+User Partner Center calls need an `amr` claim containing "mfa"; null = never. */
  mfaRequiredFrom: string | null;
  /** page size of subscription lists before `links.next` appears. */
  subscriptionsPageSize: number;
  /** Graph $batch answers in a seeded shuffled order (true) or in request order. */
  batchShuffle: boolean;
  /** How `GET /customers/{id}/qualifications` answers. */
  qualificationsAnswer: QualificationsAnswer;
}

export const DEFAULT_KNOBS: Readonly<Knobs> = Object.freeze({
  latencyMs: 0,
  latencyJitterMs: 0,
  randomSeed: 42,
  partnerRequestsPerMinute: 500,
  customerRequestsPerMinute: 500,
  graphWritesPer150Seconds: 3000,
  graphResourceUnitsPer10Seconds: null,
  throttleStormRate: 0,
  throttleStormRetryAfterSeconds: 5,
  serverErrorRate: 0,
  timeoutRate: 0,
  timeoutHoldMs: 30_000,
  faults: [],
  requestIdReplayMode: 'replay',
  requestIdBodyMismatchMode: 'replay',
  recheckoutMode: 'replay',
  checkoutProcessingMs: 0,
  provisioningDelayMs: 2000,
  seatProvisioningDelayMs: 0,
  orderListLagMs: 1000,
  cartExpiryDays: 7,
  patchAcceptedPolls: 0,
  nceCancellationWindowDays: 7,
  deprovisionAfterDays: 90,
  postEndState: 'expired',
  availabilityGeneration: 0,
  educationChannel: 'nce',
  businessSeatCap: 300,
  mfaRequiredFrom: null,
  subscriptionsPageSize: 100,
  batchShuffle: true,
  qualificationsAnswer: 'documented',
});

export class KnobError extends Error {}

type Validator = (value: unknown, name: string) => unknown;

const nonNegative: Validator = (value, name) => {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new KnobError(`${name} must be a number ≥ 0`);
  }
  return value;
};
const positive: Validator = (value, name) => {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new KnobError(`${name} must be a number > 0`);
  }
  return value;
};
const rate: Validator = (value, name) => {
  if (typeof value !== 'number' || value < 0 || value > 1) throw new KnobError(`${name} must be between 0 and 1`);
  return value;
};
const nullable =
  (inner: Validator): Validator =>
  (value, name) =>
    value === null ? null : inner(value, name);
const oneOf =
  (...allowed: string[]): Validator =>
  (value, name) => {
    if (typeof value !== 'string' || !allowed.includes(value)) {
      throw new KnobError(`${name} must be one of ${allowed.join(', ')}`);
    }
    return value;
  };
const isoDate: Validator = (value, name) => {
  if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) throw new KnobError(`${name} must be an ISO date`);
  return value;
};
const boolean: Validator = (value, name) => {
  if (typeof value !== 'boolean') throw new KnobError(`${name} must be true or false`);
  return value;
};

function faultRules(value: unknown, name: string): FaultRule[] {
  if (!Array.isArray(value)) throw new KnobError(`${name} must be an array`);
  return value.map((raw: unknown, index) => {
    if (typeof raw !== 'object' || raw === null) throw new KnobError(`${name}[${index}] must be an object`);
    const rule = raw as FaultRule;
    if (!(FAULT_ACTIONS as readonly string[]).includes(rule.action)) {
      throw new KnobError(`${name}[${index}].action must be one of ${FAULT_ACTIONS.join(', ')}`);
    }
    if (rule.operation !== undefined && rule.operation !== '*' && !(OPERATIONS as readonly string[]).includes(rule.operation)) {
      throw new KnobError(`${name}[${index}].operation must be '*' or one of ${OPERATIONS.join(', ')}`);
    }
    if (rule.callNumbers !== undefined && !Array.isArray(rule.callNumbers)) {
      throw new KnobError(`${name}[${index}].callNumbers must be an array of numbers`);
    }
    if (rule.probability !== undefined) rate(rule.probability, `${name}[${index}].probability`);
    return { ...rule };
  });
}

const VALIDATORS: Record<keyof Knobs, Validator> = {
  latencyMs: nonNegative,
  latencyJitterMs: nonNegative,
  randomSeed: nonNegative,
  partnerRequestsPerMinute: positive,
  customerRequestsPerMinute: positive,
  graphWritesPer150Seconds: positive,
  graphResourceUnitsPer10Seconds: nullable(positive),
  throttleStormRate: rate,
  throttleStormRetryAfterSeconds: nullable(nonNegative),
  serverErrorRate: rate,
  timeoutRate: rate,
  timeoutHoldMs: nonNegative,
  faults: faultRules,
  requestIdReplayMode: oneOf('replay', 'reject800064', 'reject800065', 'execute'),
  requestIdBodyMismatchMode: oneOf('replay', 'reject', 'execute'),
  recheckoutMode: oneOf('replay', 'reject800065'),
  checkoutProcessingMs: nonNegative,
  provisioningDelayMs: nonNegative,
  seatProvisioningDelayMs: nonNegative,
  orderListLagMs: nonNegative,
  cartExpiryDays: positive,
  patchAcceptedPolls: nonNegative,
  nceCancellationWindowDays: nonNegative,
  deprovisionAfterDays: nonNegative,
  postEndState: oneOf('expired', 'disabled', 'deleted'),
  availabilityGeneration: nonNegative,
  educationChannel: oneOf('nce', 'legacy'),
  businessSeatCap: positive,
  mfaRequiredFrom: nullable(isoDate),
  subscriptionsPageSize: positive,
  batchShuffle: boolean,
  qualificationsAnswer: oneOf('documented', 'notFound', 'forbidden'),
};

/** Validates a partial knob set and merges it over `base`; unknown names are refused. */
export function mergeKnobs(base: Knobs, patch: Record<string, unknown>): Knobs {
  const next: Record<string, unknown> = { ...base };
  for (const [name, value] of Object.entries(patch)) {
    const validate = VALIDATORS[name as keyof Knobs];
    if (!validate) throw new KnobError(`unknown knob ${name}`);
    next[name] = validate(value, name);
  }
  return next as unknown as Knobs;
}

/** Env variable name of a knob: latencyMs → SANDBOX_LATENCY_MS (documented in README.md). */
export function envNameOf(name: keyof Knobs): string {
  return `SANDBOX_${name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()}`;
}

/** Reads every knob that has a SANDBOX_* variable (JSON for faults); throws KnobError on a bad value. */
export function knobsFromEnv(env: NodeJS.ProcessEnv): Partial<Knobs> {
  const patch: Record<string, unknown> = {};
  for (const name of Object.keys(VALIDATORS) as (keyof Knobs)[]) {
    const raw = env[envNameOf(name)];
    if (raw === undefined || raw === '') continue;
    patch[name] = parseEnvValue(raw, DEFAULT_KNOBS[name]);
  }
  mergeKnobs({ ...DEFAULT_KNOBS }, patch);
  return patch as Partial<Knobs>;
}

function parseEnvValue(raw: string, example: unknown): unknown {
  if (raw === 'null') return null;
  if (typeof example === 'boolean') return raw === 'true' || raw === '1';
  if (raw.startsWith('[') || raw.startsWith('{')) return JSON.parse(raw) as unknown;
  if (typeof example === 'string') return raw;
  const asNumber = Number(raw);
  return Number.isNaN(asNumber) ? raw : asNumber;
}
