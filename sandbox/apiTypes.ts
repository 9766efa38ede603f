import type { IncomingHttpHeaders } from 'node:http';
import type { TokenClaims } from './auth';
import type { SandboxClock } from './clock';
import type { SandboxDb } from './db';
import type { FaultDecision } from './faults';
import type { Knobs, OperationName } from './knobs';
import type { Ledger } from './ledger';
import type { Lifecycle } from './lifecycle';
import type { CustomerRecord, LedgerChange } from './model';
import type { SigningKeys } from './identityKeys';

export type Api = 'partnerCenter' | 'graph';

export const PARTNER_CENTER_BASE_PATH = '/v1';
export const GRAPH_BASE_PATH = '/graph/v1.0';

/** Everything a handler may use; built once per sandbox. */
export interface SandboxEnv {
  db: SandboxDb;
  clock: SandboxClock;
  knobs: () => Knobs;
  ledger: Ledger;
  lifecycle: Lifecycle;
  /** random id generator for runtime entities (orders, carts, subscriptions). */
  newId: () => string;
  newOrderId: () => string;
  /** The identity endpoint's key: the APIs accept only tokens it signed. */
  signingKeys: SigningKeys;
}

export interface ApiContext {
  api: Api;
  method: string;
  /** path below the API base, e.g. /customers/{id}/subscriptions. */
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** parsed JSON body with keys camelized (PascalCase accepted). */
  body: unknown;
  claims: TokenClaims;
  /** the customer in the path (Partner Center) or the token's tenant (Graph). */
  customer: CustomerRecord | null;
  requestId: string;
  correlationId: string;
  /** scheme://host:port of this request, for Graph's absolute links. */
  origin: string;
  fault: FaultDecision;
  /** true when a repeated MS-RequestId is executed again (requestIdReplayMode "execute"): no idempotency at all. */
  reexecution: boolean;
  nowMs: number;
  env: SandboxEnv;
}

export interface ApiResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** ledger changes: a non-empty list marks the call as state-changing. */
  changes?: LedgerChange[];
}

export type ThrottleClass = 'partnerCenter' | 'graphRead' | 'graphWrite' | 'none';

export interface ApiRoute {
  api: Api;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** relative to the API base, `:name` captures. */
  pattern: string;
  operation: OperationName;
  throttle: ThrottleClass;
  /** Graph resource-unit cost (before the $select discount). */
  resourceUnits?: number;
  /** App+User-only Partner Center routes: license calls answer 400 900316, directory reads 403 900329. */
  appUserOnly?: 'license' | 'directory';
  /** state-changing: runs in a transaction, ledgered, and (Partner Center) deduplicated by MS-RequestId. */
  mutating?: boolean;
  /** route param naming a user (fault targeting per user). */
  userParam?: string;
  /** an in-memory lock held while the call runs (checkout: the cart), with the error for a concurrent call. */
  lock?: { key: (ctx: ApiContext) => string; holdMs: (knobs: Knobs) => number; busy: (ctx: ApiContext) => Error };
  handle: (ctx: ApiContext) => ApiResult;
}
