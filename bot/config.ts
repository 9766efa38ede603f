import * as fs from 'node:fs';
import * as path from 'node:path';
import * as dotenv from 'dotenv';
import { z } from 'zod';
import { ALERT_VARIABLES, alertSettingsOf, type AlertSettings } from '../services/alerts/settings';
import { parseApproverList } from '../services/approvals/approvers';
import { isGuid, isObjectId } from '../services/domain/ids';
import { SANDBOX_AUTHORITY_HOST, SANDBOX_CLIENT_SECRET } from '../sandbox/identity';

/**
 * Every setting of the bot, read once from the environment (and an optional `.env`), validated and frozen.
 * Nothing else in the project reads `process.env`.
 */
export interface Config {
  /** NODE_ENV normalized: any case of `production` or `prod` is production (see NODE_ENVS). */
  readonly nodeEnv: 'production' | 'development' | 'test';
  readonly port: number;
  /** 127.0.0.1 in local mode (no app id), all interfaces otherwise. */
  readonly host: string;
  readonly dataDir: string;
  readonly logLevel: LogLevel;
  readonly bot: {
    readonly appId: string;
    readonly appPassword: string;
    readonly appType: 'MultiTenant' | 'SingleTenant' | 'UserAssignedMSI';
    readonly appTenantId: string;
    /** True when MicrosoftAppId is empty: no Bot Framework authentication, loopback only. */
    readonly localMode: boolean;
  };
  readonly store:
    /** `reset` (STORE_RESET): an unusable bot.sqlite is moved aside and a new store created, instead of stopping. */
    | { readonly kind: 'sqlite'; readonly dataDir: string; readonly reset: boolean }
    | { readonly kind: 'azure'; readonly connectionString: string; readonly tablePrefix: string };
  /** Tenants whose users may talk to the bot; empty = any (local mode only). */
  readonly allowedTenantIds: readonly string[];
  readonly partnerCenter: PartnerCenterConfig;
  /** ALERT_SCHEDULE, ALERT_THRESHOLDS and PARTNER_TIMEZONE (also the scan's days-left zone). */
  readonly alerts: AlertSettings;
  readonly approvals: {
    /** Entra object ids or UPNs, lower-cased. */
    readonly approvers: readonly string[];
    readonly ttlDays: number;
    /** APPROVAL_CHANNEL: the team channel that gets one approval card per request; undefined = one per approver. */
    readonly channelId?: string;
    /** Partner Center price list CSV; undefined = no prices on the cards. */
    readonly priceListPath?: string;
  };
  /**
   * ADMINS: Entra object ids or UPNs, lower-cased, of the partner admins who may connect Partner Center from Teams
   * (`connect partner center`, Reconnect) and who get the sign-in's ageing and failure cards. Empty = nobody.
   */
  readonly admins: readonly string[];
  /** Rate budgets shared by every instance (README, "Rate budgets"). */
  readonly rates: {
    /** RATE_HEADROOM: the share of each published limit the bot plans to use. */
    readonly headroom: number;
    /** PARTNER_CENTER_REQUESTS_PER_MINUTE: the partner tenant's Partner Center limit. */
    readonly partnerCenterRequestsPerMinute: number;
  };
  readonly migration: {
    /** Runs executing at once in this instance (always different customers). */
    readonly concurrency: number;
    /** How new runs move licenses: Graph assignLicense, or Partner Center licenseupdates. */
    readonly licensePath: 'graph' | 'partnerCenter';
    /** Warn the requester when the Kaizala term ends within this many days. */
    readonly deadlineMarginDays: number;
    readonly leaseTtlSeconds: number;
  };
  readonly observability: {
    /** APPLICATIONINSIGHTS_CONNECTION_STRING: traces and metrics go to Application Insights; undefined = off. */
    readonly appInsightsConnectionString?: string;
  };
}

/** Megan Bowen and Adele Vance, the Agents Playground's mock users: Alex Wilber (the default user) requests. */
const PLAYGROUND_APPROVERS = '00000000-0000-0000-0000-0000000000021,00000000-0000-0000-0000-0000000000022';
/** Alex Wilber, the Agents Playground's default user, so the connect command can be tried in local mode. */
const PLAYGROUND_ADMINS = '00000000-0000-0000-0000-0000000000020';
const SANDBOX_PRICE_LIST = 'sandbox/pricelist.sample.csv';

/** Where Partner Center and Graph are, and how the bot gets tokens for them. */
export interface PartnerCenterConfig {
  readonly mode: 'sandbox' | 'live';
  /** Set = use these endpoints (in sandbox mode: an already-running sandbox); unset in sandbox mode = embedded. */
  readonly partnerCenterBaseUrl?: string;
  readonly graphBaseUrl?: string;
  /** Port of the embedded sandbox (sandbox mode without base URLs). */
  readonly sandboxPort: number;
  readonly partnerTenantId: string;
  readonly clientId: string;
  readonly clientSecret?: string;
  readonly certificate?: { readonly thumbprint: string; readonly privateKeyPath: string };
  /** Live: a partner admin's refresh token imported once into the encrypted store when nobody is connected yet. */
  readonly refreshToken?: string;
  /** AUTHORITY_HOST: msal-node's authority host (https), Entra's or the sandbox's. */
  readonly authorityHost: string;
  /** TOKEN_ENCRYPTION_KEY (32 bytes, base64 or hex); unset outside production = a key kept in DATA_DIR. */
  readonly tokenEncryptionKey?: string;
  /** Catalog market, e.g. US or DE. */
  readonly country: string;
}

export const LIVE_PARTNER_CENTER_BASE_URL = 'https://api.partnercenter.microsoft.com/v1';
export const LIVE_GRAPH_BASE_URL = 'https://graph.microsoft.com/v1.0';
export const LIVE_AUTHORITY_HOST = 'https://login.microsoftonline.com';

/** 32 bytes as base64 or hex, or a secret of at least 32 characters (services/auth's parseEncryptionKey reads it). */
function isEncryptionKey(text: string): boolean {
  return text.trim().length >= 32;
}
/** The sandbox's partner tenant and app; never used in live mode. */
const SANDBOX_PARTNER_TENANT_ID = '5a1db0c5-0000-4000-8000-00000000face';
const SANDBOX_CLIENT_ID = '5a1db0c5-0000-4000-8000-0000000b0a7d';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type Env = Readonly<Record<string, string | undefined>>;

/** One line per bad or missing variable, so an operator can fix them all in one go. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * The spellings of NODE_ENV, compared case-insensitively. Anything else is refused rather than guessed: a typo
 * must not start a production bot in a development posture.
 */
const NODE_ENVS: Readonly<Record<string, 'production' | 'development' | 'test'>> = {
  production: 'production',
  prod: 'production',
  development: 'development',
  dev: 'development',
  test: 'test',
};

// Field schemas. Each reports a bad value and falls back to its default, so that every other variable (and every
// combination below) is still checked and the operator sees all problems at once. A field's issue message
// continues the variable's name (`="x" must be …`); problemLine puts the name in front.

const trimmed = (raw: string | undefined): string => raw?.trim() ?? '';

function text(fallback = '') {
  return z
    .string()
    .optional()
    .transform((raw) => trimmed(raw) || fallback);
}

function oneOf<const T extends string>(allowed: readonly T[], fallback: T) {
  return z
    .string()
    .optional()
    .transform((raw, ctx): T => {
      const value = trimmed(raw) || fallback;
      if ((allowed as readonly string[]).includes(value)) return value as T;
      ctx.addIssue({ code: 'custom', message: `="${value}" must be one of: ${allowed.join(', ')}` });
      return fallback;
    });
}

function wholeNumber(fallback: number, min: number, max: number) {
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      const value = trimmed(raw);
      if (value === '') return fallback;
      const parsed = z.coerce.number().int().min(min).max(max).safeParse(value);
      if (parsed.success) return parsed.data;
      ctx.addIssue({ code: 'custom', message: `="${value}" must be a whole number from ${min} to ${max}` });
      return fallback;
    });
}

function fraction(fallback: number, min: number, max: number) {
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      const value = trimmed(raw);
      if (value === '') return fallback;
      const parsed = z.coerce.number().min(min).max(max).safeParse(value);
      if (parsed.success) return parsed.data;
      ctx.addIssue({ code: 'custom', message: `="${value}" must be a number from ${min} to ${max}` });
      return fallback;
    });
}

/** An http(s) URL without trailing slashes; undefined when empty. Production additionally needs https (below). */
function httpUrl() {
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      const value = trimmed(raw);
      if (value === '') return undefined;
      if (z.url({ protocol: /^https?$/ }).safeParse(value).success) return value.replace(/\/+$/, '');
      ctx.addIssue({ code: 'custom', message: `="${value}" must be an http(s) URL` });
      return undefined;
    });
}

function tenantIds() {
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      const values = trimmed(raw)
        .split(',')
        .map((value) => value.trim())
        .filter((value) => value !== '');
      const bad = values.filter((value) => !isGuid(value));
      if (bad.length > 0) ctx.addIssue({ code: 'custom', message: ` must be a comma-separated list of tenant GUIDs; not valid: ${bad.join(', ')}` });
      return values.filter((value) => isGuid(value)).map((value) => value.toLowerCase());
    });
}

/** A comma-separated list of Entra object ids or UPNs (APPROVERS, ADMINS); undefined when not given. */
function peopleList() {
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (trimmed(raw) === '') return undefined;
      const list = parseApproverList(trimmed(raw));
      if (list.invalid.length > 0) ctx.addIssue({ code: 'custom', message: ` must list Entra object ids or UPNs; not valid: ${list.invalid.join(', ')}` });
      return list.entries;
    });
}

/** Every environment variable the bot reads, in the order of `.env.example`: the one schema of the configuration. */
const VARIABLES = {
  NODE_ENV: z
    .string()
    .optional()
    .transform((raw, ctx) => {
      const value = trimmed(raw);
      if (value === '') return 'development';
      const known = NODE_ENVS[value.toLowerCase()];
      if (known) return known;
      ctx.addIssue({ code: 'custom', message: `="${value}" must be production (or prod), development (or dev) or test, in any case` });
      return 'development';
    }),
  PORT: wholeNumber(3978, 0, 65535),
  DATA_DIR: text('./data').transform((dir) => path.resolve(dir)),
  LOG_LEVEL: oneOf(['debug', 'info', 'warn', 'error'], 'info'),
  MicrosoftAppId: text(),
  MicrosoftAppPassword: text(),
  MicrosoftAppType: oneOf(['MultiTenant', 'SingleTenant', 'UserAssignedMSI'], 'MultiTenant'),
  MicrosoftAppTenantId: text(),
  ALLOWED_TENANT_IDS: tenantIds(),
  STORE: oneOf(['sqlite', 'azure'], 'sqlite'),
  /** Only for recovering from a damaged bot.sqlite: set it for one start, then remove it (a healthy store is kept). */
  STORE_RESET: oneOf(['false', 'true'], 'false'),
  AZURE_STORAGE_CONNECTION_STRING: text(),
  AZURE_TABLE_PREFIX: text('kma').transform((prefix, ctx) => {
    if (/^[A-Za-z][A-Za-z0-9]{0,19}$/.test(prefix)) return prefix;
    ctx.addIssue({ code: 'custom', message: `="${prefix}" must be 1-20 letters or digits, starting with a letter` });
    return 'kma';
  }),
  PARTNER_CENTER_MODE: oneOf(['sandbox', 'live'], 'sandbox'),
  PARTNER_CENTER_BASE_URL: httpUrl(),
  GRAPH_BASE_URL: httpUrl(),
  SANDBOX_PORT: wholeNumber(3979, 0, 65535),
  PARTNER_TENANT_ID: text(),
  PARTNER_CENTER_CLIENT_ID: text(),
  PARTNER_CENTER_CLIENT_SECRET: text(),
  PARTNER_CENTER_CERTIFICATE_THUMBPRINT: text(),
  PARTNER_CENTER_CERTIFICATE_KEY_PATH: text(),
  PARTNER_CENTER_REFRESH_TOKEN: text(),
  /** Where msal-node signs in: Entra (default in live mode) or the sandbox's identity endpoint (an https name the bot carries to it). */
  AUTHORITY_HOST: httpUrl(),
  /** AES-256-GCM key of the stored partner refresh token; required in production (a Key Vault reference in the app settings). */
  TOKEN_ENCRYPTION_KEY: text(),
  PARTNER_COUNTRY: text('US').transform((raw, ctx) => {
    const country = raw.toUpperCase();
    if (/^[A-Z]{2}$/.test(country)) return country;
    ctx.addIssue({ code: 'custom', message: `="${country}" must be a two-letter ISO country code, e.g. US or DE` });
    return 'US';
  }),
  ...ALERT_VARIABLES,
  /** Undefined when not given, so the combinations below can tell "explicit" from "the local-mode default". */
  APPROVERS: peopleList(),
  APPROVAL_TTL_DAYS: wholeNumber(7, 1, 90),
  APPROVAL_CHANNEL: text().transform((channel, ctx) => {
    if (channel === '' || /^19:[A-Za-z0-9_.-]{1,200}@thread\.(?:tacv2|skype)$/.test(channel)) return channel;
    ctx.addIssue({ code: 'custom', message: `="${channel}" must be a Teams channel id such as 19:abc123@thread.tacv2 (Teams: the channel's … menu → Get link to channel, the part after /channel/, URL-decoded)` });
    return '';
  }),
  /** Same entries and matching as APPROVERS; undefined when not given (local mode then uses the Playground's Alex). */
  ADMINS: peopleList(),
  PRICE_LIST_PATH: text().transform((configured, ctx) => {
    if (configured === '') return undefined;
    if (fs.existsSync(path.resolve(configured))) return path.resolve(configured);
    ctx.addIssue({ code: 'custom', message: `="${configured}" does not exist` });
    return undefined;
  }),
  MIGRATION_CONCURRENCY: wholeNumber(3, 1, 8),
  LICENSE_PATH: oneOf(['graph', 'partnerCenter'], 'graph'),
  DEADLINE_MARGIN_DAYS: wholeNumber(3, 0, 60),
  MIGRATION_LEASE_TTL_SECONDS: wholeNumber(60, 15, 600),
  RATE_HEADROOM: fraction(0.98, 0.5, 1),
  /** Microsoft's published figure; lower it if Partner Center throttles the partner sooner, raise it only for test sandboxes. */
  PARTNER_CENTER_REQUESTS_PER_MINUTE: wholeNumber(500, 1, 1_000_000_000),
  APPLICATIONINSIGHTS_CONNECTION_STRING: text(),
};

/** The name of every variable the bot reads (for documentation and deployment checks). */
export const CONFIG_VARIABLE_NAMES: readonly string[] = Object.freeze(Object.keys(VARIABLES));

type Values = z.output<z.ZodObject<typeof VARIABLES>>;

/** Rules across variables; each problem is a whole sentence. Runs even when single variables were bad (`when`). */
function checkCombinations(v: Values, ctx: z.RefinementCtx): void {
  const problem = (message: string) => ctx.addIssue({ code: 'custom', message });
  const production = v.NODE_ENV === 'production';
  const localMode = v.MicrosoftAppId === '';
  const live = v.PARTNER_CENTER_MODE === 'live';

  if (localMode && production) {
    problem('MicrosoftAppId is empty but NODE_ENV=production: a production bot must authenticate (set MicrosoftAppId and its credential)');
  }
  if (localMode && live) {
    problem('MicrosoftAppId is empty but PARTNER_CENTER_MODE=live: a bot that buys real subscriptions must authenticate its callers (set MicrosoftAppId and its credential)');
  }
  if (!localMode && !isGuid(v.MicrosoftAppId)) problem(`MicrosoftAppId="${v.MicrosoftAppId}" must be the bot's Microsoft Entra app id (a GUID)`);
  if (!localMode && v.MicrosoftAppType !== 'UserAssignedMSI' && v.MicrosoftAppPassword === '') {
    problem('MicrosoftAppPassword is required when MicrosoftAppId is set (or use MicrosoftAppType=UserAssignedMSI)');
  }
  if (!localMode && v.MicrosoftAppType !== 'MultiTenant' && !isGuid(v.MicrosoftAppTenantId)) {
    problem(`MicrosoftAppTenantId must be a tenant GUID when MicrosoftAppType=${v.MicrosoftAppType}`);
  }
  if (!localMode && v.ALLOWED_TENANT_IDS.length === 0) {
    problem('ALLOWED_TENANT_IDS is required when MicrosoftAppId is set: the partner tenant id(s) whose users may use the bot');
  }
  if (v.STORE === 'azure' && v.AZURE_STORAGE_CONNECTION_STRING === '') problem('AZURE_STORAGE_CONNECTION_STRING is required when STORE=azure');

  if (!live) {
    if (production) {
      problem('PARTNER_CENTER_MODE=sandbox (the default) is not allowed with NODE_ENV=production: set PARTNER_CENTER_MODE=live and its credentials');
    }
    if ((v.PARTNER_CENTER_BASE_URL === undefined) !== (v.GRAPH_BASE_URL === undefined)) {
      problem('PARTNER_CENTER_BASE_URL and GRAPH_BASE_URL go together in sandbox mode (both point at a running sandbox)');
    }
  } else {
    if (!isGuid(v.PARTNER_TENANT_ID)) problem('PARTNER_TENANT_ID must be the partner tenant GUID when PARTNER_CENTER_MODE=live');
    if (!isGuid(v.PARTNER_CENTER_CLIENT_ID)) problem('PARTNER_CENTER_CLIENT_ID must be the app registration GUID when PARTNER_CENTER_MODE=live');
    const thumbprint = v.PARTNER_CENTER_CERTIFICATE_THUMBPRINT;
    const keyPath = v.PARTNER_CENTER_CERTIFICATE_KEY_PATH;
    const hasCertificate = thumbprint !== '' || keyPath !== '';
    if (hasCertificate && (thumbprint === '' || keyPath === '')) {
      problem('PARTNER_CENTER_CERTIFICATE_THUMBPRINT and PARTNER_CENTER_CERTIFICATE_KEY_PATH go together');
    } else if (hasCertificate && !fs.existsSync(keyPath)) {
      problem(`PARTNER_CENTER_CERTIFICATE_KEY_PATH="${keyPath}" does not exist`);
    }
    if ((v.PARTNER_CENTER_CLIENT_SECRET !== '') === hasCertificate) {
      problem('PARTNER_CENTER_MODE=live needs exactly one credential: PARTNER_CENTER_CLIENT_SECRET or a certificate (PARTNER_CENTER_CERTIFICATE_THUMBPRINT + PARTNER_CENTER_CERTIFICATE_KEY_PATH)');
    }
  }

  // Production talks to Microsoft only over TLS: every endpoint the bot calls must be https.
  if (production) {
    for (const name of ['PARTNER_CENTER_BASE_URL', 'GRAPH_BASE_URL'] as const) {
      const url = v[name];
      if (url !== undefined && !url.toLowerCase().startsWith('https://')) problem(`${name}="${url}" must be an https:// URL when NODE_ENV=production`);
    }
    if (v.STORE === 'azure' && v.AZURE_STORAGE_CONNECTION_STRING !== '' && !usesHttpsOnly(v.AZURE_STORAGE_CONNECTION_STRING)) {
      // The connection string holds the account key: named, never echoed.
      problem('AZURE_STORAGE_CONNECTION_STRING must use https endpoints when NODE_ENV=production (DefaultEndpointsProtocol=https, no http:// endpoint, no development storage)');
    }
  }

  // Approvers decide real purchases once the bot authenticates or buys for real: they must be named explicitly,
  // and the Agents Playground's mock users (whose ids are not GUIDs) cannot be among them.
  const why = !localMode ? 'MicrosoftAppId is set' : live ? 'PARTNER_CENTER_MODE=live' : undefined;
  if (why && (v.APPROVERS === undefined || v.APPROVERS.length === 0)) {
    problem(`APPROVERS is required when ${why}: the Entra object ids or UPNs of the people who approve migrations`);
  }
  const mockUsers = (v.APPROVERS ?? []).filter((entry) => isObjectId(entry) && !isGuid(entry));
  if (why && mockUsers.length > 0) {
    problem(`APPROVERS must name real Entra users when ${why}; not Entra object ids (Agents Playground mock users?): ${mockUsers.join(', ')}`);
  }
  // ADMINS may stay empty (the operator connects with `npm run connect`; startup warns), but never names mock users.
  const mockAdmins = (v.ADMINS ?? []).filter((entry) => isObjectId(entry) && !isGuid(entry));
  if (why && mockAdmins.length > 0) {
    problem(`ADMINS must name real Entra users when ${why}; not Entra object ids (Agents Playground mock users?): ${mockAdmins.join(', ')}`);
  }

  if (v.AUTHORITY_HOST !== undefined && !v.AUTHORITY_HOST.toLowerCase().startsWith('https://')) {
    problem(`AUTHORITY_HOST="${v.AUTHORITY_HOST}" must be an https:// URL (msal-node refuses other authorities)`);
  }
  // The key is named, never echoed.
  if (v.TOKEN_ENCRYPTION_KEY !== '' && !isEncryptionKey(v.TOKEN_ENCRYPTION_KEY)) {
    problem('TOKEN_ENCRYPTION_KEY must be 32 bytes as base64 or hex (e.g. `openssl rand -base64 32`), or a secret of at least 32 characters');
  }
  if (!production && v.STORE === 'azure' && v.TOKEN_ENCRYPTION_KEY === '') {
    problem('TOKEN_ENCRYPTION_KEY is required when STORE=azure: every instance must decrypt the same stored partner refresh token');
  }
  if (production && v.TOKEN_ENCRYPTION_KEY === '') {
    problem('TOKEN_ENCRYPTION_KEY is required when NODE_ENV=production: it encrypts the stored partner refresh token (32 random bytes as base64, e.g. a Key Vault reference in the app settings)');
  }
}

/** Whether an Azure Storage connection string reaches its endpoints over https only. */
function usesHttpsOnly(connectionString: string): boolean {
  const settings = connectionString
    .split(';')
    .map((part) => part.split('='))
    .map(([key, ...value]) => [key.trim().toLowerCase(), value.join('=').trim().toLowerCase()] as const);
  return settings.every(
    ([key, value]) =>
      !(key === 'defaultendpointsprotocol' && value !== 'https') &&
      !(key.endsWith('endpoint') && !value.startsWith('https://')) &&
      !(key === 'usedevelopmentstorage' && value === 'true'),
  );
}

/** The checked variables as the bot's configuration. */
function toConfig(v: Values): Config {
  const localMode = v.MicrosoftAppId === '';
  const partnerCenter = partnerCenterOf(v);
  return {
    nodeEnv: v.NODE_ENV,
    port: v.PORT,
    host: localMode ? '127.0.0.1' : '0.0.0.0',
    dataDir: v.DATA_DIR,
    logLevel: v.LOG_LEVEL,
    bot: {
      appId: v.MicrosoftAppId,
      appPassword: v.MicrosoftAppPassword,
      appType: v.MicrosoftAppType,
      appTenantId: v.MicrosoftAppTenantId,
      localMode,
    },
    store:
      v.STORE === 'azure'
        ? { kind: 'azure', connectionString: v.AZURE_STORAGE_CONNECTION_STRING, tablePrefix: v.AZURE_TABLE_PREFIX }
        : { kind: 'sqlite', dataDir: v.DATA_DIR, reset: v.STORE_RESET === 'true' },
    allowedTenantIds: v.ALLOWED_TENANT_IDS,
    partnerCenter,
    alerts: alertSettingsOf(v),
    approvals: {
      // Only local mode (sandbox, no app id) falls back to the Playground's users; the checks above refuse the rest.
      approvers: v.APPROVERS ?? parseApproverList(PLAYGROUND_APPROVERS).entries,
      ttlDays: v.APPROVAL_TTL_DAYS,
      channelId: v.APPROVAL_CHANNEL || undefined,
      priceListPath: priceListPathOf(v.PRICE_LIST_PATH, partnerCenter.mode),
    },
    // Only local mode (sandbox, no app id) falls back to a Playground user; elsewhere unset means nobody.
    admins: v.ADMINS ?? (localMode && partnerCenter.mode === 'sandbox' ? parseApproverList(PLAYGROUND_ADMINS).entries : []),
    migration: {
      concurrency: v.MIGRATION_CONCURRENCY,
      licensePath: v.LICENSE_PATH,
      deadlineMarginDays: v.DEADLINE_MARGIN_DAYS,
      leaseTtlSeconds: v.MIGRATION_LEASE_TTL_SECONDS,
    },
    rates: { headroom: v.RATE_HEADROOM, partnerCenterRequestsPerMinute: v.PARTNER_CENTER_REQUESTS_PER_MINUTE },
    observability: { appInsightsConnectionString: v.APPLICATIONINSIGHTS_CONNECTION_STRING || undefined },
  };
}

/** The sandbox ships a sample price list (found from the project folder); live mode shows prices only when the partner loads its own. */
function priceListPathOf(configured: string | undefined, mode: 'sandbox' | 'live'): string | undefined {
  if (configured !== undefined) return configured;
  const sample = path.resolve(SANDBOX_PRICE_LIST);
  return mode === 'sandbox' && fs.existsSync(sample) ? sample : undefined;
}

function partnerCenterOf(v: Values): PartnerCenterConfig {
  const common = { sandboxPort: v.SANDBOX_PORT, country: v.PARTNER_COUNTRY };
  if (v.PARTNER_CENTER_MODE === 'sandbox') {
    return {
      mode: 'sandbox',
      ...common,
      partnerCenterBaseUrl: v.PARTNER_CENTER_BASE_URL,
      graphBaseUrl: v.GRAPH_BASE_URL,
      partnerTenantId: v.PARTNER_TENANT_ID || SANDBOX_PARTNER_TENANT_ID,
      clientId: v.PARTNER_CENTER_CLIENT_ID || SANDBOX_CLIENT_ID,
      clientSecret: v.PARTNER_CENTER_CLIENT_SECRET || SANDBOX_CLIENT_SECRET,
      authorityHost: v.AUTHORITY_HOST ?? SANDBOX_AUTHORITY_HOST,
      tokenEncryptionKey: v.TOKEN_ENCRYPTION_KEY || undefined,
    };
  }
  const thumbprint = v.PARTNER_CENTER_CERTIFICATE_THUMBPRINT;
  const privateKeyPath = v.PARTNER_CENTER_CERTIFICATE_KEY_PATH;
  return {
    mode: 'live',
    ...common,
    partnerCenterBaseUrl: v.PARTNER_CENTER_BASE_URL ?? LIVE_PARTNER_CENTER_BASE_URL,
    graphBaseUrl: v.GRAPH_BASE_URL ?? LIVE_GRAPH_BASE_URL,
    partnerTenantId: v.PARTNER_TENANT_ID,
    clientId: v.PARTNER_CENTER_CLIENT_ID,
    clientSecret: v.PARTNER_CENTER_CLIENT_SECRET || undefined,
    certificate: thumbprint !== '' || privateKeyPath !== '' ? { thumbprint, privateKeyPath } : undefined,
    refreshToken: v.PARTNER_CENTER_REFRESH_TOKEN || undefined,
    authorityHost: v.AUTHORITY_HOST ?? LIVE_AUTHORITY_HOST,
    tokenEncryptionKey: v.TOKEN_ENCRYPTION_KEY || undefined,
  };
}

const CONFIG_SCHEMA = z.object(VARIABLES).superRefine(checkCombinations, { when: () => true }).transform(toConfig);

/**
 * A problem as the operator reads it: field issues continue the variable's name, combination issues are whole.
 * Control characters in echoed values are escaped, so each problem stays one line of the log.
 */
function problemLine(issue: z.core.$ZodIssue): string {
  const name = issue.path.map(String).join('.');
  const line = name === '' ? issue.message : issue.code === 'custom' ? `${name}${issue.message}` : `${name}: ${issue.message}`;
  // eslint-disable-next-line no-control-regex
  return line.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Reads and validates the configuration; throws ConfigError naming every bad variable. */
export function loadConfig(env: Env): Config {
  const parsed = CONFIG_SCHEMA.safeParse(env);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map(problemLine));
  return deepFreeze(parsed.data);
}

/** The process environment with `.env` (if present) filled in underneath it; real variables win. */
export function environmentWithDotEnv(cwd: string, env: NodeJS.ProcessEnv): Env {
  const file = path.join(cwd, '.env');
  if (!fs.existsSync(file)) return env;
  const fromFile = dotenv.parse(fs.readFileSync(file));
  return { ...fromFile, ...env };
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const inner of Object.values(value as object)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
