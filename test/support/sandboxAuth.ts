/**
 * Tokens in tests come from the sandbox's identity endpoint through the bot's own msal-node token sources — nothing
 * here mints: the partner admin signs in with the real device-code flow, approved through the sandbox's admin API.
 */
import { randomBytes } from 'node:crypto';
import { SANDBOX_AUTHORITY_HOST, SANDBOX_CLIENT_SECRET } from '../../sandbox/identity';
import {
  createPartnerAuth,
  signInSandboxPartnerAdmin,
  type PartnerAuth,
  type TokenCacheOptions,
  type TokenSources,
  type TokenSourcesDependencies,
} from '../../services/auth';
import { InMemoryAccessMemory, TenantAccess } from '../../services/graph';
import { IN_MEMORY, openSqliteStore, type Store } from '../../services/store';

export interface SandboxAuthOptions {
  /** Where the refresh token is kept; default a fresh in-memory store. */
  store?: Store;
  encryptionKey?: Buffer;
  /** Sign the demo partner admin in (default true). */
  connect?: boolean;
  mfa?: boolean;
  userPrincipalName?: string;
  cache?: TokenCacheOptions;
  now?: () => number;
  msalClientFactory?: TokenSourcesDependencies['msalClientFactory'];
}

export interface SandboxAuth extends PartnerAuth {
  store: Store;
  encryptionKey: Buffer;
}

/** The sandbox's partner app, tenant and identity endpoint as a running sandbox (or its URL) names them. */
export async function sandboxAuth(
  sandbox: { url: string; partnerTenantId: string; clientId: string },
  options: SandboxAuthOptions = {},
): Promise<SandboxAuth> {
  const store = options.store ?? openSqliteStore(IN_MEMORY);
  const encryptionKey = options.encryptionKey ?? randomBytes(32);
  const auth = createPartnerAuth(
    {
      mode: 'sandbox',
      tenantId: sandbox.partnerTenantId,
      clientId: sandbox.clientId,
      clientSecret: SANDBOX_CLIENT_SECRET,
      authorityHost: SANDBOX_AUTHORITY_HOST,
      sandboxUrl: sandbox.url,
    },
    { store, encryptionKey, cache: options.cache, now: options.now, msalClientFactory: options.msalClientFactory },
  );
  if (options.connect !== false) {
    await signInSandboxPartnerAdmin(auth.partnerConnection, sandbox.url, { mfa: options.mfa, userPrincipalName: options.userPrincipalName });
  }
  return { ...auth, store, encryptionKey };
}

/**
 * The same, for synchronous set-ups: the token sources at once, the demo partner admin's device-code sign-in on the
 * first delegated token asked for (once).
 */
export function lazySandboxTokens(
  sandbox: { url: string; partnerTenantId: string; clientId: string },
  options: Omit<SandboxAuthOptions, 'connect'> = {},
): SandboxAuth['tokens'] {
  let ready: Promise<SandboxAuth> | undefined;
  const unconnected = sandboxAuth(sandbox, { ...options, connect: false });
  const connected = () =>
    (ready ??= unconnected.then(async (auth) => {
      await signInSandboxPartnerAdmin(auth.partnerConnection, sandbox.url, { mfa: options.mfa, userPrincipalName: options.userPrincipalName });
      return auth;
    }));
  return {
    partnerCenter: async () => (await unconnected).tokens.partnerCenter(),
    graph: async (tenantId) => (await unconnected).tokens.graph(tenantId),
    partnerCenterUser: async () => (await connected()).tokens.partnerCenterUser(),
    graphDelegated: async (tenantId) => (await connected()).tokens.graphDelegated(tenantId),
  };
}

/**
 * The bot's way into customer tenants, wired as bot/index.ts wires it: app-only where the customer consented, else
 * the partner admin's delegated GDAP token (the sandbox, like Microsoft, gives most customers no app-only consent).
 * Remembered in memory, per test client.
 */
export function sandboxTenantAccess(tokens: Pick<TokenSources, 'graph' | 'graphDelegated'>): TenantAccess {
  return new TenantAccess({ appOnly: tokens.graph, delegated: tokens.graphDelegated, memory: new InMemoryAccessMemory() });
}
