/**
 * One entry point for the composition root: msal-node token sources and the partner admin's connection from a plain
 * config object (filled by the config module; nothing here reads the environment). Sandbox and live mode run the same
 * code; sandbox mode only gives msal-node the sandbox's authority host and a network client that carries its requests
 * there. No token is minted here or anywhere else in the bot: they all come from an identity endpoint.
 */
import { readFileSync } from 'node:fs';
import type { Store } from '../store/store';
import {
  DEFAULT_AUTHORITY_HOST,
  DelegatedTokens,
  graphAppTokenSource,
  partnerCenterAppTokenSource,
  type AppCredential,
  type MsalClientFactory,
} from './msalTokenSources';
import { StoredPartnerConnection, type PartnerConnection, type PartnerConnectionOptions } from './partnerConnection';
import { RefreshTokenStore } from './refreshTokenStore';
import { SandboxNetworkClient } from './sandboxNetwork';
import type { TokenCacheOptions } from './tokenCache';

export interface TokenSourcesConfig {
  mode: 'sandbox' | 'live';
  /** Partner tenant id. */
  tenantId: string;
  /** App registration (client) id. */
  clientId: string;
  /** Exactly one of `clientSecret` and `certificate`. */
  clientSecret?: string;
  certificate?: { thumbprint: string; privateKeyPath: string };
  /** `AUTHORITY_HOST`; defaults to https://login.microsoftonline.com. Sandbox mode: the https host msal-node is given. */
  authorityHost?: string;
  /** Sandbox mode: the running sandbox (http) that serves `authorityHost`. */
  sandboxUrl?: string;
}

export interface TokenSources {
  /** Partner Center app-only. */
  partnerCenter: () => Promise<string>;
  /** Partner Center App+User (the connected partner admin); PartnerNotConnectedError when nobody is connected. */
  partnerCenterUser: () => Promise<string>;
  /** Graph app-only in a customer tenant (only where the customer consented to the app). */
  graph: (tenantId: string) => Promise<string>;
  /** Graph delegated in a customer tenant through GDAP: the partner admin's refresh token redeemed there. */
  graphDelegated: (customerTenantId: string) => Promise<string>;
}

export interface TokenSourcesDependencies {
  /** Where the partner admin's refresh token lives (meta table). */
  store: Store;
  /** AES-256-GCM key of the stored refresh token (32 bytes). */
  encryptionKey: Buffer;
  msalClientFactory?: MsalClientFactory;
  publicClientFactory?: PartnerConnectionOptions['publicClientFactory'];
  readFile?: (path: string) => string;
  cache?: TokenCacheOptions;
  /** Bot clock of the stored connection times; defaults to `cache.now`. */
  now?: () => number;
}

export interface PartnerAuth {
  tokens: TokenSources;
  partnerConnection: PartnerConnection;
}

export function createPartnerAuth(config: TokenSourcesConfig, dependencies: TokenSourcesDependencies): PartnerAuth {
  requireText(config.tenantId, 'tenantId');
  requireText(config.clientId, 'clientId');
  const authorityHost = (config.authorityHost ?? DEFAULT_AUTHORITY_HOST).replace(/\/$/, '');
  if (!authorityHost.startsWith('https://')) throw new Error('token config: authorityHost must be https:// (msal-node refuses others)');
  let networkClient: SandboxNetworkClient | undefined;
  if (config.mode === 'sandbox') {
    requireText(config.sandboxUrl, 'sandboxUrl');
    networkClient = new SandboxNetworkClient(authorityHost, config.sandboxUrl as string);
  }
  const credential = appCredential(config, dependencies.readFile ?? ((path) => readFileSync(path, 'utf8')));
  const now = dependencies.now ?? dependencies.cache?.now ?? Date.now;
  const shared = {
    clientId: config.clientId,
    credential,
    authorityHost,
    networkClient,
    msalClientFactory: dependencies.msalClientFactory,
    cache: dependencies.cache,
  };
  const store = new RefreshTokenStore(dependencies.store, dependencies.encryptionKey);
  const partnerConnection = new StoredPartnerConnection({
    store,
    partnerTenantId: config.tenantId,
    clientId: config.clientId,
    authorityHost,
    networkClient,
    now,
    publicClientFactory: dependencies.publicClientFactory,
  });
  const delegated = new DelegatedTokens({
    ...shared,
    partnerTenantId: config.tenantId,
    store,
    now,
    onRedemption: partnerConnection.redemptionListener,
  });
  return {
    tokens: {
      partnerCenter: partnerCenterAppTokenSource({ ...shared, tenantId: config.tenantId }),
      partnerCenterUser: () => delegated.partnerCenterUser(),
      graph: graphAppTokenSource(shared),
      graphDelegated: (customerTenantId: string) => delegated.graphDelegated(customerTenantId),
    },
    partnerConnection,
  };
}

export function createTokenSources(config: TokenSourcesConfig, dependencies: TokenSourcesDependencies): TokenSources {
  return createPartnerAuth(config, dependencies).tokens;
}

function appCredential(config: TokenSourcesConfig, readFile: (path: string) => string): AppCredential {
  const hasSecret = Boolean(config.clientSecret);
  const hasCertificate = Boolean(config.certificate);
  if (hasSecret === hasCertificate) {
    throw new Error('token config needs exactly one of clientSecret and certificate');
  }
  if (config.clientSecret) return { kind: 'secret', clientSecret: config.clientSecret };
  const certificate = config.certificate as { thumbprint: string; privateKeyPath: string };
  requireText(certificate.thumbprint, 'certificate.thumbprint');
  requireText(certificate.privateKeyPath, 'certificate.privateKeyPath');
  let privateKey: string;
  try {
    privateKey = readFile(certificate.privateKeyPath);
  } catch {
    throw new Error(`certificate.privateKeyPath: cannot read ${certificate.privateKeyPath}`);
  }
  if (!privateKey.includes('PRIVATE KEY-----')) {
    throw new Error(`certificate.privateKeyPath: ${certificate.privateKeyPath} holds no PEM private key`);
  }
  return { kind: 'certificate', thumbprint: certificate.thumbprint, privateKey };
}

function requireText(value: string | undefined, name: string): void {
  if (typeof value !== 'string' || value.trim() === '') throw new Error(`token config: ${name} is required`);
}
