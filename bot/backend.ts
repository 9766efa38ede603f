import axios from 'axios';
import { startSandbox, RunningSandbox } from '../sandbox/server';
import {
  DEMO_PARTNER_ADMIN,
  RefreshTokenStore,
  createPartnerAuth,
  localEncryptionKey,
  parseEncryptionKey,
  signInSandboxPartnerAdmin,
  type PartnerConnection,
  type PartnerConnectionStatus,
  type TokenSources,
} from '../services/auth';
import { GraphClient } from '../services/graph';
import {
  AdaptiveConcurrencyLimiter,
  ApiHttp,
  DEFAULT_HEADROOM,
  GRAPH_WRITES_BUDGET,
  InProcessPacer,
  PARTNER_CENTER_LICENSE_UPDATES_BUDGET,
  partnerCenterBudget,
  RequestLogger,
  SendRateLimiter,
  SharedPacer,
  TEAMS_CONVERSATION_BUDGET,
  TEAMS_TENANT_BUDGET,
  type BudgetSpec,
  type Pacer,
} from '../services/http';
import { Logger } from '../services/logging';
import { PartnerCenterClient } from '../services/partnerCenter';
import type { Store } from '../services/store/store';
import { PartnerCenterConfig } from './config';
import { ReadinessCheck } from './httpServer';

/** The Partner Center and Graph clients the bot uses, whichever backend they talk to. */
export interface Backend {
  partnerCenter: PartnerCenterClient;
  graph: GraphClient;
  /** Fans Partner Center calls out across customers without storms (halves on 429). */
  limiter: AdaptiveConcurrencyLimiter;
  /** One budget per external limit; every Partner Center call of `partnerCenter` already draws from its own. */
  budgets: RateBudgets;
  partnerCenterBaseUrl: string;
  graphBaseUrl: string;
  /** Set when this process runs the sandbox itself. */
  embeddedSandbox?: RunningSandbox;
  readiness: ReadinessCheck;
  /** The partner admin's App+User connection: status, device-code connect, change events (admin cards, status). */
  partnerConnection: PartnerConnection;
  /** The token sources (Graph delegated through GDAP included) the clients are built on. */
  tokens: TokenSources;
  close(): Promise<void>;
}

/** The rate budgets of the external limits the bot calls under (services/http/pacing). */
export interface RateBudgets {
  /** Per partner tenant. */
  partnerCenter: Pacer;
  /** Graph writes per customer tenant (assignLicense). */
  graphWrites: Pacer;
  /** Partner Center licenseupdates per customer. */
  partnerCenterLicenseUpdates: Pacer;
  /** Teams sends per conversation and per tenant. */
  teamsSends: SendRateLimiter;
}

export interface RateBudgetOptions {
  /** Share of each published limit to plan for (RATE_HEADROOM). */
  headroom: number;
  partnerCenterRequestsPerMinute: number;
  /** Share the budgets with every instance on the store (several instances: Azure Tables); else this process's own. */
  shared?: boolean;
}

export const DEFAULT_RATE_BUDGETS: RateBudgetOptions = { headroom: DEFAULT_HEADROOM, partnerCenterRequestsPerMinute: 500 };

export function createRateBudgets(options: RateBudgetOptions, store?: Store): RateBudgets {
  const { headroom } = options;
  const shared = options.shared === true ? store : undefined;
  const pacer = (spec: BudgetSpec): Pacer => (shared ? new SharedPacer(shared, spec, { headroom }) : new InProcessPacer(spec, headroom));
  return {
    partnerCenter: pacer(partnerCenterBudget(options.partnerCenterRequestsPerMinute)),
    graphWrites: pacer(GRAPH_WRITES_BUDGET),
    partnerCenterLicenseUpdates: pacer(PARTNER_CENTER_LICENSE_UPDATES_BUDGET),
    teamsSends: new SendRateLimiter(undefined, undefined, shared ? { perConversation: pacer(TEAMS_CONVERSATION_BUDGET), perTenant: pacer(TEAMS_TENANT_BUDGET) } : undefined),
  };
}

/** How long a successful readiness probe of Partner Center is trusted, so probes do not eat its rate limit. */
const READINESS_CACHE_MS = 30_000;

/**
 * Builds the clients. Live and sandbox mode share all client code: only the base URLs and the token source
 * differ. In sandbox mode without base URLs this process starts the sandbox (state in DATA_DIR) itself.
 */
export async function connectBackend(
  config: PartnerCenterConfig,
  dataDir: string,
  logger: Logger,
  /** Where the partner admin's refresh token is kept (encrypted). */
  store: Store,
  rates: RateBudgetOptions = DEFAULT_RATE_BUDGETS,
): Promise<Backend> {
  let embeddedSandbox: RunningSandbox | undefined;
  let partnerCenterBaseUrl = config.partnerCenterBaseUrl;
  let graphBaseUrl = config.graphBaseUrl;
  if (config.mode === 'sandbox' && (partnerCenterBaseUrl === undefined || graphBaseUrl === undefined)) {
    embeddedSandbox = await startSandbox({ port: config.sandboxPort, dataDir, seed: 'demo', log: (line) => logger.info(line) });
    partnerCenterBaseUrl = embeddedSandbox.partnerCenterBaseUrl;
    graphBaseUrl = embeddedSandbox.graphBaseUrl;
    logger.info(`Embedded Partner Center sandbox on ${embeddedSandbox.url} (demo data; admin API under /_sandbox/)`);
  }
  if (partnerCenterBaseUrl === undefined || graphBaseUrl === undefined) {
    throw new Error('Partner Center and Graph base URLs are missing');
  }

  // Sandbox mode talks to the sandbox's identity endpoint: the embedded one, or the one serving the given base URLs.
  const sandboxUrl = config.mode === 'sandbox' ? (embeddedSandbox?.url ?? new URL(partnerCenterBaseUrl).origin) : undefined;
  const encryptionKey = config.tokenEncryptionKey ? parseEncryptionKey(config.tokenEncryptionKey) : localEncryptionKey(dataDir);
  const { tokens, partnerConnection } = createPartnerAuth(
    {
      mode: config.mode,
      tenantId: config.partnerTenantId,
      clientId: config.clientId,
      clientSecret: config.clientSecret,
      certificate: config.certificate,
      authorityHost: config.authorityHost,
      sandboxUrl,
    },
    { store, encryptionKey },
  );
  await importConfiguredRefreshToken(config, store, encryptionKey, logger);
  partnerConnection.onChange((status) => logConnection(logger, status));
  if (sandboxUrl && (await partnerConnection.status()).state !== 'connected') {
    // The newcomer path stays two commands: the sandbox approves the demo partner admin's device code.
    const status = await signInSandboxPartnerAdmin(partnerConnection, sandboxUrl);
    logger.info(`Sandbox: signed in the demo partner admin ${status.userPrincipalName ?? DEMO_PARTNER_ADMIN} (device code approved by the sandbox)`);
  }
  const limiter = new AdaptiveConcurrencyLimiter({ maxConcurrency: 4 });
  const budgets = createRateBudgets(rates, store);
  const http = new ApiHttp({
    axios: axios.create(),
    budgets: { partnerCenter: { pacer: budgets.partnerCenter, key: config.partnerTenantId } },
    logger: requestLogger(logger),
    onThrottled: () => limiter.recordThrottle(),
  });
  const partnerCenter = new PartnerCenterClient({
    http,
    baseUrl: partnerCenterBaseUrl,
    getToken: tokens.partnerCenter,
    getUserToken: tokens.partnerCenterUser,
  });
  const graph = new GraphClient({ http, baseUrl: graphBaseUrl, getToken: tokens.graph });

  let lastSuccessAt = -Infinity;
  const readiness: ReadinessCheck = {
    name: 'partnerCenter',
    check: async () => {
      if (Date.now() - lastSuccessAt < READINESS_CACHE_MS) return;
      const firstPage = partnerCenter.listCustomers({ size: 1 });
      await firstPage.next();
      await firstPage.return(undefined);
      // App+User calls need a connected partner admin: until then /readyz/details says who is (not) connected and why.
      const connection = await partnerConnection.status();
      if (connection.state !== 'connected') throw new Error(describeConnection(connection));
      lastSuccessAt = Date.now();
    },
    // Who the bot acts as, MFA and the refresh token's age, also while everything is fine (day 60 comes quietly).
    details: async () => describeConnection(await partnerConnection.status()),
  };

  return {
    partnerCenter,
    graph,
    limiter,
    budgets,
    partnerCenterBaseUrl,
    graphBaseUrl,
    embeddedSandbox,
    readiness,
    partnerConnection,
    tokens,
    close: async () => {
      await embeddedSandbox?.close();
    },
  };
}

/** Client calls at debug level; failures and retries at warn, so throttling is visible in production logs. */
function requestLogger(logger: Logger): RequestLogger {
  return {
    logRequest: (entry) => {
      const fields = { ...entry };
      if (entry.outcome === 'ok') logger.debug(`${entry.service} ${entry.method} ${entry.path} ${entry.status}`, fields);
      else logger.warn(`${entry.service} ${entry.method} ${entry.path} ${entry.status ?? 'no response'} (${entry.outcome})`, fields);
    },
  };
}

/** One line for logs and /readyz/details: state, who, MFA, token age — never the token. */
export function describeConnection(status: PartnerConnectionStatus, now = Date.now()): string {
  if (status.state === 'notConnected') return 'partner admin not connected: run `npm run connect` or say "connect partner center" to the bot';
  const days = status.tokenIssuedAt === undefined ? '?' : Math.floor((now - status.tokenIssuedAt) / 86_400_000);
  const who = `${status.userPrincipalName ?? 'unknown user'}, ${status.mfa ? 'MFA' : 'no MFA'}, refresh token ${days} days old`;
  if (status.state === 'connected') return `connected as ${who}`;
  const why = status.lastFailure ? `: ${status.lastFailure.reason}` : '';
  return `partner admin connection ${status.state} (${who})${why}; reconnect with \`npm run connect\` or "connect partner center"`;
}

function logConnection(logger: Logger, status: PartnerConnectionStatus): void {
  if (status.state === 'connected') logger.debug(`Partner Center connection: ${describeConnection(status)}`);
  else logger.warn(`Partner Center connection: ${describeConnection(status)}`);
}

/**
 * PARTNER_CENTER_REFRESH_TOKEN (the secure application model's earlier setup) is taken over once into the encrypted,
 * rotating store when nobody is connected; from then on the stored, rotated token is the one used.
 */
async function importConfiguredRefreshToken(config: PartnerCenterConfig, store: Store, key: Buffer, logger: Logger): Promise<void> {
  if (!config.refreshToken) return;
  const tokens = new RefreshTokenStore(store, key);
  if (await tokens.read()) return;
  const now = Date.now();
  await tokens.connect({ userPrincipalName: 'imported from PARTNER_CENTER_REFRESH_TOKEN', mfa: false, tokenIssuedAt: now, connectedAt: now }, config.refreshToken);
  logger.warn('PARTNER_CENTER_REFRESH_TOKEN was imported into the encrypted token store; remove it from the configuration and connect with `npm run connect` for MFA status');
}
