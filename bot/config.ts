import * as fs from 'node:fs';
import * as path from 'node:path';
import * as dotenv from 'dotenv';
import { AlertSettings, readAlertSettings } from '../services/alerts/settings';
import { parseApproverList } from '../services/approvals/approvers';

/**
 * Every setting of the bot, read once from the environment (and an optional `.env`), validated and frozen.
 * Nothing else in the project reads `process.env`.
 */
export interface Config {
  readonly nodeEnv: string;
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
    | { readonly kind: 'sqlite'; readonly dataDir: string }
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
    /** Partner Center price list CSV; undefined = no prices on the cards. */
    readonly priceListPath?: string;
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
}

/** Megan Bowen and Adele Vance, the Agents Playground's mock users: Alex Wilber (the default user) requests. */
const PLAYGROUND_APPROVERS = '00000000-0000-0000-0000-0000000000021,00000000-0000-0000-0000-0000000000022';
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
  /** Enables Partner Center App+User calls in live mode (stored refresh token of an MFA sign-in). */
  readonly refreshToken?: string;
  /** Catalog market, e.g. US or DE. */
  readonly country: string;
}

export const LIVE_PARTNER_CENTER_BASE_URL = 'https://api.partnercenter.microsoft.com/v1';
export const LIVE_GRAPH_BASE_URL = 'https://graph.microsoft.com/v1.0';
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

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Collects problems instead of throwing at the first one. */
class EnvReader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  string(name: string, fallback = ''): string {
    const raw = this.env[name];
    return raw === undefined || raw.trim() === '' ? fallback : raw.trim();
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const value = this.string(name, fallback);
    if ((allowed as readonly string[]).includes(value)) return value as T;
    this.problems.push(`${name}="${value}" must be one of: ${allowed.join(', ')}`);
    return fallback;
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const raw = this.string(name);
    if (raw === '') return fallback;
    const value = Number(raw);
    if (Number.isInteger(value) && value >= min && value <= max) return value;
    this.problems.push(`${name}="${raw}" must be a whole number from ${min} to ${max}`);
    return fallback;
  }

  url(name: string): string | undefined {
    const raw = this.string(name);
    if (raw === '') return undefined;
    try {
      const url = new URL(raw);
      if (url.protocol === 'http:' || url.protocol === 'https:') return raw.replace(/\/+$/, '');
    } catch {
      // reported below
    }
    this.problems.push(`${name}="${raw}" must be an http(s) URL`);
    return undefined;
  }

  guidList(name: string): string[] {
    const values = this.string(name)
      .split(',')
      .map((v) => v.trim())
      .filter((v) => v !== '');
    const bad = values.filter((v) => !GUID.test(v));
    if (bad.length > 0) this.problems.push(`${name} must be a comma-separated list of tenant GUIDs; not valid: ${bad.join(', ')}`);
    return values.filter((v) => GUID.test(v)).map((v) => v.toLowerCase());
  }
}

/** Reads and validates the configuration; throws ConfigError naming every bad variable. */
export function loadConfig(env: Env): Config {
  const read = new EnvReader(env);
  const nodeEnv = read.string('NODE_ENV', 'development');
  const appId = read.string('MicrosoftAppId');
  const appPassword = read.string('MicrosoftAppPassword');
  const appType = read.oneOf('MicrosoftAppType', ['MultiTenant', 'SingleTenant', 'UserAssignedMSI'] as const, 'MultiTenant');
  const appTenantId = read.string('MicrosoftAppTenantId');
  const localMode = appId === '';

  if (localMode && nodeEnv === 'production') {
    read.problems.push('MicrosoftAppId is empty but NODE_ENV=production: a production bot must authenticate (set MicrosoftAppId and its credential)');
  }
  if (!localMode && !GUID.test(appId)) read.problems.push(`MicrosoftAppId="${appId}" must be the bot's Microsoft Entra app id (a GUID)`);
  if (!localMode && appType !== 'UserAssignedMSI' && appPassword === '') {
    read.problems.push('MicrosoftAppPassword is required when MicrosoftAppId is set (or use MicrosoftAppType=UserAssignedMSI)');
  }
  if (!localMode && appType !== 'MultiTenant' && !GUID.test(appTenantId)) {
    read.problems.push(`MicrosoftAppTenantId must be a tenant GUID when MicrosoftAppType=${appType}`);
  }

  const dataDir = path.resolve(read.string('DATA_DIR', './data'));
  const storeKind = read.oneOf('STORE', ['sqlite', 'azure'] as const, 'sqlite');
  const connectionString = read.string('AZURE_STORAGE_CONNECTION_STRING');
  if (storeKind === 'azure' && connectionString === '') {
    read.problems.push('AZURE_STORAGE_CONNECTION_STRING is required when STORE=azure');
  }
  const tablePrefix = read.string('AZURE_TABLE_PREFIX', 'kma');
  if (!/^[A-Za-z][A-Za-z0-9]{0,19}$/.test(tablePrefix)) {
    read.problems.push(`AZURE_TABLE_PREFIX="${tablePrefix}" must be 1-20 letters or digits, starting with a letter`);
  }

  const allowedTenantIds = read.guidList('ALLOWED_TENANT_IDS');
  if (!localMode && allowedTenantIds.length === 0) {
    read.problems.push('ALLOWED_TENANT_IDS is required when MicrosoftAppId is set: the partner tenant id(s) whose users may use the bot');
  }

  const partnerCenter = readPartnerCenter(read);

  const alerts = readAlertSettings(env);
  read.problems.push(...alerts.problems);

  const approverList = parseApproverList(read.string('APPROVERS', localMode ? PLAYGROUND_APPROVERS : ''));
  if (approverList.invalid.length > 0) {
    read.problems.push(`APPROVERS must list Entra object ids or UPNs; not valid: ${approverList.invalid.join(', ')}`);
  }
  if (!localMode && approverList.entries.length === 0) {
    read.problems.push('APPROVERS is required when MicrosoftAppId is set: the Entra object ids or UPNs of the people who approve migrations');
  }
  const priceListPath = readPriceListPath(read, partnerCenter.mode);
  const licensePath = read.oneOf('LICENSE_PATH', ['graph', 'partnerCenter'] as const, 'graph');
  if (licensePath === 'partnerCenter' && partnerCenter.mode === 'live' && !partnerCenter.refreshToken) {
    read.problems.push('LICENSE_PATH=partnerCenter needs PARTNER_CENTER_REFRESH_TOKEN in live mode (licenseupdates is an App+User call)');
  }

  const config: Config = {
    nodeEnv,
    port: read.integer('PORT', 3978, 0, 65535),
    host: localMode ? '127.0.0.1' : '0.0.0.0',
    dataDir,
    logLevel: read.oneOf('LOG_LEVEL', ['debug', 'info', 'warn', 'error'] as const, 'info'),
    bot: { appId, appPassword, appType, appTenantId, localMode },
    store: storeKind === 'azure' ? { kind: 'azure', connectionString, tablePrefix } : { kind: 'sqlite', dataDir },
    allowedTenantIds,
    partnerCenter,
    alerts: alerts.settings,
    approvals: {
      approvers: approverList.entries,
      ttlDays: read.integer('APPROVAL_TTL_DAYS', 7, 1, 90),
      priceListPath,
    },
    migration: {
      concurrency: read.integer('MIGRATION_CONCURRENCY', 3, 1, 8),
      licensePath,
      deadlineMarginDays: read.integer('DEADLINE_MARGIN_DAYS', 3, 0, 60),
      leaseTtlSeconds: read.integer('MIGRATION_LEASE_TTL_SECONDS', 60, 15, 600),
    },
  };
  if (read.problems.length > 0) throw new ConfigError(read.problems);
  return deepFreeze(config);
}

/** The sandbox ships a sample price list (found from the project folder); live mode shows prices only when the partner loads its own. */
function readPriceListPath(read: EnvReader, mode: 'sandbox' | 'live'): string | undefined {
  const configured = read.string('PRICE_LIST_PATH');
  const file = configured !== '' ? path.resolve(configured) : mode === 'sandbox' ? path.resolve(SANDBOX_PRICE_LIST) : undefined;
  if (file !== undefined && !fs.existsSync(file)) {
    if (configured !== '') read.problems.push(`PRICE_LIST_PATH="${configured}" does not exist`);
    else return undefined;
  }
  return file;
}

function readPartnerCenter(read: EnvReader): PartnerCenterConfig {
  const mode = read.oneOf('PARTNER_CENTER_MODE', ['sandbox', 'live'] as const, 'sandbox');
  const partnerCenterBaseUrl = read.url('PARTNER_CENTER_BASE_URL');
  const graphBaseUrl = read.url('GRAPH_BASE_URL');
  const sandboxPort = read.integer('SANDBOX_PORT', 3979, 0, 65535);
  const country = read.string('PARTNER_COUNTRY', 'US').toUpperCase();
  if (!/^[A-Z]{2}$/.test(country)) read.problems.push(`PARTNER_COUNTRY="${country}" must be a two-letter ISO country code, e.g. US or DE`);

  if (mode === 'sandbox') {
    if (read.string('NODE_ENV') === 'production') {
      read.problems.push('PARTNER_CENTER_MODE=sandbox (the default) is not allowed with NODE_ENV=production: set PARTNER_CENTER_MODE=live and its credentials');
    }
    if ((partnerCenterBaseUrl === undefined) !== (graphBaseUrl === undefined)) {
      read.problems.push('PARTNER_CENTER_BASE_URL and GRAPH_BASE_URL go together in sandbox mode (both point at a running sandbox)');
    }
    return {
      mode,
      partnerCenterBaseUrl,
      graphBaseUrl,
      sandboxPort,
      country,
      partnerTenantId: read.string('PARTNER_TENANT_ID', SANDBOX_PARTNER_TENANT_ID),
      clientId: read.string('PARTNER_CENTER_CLIENT_ID', SANDBOX_CLIENT_ID),
    };
  }

  const partnerTenantId = read.string('PARTNER_TENANT_ID');
  const clientId = read.string('PARTNER_CENTER_CLIENT_ID');
  const clientSecret = read.string('PARTNER_CENTER_CLIENT_SECRET') || undefined;
  const thumbprint = read.string('PARTNER_CENTER_CERTIFICATE_THUMBPRINT');
  const privateKeyPath = read.string('PARTNER_CENTER_CERTIFICATE_KEY_PATH');
  if (!GUID.test(partnerTenantId)) read.problems.push('PARTNER_TENANT_ID must be the partner tenant GUID when PARTNER_CENTER_MODE=live');
  if (!GUID.test(clientId)) read.problems.push('PARTNER_CENTER_CLIENT_ID must be the app registration GUID when PARTNER_CENTER_MODE=live');
  const hasCertificate = thumbprint !== '' || privateKeyPath !== '';
  if (hasCertificate && (thumbprint === '' || privateKeyPath === '')) {
    read.problems.push('PARTNER_CENTER_CERTIFICATE_THUMBPRINT and PARTNER_CENTER_CERTIFICATE_KEY_PATH go together');
  } else if (hasCertificate && !fs.existsSync(privateKeyPath)) {
    read.problems.push(`PARTNER_CENTER_CERTIFICATE_KEY_PATH="${privateKeyPath}" does not exist`);
  }
  if (Boolean(clientSecret) === hasCertificate) {
    read.problems.push('PARTNER_CENTER_MODE=live needs exactly one credential: PARTNER_CENTER_CLIENT_SECRET or a certificate (PARTNER_CENTER_CERTIFICATE_THUMBPRINT + PARTNER_CENTER_CERTIFICATE_KEY_PATH)');
  }
  return {
    mode,
    partnerCenterBaseUrl: partnerCenterBaseUrl ?? LIVE_PARTNER_CENTER_BASE_URL,
    graphBaseUrl: graphBaseUrl ?? LIVE_GRAPH_BASE_URL,
    sandboxPort,
    country,
    partnerTenantId,
    clientId,
    clientSecret,
    certificate: hasCertificate ? { thumbprint, privateKeyPath } : undefined,
    refreshToken: read.string('PARTNER_CENTER_REFRESH_TOKEN') || undefined,
  };
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
