import { randomUUID } from 'node:crypto';
import { startSandbox, type RunningSandbox, type SandboxOptions } from '../../sandbox/server';

/**
 * Wire bodies in tests: arbitrary JSON read by shape. The one escape hatch from strict typing, kept here so the
 * tests assert on real responses rather than on types the sandbox itself declares.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export const PARTNER_TENANT = '11111111-2222-4333-8444-555555555555';
export const PC_AUDIENCE = 'https://api.partnercenter.microsoft.com';
export const GRAPH_AUDIENCE = 'https://graph.microsoft.com';
export const KAIZALA_SKU = '00000000-0000-4000-8000-00000000c0de';
export const BUSINESS_BASIC_SKU = '3b555118-da6a-4418-894f-7df1e2096870';
export const BUSINESS_BASIC_ITEM = 'CFQ7TTC0LH18:0001:CFQ7TTC0K971';
export const M365_E3_SKU = '05e9a617-0261-4cee-bb44-138d3ef5d965';

export interface TokenClaims {
  aud: string;
  tid: string;
  idtyp?: 'app' | 'user';
  exp?: number;
  amr?: string[];
}

export interface Reply<T = Json> {
  status: number;
  headers: Headers;
  body: T;
}

export interface CallOptions {
  token?: string | null;
  headers?: Record<string, string>;
  body?: unknown;
  rawBody?: string;
}

/** A thin HTTP client over the running sandbox (real HTTP, no shortcuts). */
export class SandboxClient {
  constructor(readonly sandbox: RunningSandbox) {}

  /**
   * A token signed by the sandbox itself (its identity endpoint's key, on its clock: issued fresh at each use, so a
   * test that moves the sandbox clock still calls with a valid token). Nothing in the tests mints.
   */
  token(claims: TokenClaims): string {
    return this.sandbox.issueAccessToken({ idtyp: 'app', ...claims });
  }

  get appToken(): string {
    return this.token({ aud: PC_AUDIENCE, tid: PARTNER_TENANT, idtyp: 'app' });
  }

  get userToken(): string {
    return this.token({ aud: PC_AUDIENCE, tid: PARTNER_TENANT, idtyp: 'user' });
  }

  graphToken(tenantId: string): string {
    return this.token({ aud: GRAPH_AUDIENCE, tid: tenantId, idtyp: 'app' });
  }

  async request<T = Json>(method: string, url: string, options: CallOptions = {}): Promise<Reply<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.Authorization = `Bearer ${options.token}`;
    let body: string | undefined = options.rawBody;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['Content-Type'] = 'application/json';
    }
    const response = await fetch(url, { method, headers, body });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : undefined) as T };
  }

  /** Partner Center call (path below /v1); app-only token unless given. */
  pc<T = Json>(method: string, path: string, options: CallOptions = {}): Promise<Reply<T>> {
    const token = options.token === undefined ? this.appToken : options.token;
    return this.request<T>(method, `${this.sandbox.partnerCenterBaseUrl}${path}`, {
      ...options,
      token,
      headers: { 'MS-RequestId': randomUUID(), 'MS-CorrelationId': randomUUID(), ...options.headers },
    });
  }

  graph<T = Json>(method: string, tenantId: string, path: string, options: CallOptions = {}): Promise<Reply<T>> {
    const token = options.token === undefined ? this.graphToken(tenantId) : options.token;
    return this.request<T>(method, `${this.sandbox.graphBaseUrl}${path}`, { ...options, token });
  }

  admin<T = Json>(method: string, path: string, body?: unknown): Promise<Reply<T>> {
    return this.request<T>(method, `${this.sandbox.url}/_sandbox${path}`, { body });
  }

  async customers(): Promise<{ id: string; companyName: string; profile: string; users: number; access: Json; qualifications: Json[] }[]> {
    return (await this.admin('GET', '/customers')).body.customers;
  }

  async customerNamed(name: string): Promise<string> {
    const found = (await this.customers()).find((customer) => customer.companyName === name);
    if (!found) throw new Error(`no demo customer ${name}`);
    return found.id;
  }

  async state(customerId: string): Promise<Json> {
    return (await this.admin('GET', `/state/customers/${customerId}`)).body;
  }
}

export async function startTestSandbox(options: SandboxOptions = {}): Promise<{ sandbox: RunningSandbox; client: SandboxClient }> {
  const sandbox = await startSandbox({ port: 0, ...options });
  return { sandbox, client: new SandboxClient(sandbox) };
}

/** A fresh empty customer with `users` users, Kaizala seats for all of them, and a Business Basic subscription. */
export async function makeCustomer(
  client: SandboxClient,
  spec: { companyName?: string; users?: number; kaizalaEndInDays?: number; extras?: unknown[]; qualification?: string; profile?: string },
): Promise<{ id: string; users: { id: string; userPrincipalName: string }[] }> {
  const created = await client.admin('POST', '/customers', {
    companyName: spec.companyName ?? `Test ${randomUUID().slice(0, 8)}`,
    users: spec.users ?? 5,
    kaizala: [{ endInDays: spec.kaizalaEndInDays ?? 30 }],
    kaizalaHolderShare: 1,
    extras: spec.extras,
    qualification: spec.qualification,
    profile: spec.profile,
  });
  if (created.status !== 201) throw new Error(`admin add customer failed: ${JSON.stringify(created.body)}`);
  return { id: created.body.customer.id, users: created.body.users };
}
