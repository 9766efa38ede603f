import { randomUUID } from 'node:crypto';
import axios, { type AxiosInstance, type InternalAxiosRequestConfig } from 'axios';
import { startSandbox, type RunningSandbox, type SandboxOptions } from '../../sandbox/server';
import type { FaultRule, Knobs } from '../../sandbox/knobs';
import type { RequestLogEntry as SandboxRequestLogEntry } from '../../sandbox/requestLog';
import type { TokenSources } from '../../services/auth';
import { GraphClient, type GraphClientOptions, type TenantAccess } from '../../services/graph';
import {
  AdaptiveConcurrencyLimiter,
  ApiHttp,
  type ApiHttpOptions,
  type RequestLogEntry as ClientLogEntry,
} from '../../services/http';
import { PartnerCenterClient, type PartnerCenterClientOptions } from '../../services/partnerCenter';
import { lazySandboxTokens, sandboxTenantAccess } from '../support/sandboxAuth';

/**
 * Raw wire bodies read by shape in tests. The one escape hatch from strict typing, kept here so the tests assert
 * on what the sandbox really sends rather than on the types the clients declare.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export const PARTNER_TENANT_ID = '5a1db0c5-0000-4000-8000-0000000000aa';
export const CLIENT_ID = '5a1db0c5-0000-4000-8000-0000000000bb';
export const KAIZALA_SKU = '00000000-0000-4000-8000-00000000c0de';
export const BUSINESS_BASIC_SKU = '3b555118-da6a-4418-894f-7df1e2096870';
export const BUSINESS_BASIC_ITEM = 'CFQ7TTC0LH18:0001:CFQ7TTC0K971';

/** What the client put on the wire, seen through an axios interceptor (after ApiHttp set every header). */
export interface WireRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
}

export interface ClientOverrides {
  http?: Partial<Omit<ApiHttpOptions, 'axios'>>;
  partnerCenter?: Partial<Omit<PartnerCenterClientOptions, 'http' | 'baseUrl'>>;
  graph?: Partial<Omit<GraphClientOptions, 'http' | 'baseUrl'>>;
}

/** The clients wired the way bot/backend.ts wires them, plus what the tests observe. */
export interface Clients {
  partnerCenter: PartnerCenterClient;
  graph: GraphClient;
  http: ApiHttp;
  limiter: AdaptiveConcurrencyLimiter;
  tokens: TokenSources;
  /** How `graph` (and `RawApi.graph`) reach each customer tenant: app-only where consented, else delegated (GDAP). */
  access: TenantAccess;
  /** The axios instance under ApiHttp, for tests that must tamper with what goes out. */
  axios: AxiosInstance;
  /** ApiHttp's own request log (attempts, retries, waits). */
  clientLog: ClientLogEntry[];
  wire: WireRequest[];
}

/**
 * Same constructors and arguments as `connectBackend` in sandbox mode (ApiHttp over a fresh axios instance, the
 * limiter fed by onThrottled, sandbox token sources); `overrides` only add options backend.ts leaves at default.
 */
export function buildClients(sandbox: RunningSandbox, overrides: ClientOverrides = {}): Clients {
  const tokens = lazySandboxTokens(sandbox);
  const limiter = new AdaptiveConcurrencyLimiter({ maxConcurrency: 4 });
  const clientLog: ClientLogEntry[] = [];
  const wire: WireRequest[] = [];
  const instance = axios.create();
  instance.interceptors.request.use((config: InternalAxiosRequestConfig) => {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(config.headers.toJSON())) {
      if (typeof value === 'string') headers[name.toLowerCase()] = value;
    }
    wire.push({ method: (config.method ?? 'get').toUpperCase(), url: config.url ?? '', headers });
    return config;
  });
  const http = new ApiHttp({
    axios: instance,
    logger: { logRequest: (entry) => clientLog.push(entry) },
    onThrottled: () => limiter.recordThrottle(),
    ...overrides.http,
  });
  const partnerCenter = new PartnerCenterClient({
    http,
    baseUrl: sandbox.partnerCenterBaseUrl,
    getToken: tokens.partnerCenter,
    getUserToken: tokens.partnerCenterUser,
    ...overrides.partnerCenter,
  });
  const access = sandboxTenantAccess(tokens);
  const graph = new GraphClient({ http, baseUrl: sandbox.graphBaseUrl, getToken: tokens.graph, access, ...overrides.graph });
  return { partnerCenter, graph, http, limiter, tokens, access, axios: instance, clientLog, wire };
}

export interface CustomerSummary {
  id: string;
  companyName: string;
  profile: string;
  users: number;
}

export interface NewCustomerSpec {
  companyName: string;
  users: number;
  kaizala?: Array<{ endInDays: number; seats?: number }>;
  kaizalaHolderShare?: number;
  extras?: Array<{ partNumber: string; quantity: number; holders: number; channel?: 'nce' | 'legacy'; partnerVisible?: boolean }>;
  qualification?: 'Approved' | 'InReview' | 'Denied';
  profile?: 'commercial' | 'education' | 'frontline';
  /**
   * Over the sandbox's default (sandbox/gdap.ts defaultAccess). `gdapRoles`: true = the standard roles, false or [] = no
   * GDAP relationship, or Entra role names ('Directory Readers', 'License Administrator', 'User Administrator', …).
   */
  access?: { graphConsent?: boolean; delegatedConsent?: boolean; gdapRoles?: boolean | string[]; conditionalAccessBlocked?: boolean };
}

export interface NewCustomer {
  id: string;
  users: Array<{ id: string; userPrincipalName: string; licenses: Array<{ skuId: string }> }>;
}

/** The sandbox's own control surface (`/_sandbox`), over real HTTP. */
export class SandboxAdmin {
  constructor(private readonly sandbox: RunningSandbox) {}

  async call<T = Json>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.sandbox.url}/_sandbox${path}`, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`admin ${method} ${path} → ${response.status}: ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  async setKnobs(knobs: Partial<Knobs>): Promise<void> {
    await this.call('PUT', '/knobs', knobs);
  }

  async setFaults(faults: FaultRule[]): Promise<void> {
    await this.setKnobs({ faults });
  }

  async customers(): Promise<CustomerSummary[]> {
    return (await this.call<{ customers: CustomerSummary[] }>('GET', '/customers')).customers;
  }

  async customerNamed(name: string): Promise<string> {
    const found = (await this.customers()).find((customer) => customer.companyName === name);
    if (!found) throw new Error(`no sandbox customer named ${name}`);
    return found.id;
  }

  async addCustomer(spec: NewCustomerSpec): Promise<NewCustomer> {
    const state = await this.call('POST', '/customers', { kaizala: [{ endInDays: 60 }], ...spec });
    return { id: state.customer.id, users: state.users };
  }

  async state(customerId: string): Promise<Json> {
    return this.call('GET', `/state/customers/${customerId}`);
  }

  async ledger(customerId: string): Promise<Json[]> {
    return (await this.call('GET', `/ledger?customerId=${customerId}`)).entries;
  }

  /** The highest request-log sequence so far: pass it to `requestsSince` to see only what follows. */
  async requestMark(): Promise<number> {
    const requests = (await this.call<{ requests: SandboxRequestLogEntry[] }>('GET', '/requests')).requests;
    return requests.at(-1)?.seq ?? 0;
  }

  async requestsSince(mark: number): Promise<SandboxRequestLogEntry[]> {
    return (await this.call<{ requests: SandboxRequestLogEntry[] }>('GET', `/requests?afterSeq=${mark}`)).requests;
  }
}

/**
 * Direct calls for the tests that must see raw status, headers and error bodies. Graph calls carry the token the
 * bot's strategy picks for the tenant (app-only where consented, else delegated), taken before the call.
 */
export class RawApi {
  constructor(
    private readonly sandbox: RunningSandbox,
    private readonly tokens: TokenSources,
    private readonly access: TenantAccess,
  ) {}

  async partnerCenter(method: string, path: string, options: { user?: boolean; body?: unknown } = {}): Promise<RawReply> {
    const source = options.user && this.tokens.partnerCenterUser ? this.tokens.partnerCenterUser : this.tokens.partnerCenter;
    return this.send(method, `${this.sandbox.partnerCenterBaseUrl}${path}`, await source(), options.body, {
      'MS-RequestId': randomUUID(),
      'MS-CorrelationId': randomUUID(),
      'MS-Contract-Version': 'v1',
    });
  }

  async graph(method: string, tenantId: string, path: string, body?: unknown): Promise<RawReply> {
    const token = await this.access.run(tenantId, method === 'GET' ? 'read' : 'licenseWrite', (getToken) => getToken());
    return this.send(method, `${this.sandbox.graphBaseUrl}${path}`, token, body, {
      'client-request-id': randomUUID(),
    });
  }

  private async send(method: string, url: string, token: string, body: unknown, headers: Record<string, string>): Promise<RawReply> {
    const response = await fetch(url, {
      method,
      headers: { ...headers, Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : undefined) as Json };
  }
}

export interface RawReply {
  status: number;
  headers: Headers;
  body: Json;
}

export interface Harness extends Clients {
  sandbox: RunningSandbox;
  admin: SandboxAdmin;
  raw: RawApi;
}

/** An in-memory sandbox on a random loopback port with clients wired to it. */
export async function startHarness(options: SandboxOptions = {}, overrides: ClientOverrides = {}): Promise<Harness> {
  const sandbox = await startSandbox({ port: 0, seed: 'demo', ...options });
  const clients = buildClients(sandbox, overrides);
  // Signed in before the first call, as a running bot is: App+User calls do not wait on the device code.
  await clients.tokens.partnerCenterUser();
  return { ...clients, sandbox, admin: new SandboxAdmin(sandbox), raw: new RawApi(sandbox, clients.tokens, clients.access) };
}

/** Runs `attempt` until it returns a value, or fails after `timeoutMs` (for lags the sandbox imposes on purpose). */
export async function eventually<T>(attempt: () => Promise<T | undefined>, timeoutMs = 5_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await attempt();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** The error a promise rejects with (fails the test if it resolves). */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

/** Sandbox log entries of one operation. */
export function entriesOf(requests: SandboxRequestLogEntry[], operation: string): SandboxRequestLogEntry[] {
  return requests.filter((entry) => entry.operation === operation);
}
