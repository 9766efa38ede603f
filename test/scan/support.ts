import axios from 'axios';
import { startSandbox, type RunningSandbox, type SandboxOptions } from '../../sandbox/server';
import type { ExpiringSubscription } from '../../services/domain/expiring';
import { GraphClient } from '../../services/graph';
import { AdaptiveConcurrencyLimiter, ApiHttp, type ApiHttpOptions } from '../../services/http';
import { silentLogger, type Logger } from '../../services/logging';
import { PartnerCenterClient } from '../../services/partnerCenter';
import { ExpiryScanner, type ExpiryScannerDeps, type ScanGraph, type ScanPartnerCenter } from '../../services/scan';
import { IN_MEMORY, openSqliteStore, type Store } from '../../services/store';
import { sandboxAuth, sandboxTenantAccess } from '../support/sandboxAuth';

/** Wire bodies of the sandbox's admin API, read by shape (the one escape hatch from strict typing in these tests). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export const KAIZALA_SKU = '00000000-0000-4000-8000-00000000c0de';
export const PARTNER_TENANT = '5a1db0c5-0000-4000-8000-00000000face';

export async function admin(sandbox: RunningSandbox, method: string, path: string, body?: unknown): Promise<Json> {
  const response = await fetch(`${sandbox.url}/_sandbox${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`admin ${method} ${path}: ${response.status} ${text}`);
  return text ? (JSON.parse(text) as Json) : undefined;
}

/** Counts calls per method name while passing them through. */
export function counting<T extends object>(target: T, counts: Map<string, number>): T {
  return new Proxy(target, {
    get(object, property, receiver) {
      const value: unknown = Reflect.get(object, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        counts.set(String(property), (counts.get(String(property)) ?? 0) + 1);
        return (value as (...a: unknown[]) => unknown).apply(object, args);
      };
    },
  });
}

export interface SandboxScanSetup {
  sandbox: RunningSandbox;
  store: Store;
  limiter: AdaptiveConcurrencyLimiter;
  partnerCenter: ScanPartnerCenter;
  graph: ScanGraph;
  /** Calls per client method since the last `calls.clear()`. */
  calls: Map<string, number>;
  /** Every 429 ApiHttp was told about. */
  throttles: Array<{ service: string; retryAfterMs?: number }>;
  scanner(overrides?: Partial<ExpiryScannerDeps>): ExpiryScanner;
  close(): Promise<void>;
}

export interface SetupOptions {
  sandbox?: SandboxOptions;
  http?: Partial<ApiHttpOptions>;
  timeZone?: string;
  logger?: Logger;
  now?: () => Date;
  /** Token cache clock (the sandbox issues and checks expiry on its own clock). */
  tokenNow?: () => number;
}

/** A sandbox plus clients wired the way the composition root wires them: one limiter told about every 429. */
export async function setUpSandboxScan(options: SetupOptions = {}): Promise<SandboxScanSetup> {
  const sandbox = await startSandbox({ port: 0, seed: 'demo', ...options.sandbox });
  const store = openSqliteStore(IN_MEMORY);
  const limiter = new AdaptiveConcurrencyLimiter({ maxConcurrency: 4 });
  const throttles: SandboxScanSetup['throttles'] = [];
  const http = new ApiHttp({
    axios: axios.create(),
    onThrottled: (event) => {
      throttles.push({ service: event.service, retryAfterMs: event.retryAfterMs });
      limiter.recordThrottle();
    },
    ...options.http,
  });
  const { tokens } = await sandboxAuth(sandbox, { now: options.tokenNow, cache: options.tokenNow ? { now: options.tokenNow } : undefined });
  // Partner Center's tokens before the scan, as a running bot has them: the scan's first calls do not wait on sign-in.
  await Promise.all([tokens.partnerCenter(), tokens.partnerCenterUser()]);
  const calls = new Map<string, number>();
  const partnerCenter = counting<ScanPartnerCenter>(
    new PartnerCenterClient({ http, baseUrl: sandbox.partnerCenterBaseUrl, getToken: tokens.partnerCenter, getUserToken: tokens.partnerCenterUser }),
    calls,
  );
  // Customer tenants as the bot reaches them: app-only where consented, else the partner admin's delegated GDAP token.
  const graph = counting<ScanGraph>(
    new GraphClient({ http, baseUrl: sandbox.graphBaseUrl, getToken: tokens.graph, access: sandboxTenantAccess(tokens) }),
    calls,
  );
  return {
    sandbox,
    store,
    limiter,
    partnerCenter,
    graph,
    calls,
    throttles,
    scanner: (overrides = {}) =>
      new ExpiryScanner({
        partnerCenter,
        graph,
        store,
        limiter,
        logger: options.logger ?? silentLogger,
        timeZone: options.timeZone ?? 'UTC',
        now: options.now,
        ...overrides,
      }),
    async close() {
      await store.close();
      await sandbox.close();
    },
  };
}

export async function storedRows(store: Store): Promise<ExpiringSubscription[]> {
  return (await store.list<ExpiringSubscription>('subscriptionsSeen')).map((item) => item.value);
}

/** What the sandbox itself holds: every customer's Kaizala subscriptions (not deleted), seats in use and holders. */
export interface SandboxKaizala {
  customerId: string;
  companyName: string;
  subscriptionId: string;
  quantity: number;
  status: string;
  commitmentEndDate: string;
  consumed: number;
  holders: number;
}

export async function kaizalaInSandbox(sandbox: RunningSandbox): Promise<SandboxKaizala[]> {
  const { customers } = (await admin(sandbox, 'GET', '/customers')) as { customers: Json[] };
  const found: SandboxKaizala[] = [];
  for (const customer of customers) {
    const state = await admin(sandbox, 'GET', `/state/customers/${customer.id}`);
    const usage = (state.subscribedSkus as Json[]).find((sku) => sku.skuId === KAIZALA_SKU);
    const holders = (state.users as Json[]).filter((user) => (user.licenses as Json[]).some((license) => license.skuId === KAIZALA_SKU)).length;
    for (const subscription of state.subscriptions as Json[]) {
      if (!/kaizala/i.test(subscription.offerName) || subscription.status === 'deleted') continue;
      found.push({
        customerId: customer.id,
        companyName: customer.companyName,
        subscriptionId: subscription.id,
        quantity: subscription.quantity,
        status: subscription.status,
        commitmentEndDate: subscription.commitmentEndDate,
        consumed: usage?.consumed ?? 0,
        holders,
      });
    }
  }
  return found;
}
