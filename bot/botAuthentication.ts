import {
  Activity,
  CallerIdConstants,
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  InvokeResponse,
  TurnContext,
} from 'botbuilder';
import { AuthenticationConstants, type AuthenticateRequestResult } from 'botframework-connector';
import { createPublicKey } from 'node:crypto';
import { z } from 'zod';

/**
 * Bot Framework authentication with bounded waits. botbuilder verifies the tokens (issuer, audience, signature,
 * algorithm, lifetime, endorsements); this module decides how long that may take and what a failure answers:
 * every rejected token is "unauthorized" (401), and signing keys that cannot be had in time are "unavailable"
 * (503). The library's own key fetch has no timeout, no negative cache and no single flight — an unreachable or
 * silent Microsoft endpoint made every request fetch again and hang — so our guarded key cache replaces it.
 */

/** How long one metadata or keys request may take. */
export const KEY_FETCH_TIMEOUT_MS = 3_000;
/** After a failed fetch, requests are answered from what is cached (or refused) for this long before trying again. */
export const KEY_FETCH_RETRY_AFTER_MS = 30_000;
/** Keys are refreshed this often (the library's default interval is 24 hours). */
export const KEY_REFRESH_INTERVAL_MS = 24 * 60 * 60_000;
/** An unknown key id triggers a refresh at most this often (keys roll over; forged key ids must not cause fetches). */
export const UNKNOWN_KEY_REFRESH_INTERVAL_MS = 5 * 60_000;
/** Authentication as a whole never takes longer than this; then the request is answered 503 and not processed. */
export const AUTHENTICATION_TIMEOUT_MS = 5_000;

/** The app registration, as botbuilder wants it. */
export interface BotAuthenticationSettings {
  appId: string;
  appPassword: string;
  appType: string;
  appTenantId: string;
  /**
   * Where the channel's (and the emulator's) OpenID metadata is; Microsoft's by default. Tests point it at a
   * local server to mint tokens and to play an endpoint that refuses or never answers.
   */
  openIdMetadataUrl?: string;
}

/** The Teams adapter, its signing keys guarded. */
export function createBotAdapter(settings: BotAuthenticationSettings): CloudAdapter {
  installSigningKeyGuard();
  return new CloudAdapter(
    new ConfigurationBotFrameworkAuthentication({
      MicrosoftAppId: settings.appId,
      MicrosoftAppPassword: settings.appPassword,
      MicrosoftAppType: settings.appType,
      MicrosoftAppTenantId: settings.appTenantId,
      ...(settings.openIdMetadataUrl !== undefined ? publicCloudWithMetadataAt(settings.openIdMetadataUrl) : {}),
    }),
  );
}

/** Where replies go: only http(s) — botbuilder throws (a 500) on anything else, and `file:` or `javascript:` is hostile. */
const ServiceUrl = z.string().refine((value) => {
  try {
    const { protocol } = new URL(value);
    return protocol === 'https:' || protocol === 'http:';
  } catch {
    return false;
  }
});

/**
 * A channel account: botbuilder serializes `id` and `name` into every reply and throws on other types. Who the
 * sender is (`aadObjectId`) is judged by the handlers, which answer a typed 403 for a malformed one.
 */
/** Teams' ids (29:…, a:…, 19:…@thread.v2;messageid=…) are a few hundred characters at most; storage keys carry them. */
const MAX_ID_LENGTH = 512;

const ChannelAccount = z.looseObject({
  id: z.string().min(1).max(MAX_ID_LENGTH),
  name: z.string().nullish(),
});

/**
 * The envelope every channel activity has (Teams, the Playground and the emulator always send these), checked
 * before authentication so a malformed one is a 400 rather than a botbuilder exception (500) or a hang. The
 * payload beyond the envelope passes through untouched for the handlers to judge.
 */
const ActivityShape = z.looseObject({
  type: z.string().min(1),
  id: z.string().nullish(),
  channelId: z.string().min(1),
  serviceUrl: ServiceUrl,
  from: ChannelAccount,
  recipient: ChannelAccount,
  conversation: z.looseObject({
    id: z.string().min(1).max(MAX_ID_LENGTH),
    name: z.string().nullish(),
    tenantId: z.string().nullish(),
    conversationType: z.string().nullish(),
    isGroup: z.boolean().nullish(),
  }),
  locale: z.string().nullish(),
  text: z.string().nullish(),
  name: z.string().nullish(),
  replyToId: z.string().nullish(),
  timestamp: z.string().nullish(),
  localTimestamp: z.string().nullish(),
  expiration: z.string().nullish(),
  channelData: z.looseObject({}).nullish(),
  // botbuilder reads `mentioned.id` of every mention entity when it strips the bot's mention from the text.
  entities: z
    .array(z.looseObject({ type: z.string().nullish() }).refine((entity) => entity.type !== 'mention' || ChannelAccount.safeParse(entity.mentioned).success))
    .nullish(),
  attachments: z.array(z.looseObject({})).nullish(),
  membersAdded: z.array(ChannelAccount).nullish(),
  membersRemoved: z.array(ChannelAccount).nullish(),
});

/**
 * A parsed JSON body as an Activity, or undefined when it is not one (`{}`, an array, a type that is not a
 * string, no conversation, a serviceUrl that is not http(s)). Dates are converted as botbuilder's own request
 * parsing does (keeping the raw strings).
 */
export function parseActivity(body: unknown): Activity | undefined {
  const parsed = ActivityShape.safeParse(body);
  if (!parsed.success) return undefined;
  const activity: Record<string, unknown> = { ...parsed.data };
  // botbuilder and the Teams handler read these without a null check (`text.replace`, `entities.length`,
  // `channelData.eventType`): an explicit null becomes what a client that leaves them out gets.
  const mentions = (parsed.data.entities ?? []).some((entity) => entity.type === 'mention');
  if (parsed.data.text === null) delete activity.text;
  if (mentions && typeof activity.text !== 'string') activity.text = '';
  if (parsed.data.entities === null) delete activity.entities;
  if (parsed.data.channelData === null || parsed.data.channelData === undefined) activity.channelData = {};
  for (const field of ['timestamp', 'localTimestamp', 'expiration'] as const) {
    const raw = parsed.data[field];
    if (typeof raw === 'string') {
      activity[`raw${field[0].toUpperCase()}${field.slice(1)}`] = raw;
      activity[field] = new Date(raw);
    }
  }
  return activity as unknown as Activity;
}

/**
 * botbuilder takes one overridden endpoint as "every endpoint is configured": the public cloud's values are
 * spelled out here so that only the metadata location differs from production.
 */
function publicCloudWithMetadataAt(openIdMetadataUrl: string): Record<string, string> {
  return {
    ToChannelFromBotLoginUrl: AuthenticationConstants.ToChannelFromBotLoginUrl,
    ToChannelFromBotOAuthScope: AuthenticationConstants.ToChannelFromBotOAuthScope,
    ToBotFromChannelTokenIssuer: AuthenticationConstants.ToBotFromChannelTokenIssuer,
    OAuthUrl: AuthenticationConstants.OAuthUrl,
    ToBotFromChannelOpenIdMetadataUrl: openIdMetadataUrl,
    ToBotFromEmulatorOpenIdMetadataUrl: openIdMetadataUrl,
    CallerId: CallerIdConstants.PublicAzureChannel,
  };
}

/** What happened to an activity at the front door. */
export type ReceiveOutcome =
  | { kind: 'unauthorized' }
  | { kind: 'unavailable' }
  | { kind: 'processed'; invokeResponse?: InvokeResponse };

/** Thrown by the key cache when signing keys cannot be had; never carries the endpoint's name or error text. */
export class SigningKeysUnavailable extends Error {
  constructor() {
    super('Bot Framework signing keys are unavailable');
    this.name = 'SigningKeysUnavailable';
  }
}

/**
 * Authenticates within AUTHENTICATION_TIMEOUT_MS, then runs the turn. Authentication and the turn are separate
 * steps so the time box covers only the first: an activity whose authentication timed out is never processed,
 * even if the library answers later. Errors of the turn itself propagate (the caller answers a generic 500).
 */
export async function receiveActivity(
  adapter: CloudAdapter,
  activity: Activity,
  authHeader: string,
  logic: (context: TurnContext) => Promise<void>,
  onAuthenticationFailure: (reason: string) => void,
  timeoutMs: number = AUTHENTICATION_TIMEOUT_MS,
): Promise<ReceiveOutcome> {
  let result: AuthenticateRequestResult | 'timeout';
  try {
    result = await withDeadline(AdapterInternals.authenticate(adapter, activity, authHeader), timeoutMs);
  } catch (error) {
    if (error instanceof SigningKeysUnavailable) {
      onAuthenticationFailure(error.message);
      return { kind: 'unavailable' };
    }
    // Whatever else failed (missing header, alg none, HMAC, nbf, signature, issuer, audience, a malformed token
    // the library trips over): the caller is not authenticated.
    onAuthenticationFailure(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
    return { kind: 'unauthorized' };
  }
  if (result === 'timeout') {
    onAuthenticationFailure(`authentication took longer than ${timeoutMs} ms`);
    return { kind: 'unavailable' };
  }
  return { kind: 'processed', invokeResponse: await AdapterInternals.process(adapter, result, activity, logic) };
}

/**
 * CloudAdapter keeps its authentication and its authenticated turn behind protected members (its public
 * `process` does both, writes library messages into the response and cannot be time-boxed per step). This
 * subclass exists only to reach those two documented members for any CloudAdapter.
 */
class AdapterInternals extends CloudAdapter {
  static authenticate(adapter: CloudAdapter, activity: Activity, authHeader: string): Promise<AuthenticateRequestResult> {
    return (adapter as AdapterInternals).botFrameworkAuthentication.authenticateRequest(activity, authHeader);
  }

  static process(
    adapter: CloudAdapter,
    authentication: AuthenticateRequestResult,
    activity: Activity,
    logic: (context: TurnContext) => Promise<void>,
  ): Promise<InvokeResponse | undefined> {
    return (adapter as AdapterInternals).processActivity(authentication, activity, logic);
  }
}

function withDeadline<T>(work: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  // A late failure of the abandoned work must not become an unhandled rejection.
  work.catch(() => undefined);
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

/** What botbuilder's JwtTokenExtractor asks of its per-URL metadata object. */
interface SigningKey {
  key: string;
  endorsements?: string[];
}

const OpenIdConfiguration = z.object({ jwks_uri: z.url({ protocol: /^https?$/ }) });
const JsonWebKeySet = z.object({
  keys: z.array(
    z.looseObject({
      kid: z.string().optional(),
      kty: z.string().optional(),
      n: z.string().optional(),
      e: z.string().optional(),
      endorsements: z.array(z.string()).optional(),
    }),
  ),
});
type JsonWebKeys = z.infer<typeof JsonWebKeySet>['keys'];

/**
 * The signing keys behind one OpenID metadata URL: fetched with a timeout, one fetch at a time, refreshed daily,
 * and after a failure not fetched again for KEY_FETCH_RETRY_AFTER_MS (stale keys keep serving meanwhile; without
 * any keys the request is refused as unavailable at once).
 */
export class GuardedSigningKeys {
  private keys: JsonWebKeys | undefined;
  private fetchedAt = -Infinity;
  private failedAt = -Infinity;
  private inFlight: Promise<void> | undefined;
  /** How many fetches of the metadata document were started (tests count them). */
  fetches = 0;

  constructor(
    private readonly metadataUrl: string,
    private readonly now: () => number = Date.now,
  ) {}

  async getKey(keyId: string | undefined): Promise<SigningKey | null> {
    const age = this.now() - this.fetchedAt;
    if (this.keys === undefined || age > KEY_REFRESH_INTERVAL_MS) {
      await this.refresh();
    } else if (this.find(keyId) === null && age > UNKNOWN_KEY_REFRESH_INTERVAL_MS) {
      await this.refresh().catch(() => undefined);
    }
    return this.find(keyId);
  }

  /** Refreshes unless a fetch failed recently; throws SigningKeysUnavailable only when no keys are cached. */
  private async refresh(): Promise<void> {
    if (this.now() - this.failedAt >= KEY_FETCH_RETRY_AFTER_MS) {
      this.inFlight ??= this.fetchKeys().finally(() => {
        this.inFlight = undefined;
      });
      await this.inFlight.catch(() => undefined);
    }
    if (this.keys === undefined) throw new SigningKeysUnavailable();
  }

  private async fetchKeys(): Promise<void> {
    this.fetches += 1;
    try {
      const configuration = OpenIdConfiguration.parse(await fetchJson(this.metadataUrl));
      this.keys = JsonWebKeySet.parse(await fetchJson(configuration.jwks_uri)).keys;
      this.fetchedAt = this.now();
    } catch (error) {
      this.failedAt = this.now();
      throw error;
    }
  }

  private find(keyId: string | undefined): SigningKey | null {
    if (keyId === undefined) return null;
    const jwk = this.keys?.find((candidate) => candidate.kid === keyId);
    // Only RSA keys: the allowed algorithms are RS256/384/512, and an HMAC "key" must never be derived from here.
    if (jwk?.n === undefined || jwk.e === undefined) return null;
    try {
      const key = createPublicKey({ key: { kty: 'RSA', n: jwk.n, e: jwk.e }, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
      return { key: key.toString(), endorsements: jwk.endorsements };
    } catch {
      return null;
    }
  }
}

async function fetchJson(url: string): Promise<unknown> {
  const response = await fetch(url, { signal: AbortSignal.timeout(KEY_FETCH_TIMEOUT_MS), redirect: 'error' });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return response.json();
}

/**
 * botframework-connector keeps one metadata object per URL in a static map on JwtTokenExtractor (not exported,
 * so reached by its module path). Swapping that map for one that hands out GuardedSigningKeys puts our cache in
 * front of every metadata URL the library uses (channel, emulator, skills, government). If a botbuilder upgrade
 * moves the map, startup fails here rather than silently running without the guard.
 */
function installSigningKeyGuard(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- internal module of a pinned dependency, see above
  const internals = require('botframework-connector/lib/auth/jwtTokenExtractor') as { JwtTokenExtractor?: { openIdMetadataCache?: unknown } };
  const extractor = internals.JwtTokenExtractor;
  if (extractor === undefined || !(extractor.openIdMetadataCache instanceof Map)) {
    throw new Error('botframework-connector changed: JwtTokenExtractor.openIdMetadataCache is gone; review bot/botAuthentication.ts');
  }
  if (!(extractor.openIdMetadataCache instanceof GuardedKeyMap)) extractor.openIdMetadataCache = new GuardedKeyMap();
}

/** Hands out one GuardedSigningKeys per metadata URL, created on first use. */
class GuardedKeyMap extends Map<string, GuardedSigningKeys> {
  override get(url: string): GuardedSigningKeys {
    let keys = super.get(url);
    if (keys === undefined) {
      keys = new GuardedSigningKeys(url);
      super.set(url, keys);
    }
    return keys;
  }
}
