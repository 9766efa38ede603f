/**
 * One entry point for the composition root: the token sources for `sandbox` or `live` mode from a plain config
 * object (filled by the config module; nothing here reads the environment).
 */
import { readFileSync } from 'node:fs';
import {
  graphAppTokenSource,
  partnerCenterAppTokenSource,
  partnerCenterUserTokenSource,
  type AppCredential,
  type MsalClientFactory,
} from './msalTokenSources';
import { createSandboxTokenSource } from './sandboxTokens';
import type { TokenCacheOptions } from './tokenCache';

export interface TokenSourcesConfig {
  mode: 'sandbox' | 'live';
  /** Partner tenant id. */
  tenantId: string;
  /** App registration (client) id. */
  clientId: string;
  /** Live: exactly one of `clientSecret` and `certificate`. */
  clientSecret?: string;
  certificate?: { thumbprint: string; privateKeyPath: string };
  /** Live: enables the Partner Center App+User source (stored refresh token of an MFA sign-in). */
  refreshToken?: string;
  /** Defaults to https://login.microsoftonline.com. */
  authorityHost?: string;
}

export interface TokenSources {
  /** Partner Center app-only. */
  partnerCenter: () => Promise<string>;
  /** Partner Center App+User; present in sandbox mode and in live mode with a refresh token. */
  partnerCenterUser?: () => Promise<string>;
  /** Graph app-only in a customer tenant. */
  graph: (tenantId: string) => Promise<string>;
}

export interface TokenSourcesDependencies {
  msalClientFactory?: MsalClientFactory;
  readFile?: (path: string) => string;
  cache?: TokenCacheOptions;
  /** Sandbox token clock (of their `iat`/`exp` and their cache); defaults to `cache.now`. */
  now?: () => number;
}

export function createTokenSources(config: TokenSourcesConfig, dependencies: TokenSourcesDependencies = {}): TokenSources {
  requireText(config.tenantId, 'tenantId');
  requireText(config.clientId, 'clientId');
  if (config.mode === 'sandbox') {
    return createSandboxTokenSource({
      partnerTenantId: config.tenantId,
      clientId: config.clientId,
      now: dependencies.now ?? dependencies.cache?.now,
      refreshMarginMs: dependencies.cache?.refreshMarginMs,
    });
  }

  const credential = liveCredential(config, dependencies.readFile ?? ((path) => readFileSync(path, 'utf8')));
  const shared = {
    clientId: config.clientId,
    credential,
    authorityHost: config.authorityHost,
    msalClientFactory: dependencies.msalClientFactory,
    cache: dependencies.cache,
  };
  const sources: TokenSources = {
    partnerCenter: partnerCenterAppTokenSource({ ...shared, tenantId: config.tenantId }),
    graph: graphAppTokenSource(shared),
  };
  if (config.refreshToken) {
    sources.partnerCenterUser = partnerCenterUserTokenSource({ ...shared, tenantId: config.tenantId, refreshToken: config.refreshToken });
  }
  return sources;
}

function liveCredential(config: TokenSourcesConfig, readFile: (path: string) => string): AppCredential {
  const hasSecret = Boolean(config.clientSecret);
  const hasCertificate = Boolean(config.certificate);
  if (hasSecret === hasCertificate) {
    throw new Error('live token config needs exactly one of clientSecret and certificate');
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
