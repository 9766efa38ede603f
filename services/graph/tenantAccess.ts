/**
 * How the bot reaches into a customer's tenant — one strategy for every Graph call (scan, wizard, approval, run).
 *
 * Under GDAP a CSP partner's app has no app-only access to a customer tenant unless that customer consented to it
 * (learn.microsoft.com/partner-center/developer/gdap-and-secure-application-model); the normal path is a partner
 * admin's delegated token for the customer tenant, authorised by the GDAP roles the operation needs
 * (…/customers/gdap-least-privileged-roles-by-task). So, per customer: app-only while consent is known or not yet
 * ruled out; once app-only is refused (the identity platform will not issue the token, or Graph answers 403
 * Authorization_RequestDenied) that is remembered in the store and later calls go delegated directly. A delegated
 * call refused by Graph means a GDAP role is missing: a typed error names it. When Graph is out of reach by either
 * path, `GraphUnreachableError` lets callers use Partner Center App+User instead.
 */
import { ApiError, isApiError, isTokenAcquisitionError, TokenAcquisitionError, type ApiErrorFields } from '../http/errors';
import type { Store } from '../store/store';

/** Entra roles of a GDAP relationship, as Microsoft names them (what the partner asks the customer to grant). */
export type GdapRoleName = 'Directory Readers' | 'License Administrator' | 'User Administrator';

/** What a call does in the customer tenant. */
export type TenantOperation = 'read' | 'licenseWrite' | 'userWrite';

/** The least privileged GDAP role per operation (learn.microsoft.com/partner-center/customers/gdap-least-privileged-roles-by-task). */
export const GDAP_ROLE_FOR: Readonly<Record<TenantOperation, GdapRoleName>> = {
  read: 'Directory Readers',
  licenseWrite: 'License Administrator',
  userWrite: 'User Administrator',
};

/**
 * The partner cannot manage this customer: no GDAP relationship, or the relationship lacks a role the operation
 * needs. Not retried; the person is told what to ask the customer's admin for. An ApiError (the refusal as the
 * service sent it, never retryable), so everything that treats authorization failures alike still does.
 */
export class CustomerAccessError extends ApiError {
  constructor(
    readonly tenantId: string,
    /** The role to grant, or 'relationship' when there is no GDAP relationship at all. */
    readonly missing: GdapRoleName | 'relationship',
    refusal: ApiErrorFields,
    detail?: string,
  ) {
    super({ ...refusal, retryable: false });
    this.message =
      missing === 'relationship'
        ? `The partner has no GDAP relationship with customer tenant ${tenantId}${detail ? ` (${detail})` : ''}`
        : `The partner's GDAP relationship with customer tenant ${tenantId} lacks the ${missing} role${detail ? ` (${detail})` : ''}`;
    this.name = 'CustomerAccessError';
  }
}

export function isCustomerAccessError(error: unknown): error is CustomerAccessError {
  return error instanceof CustomerAccessError;
}

/**
 * Graph cannot be reached for this tenant by either path (no app-only consent, no delegated token). A token
 * failure that is not retried, so callers that read around refused tokens (the scan) still do.
 */
export class GraphUnreachableError extends TokenAcquisitionError {
  constructor(
    tenantId: string,
    readonly reason: string,
    code: string,
    /** The identity platform said the partner user has no presence in the tenant: no GDAP relationship. */
    readonly noRelationship = false,
  ) {
    super({ source: 'graph', tenantId, code, retryable: false });
    this.message = `Graph is out of reach for customer tenant ${tenantId}: ${reason}`;
    this.name = 'GraphUnreachableError';
  }
}

export function isGraphUnreachableError(error: unknown): error is GraphUnreachableError {
  return error instanceof GraphUnreachableError;
}

export type AccessMode = 'appOnly' | 'delegated';

export interface RememberedAccess {
  mode: AccessMode;
  /** Epoch ms it was detected. */
  detectedAt: number;
  /** Why app-only was ruled out (for operators). */
  reason?: string;
}

/** Where the per-customer decision is kept, so it is detected once, not on every call (and survives restarts). */
export interface AccessMemory {
  get(tenantId: string): Promise<RememberedAccess | undefined>;
  set(tenantId: string, access: RememberedAccess): Promise<void>;
}

/** The store's `meta` table, one item per customer tenant. */
export class StoreAccessMemory implements AccessMemory {
  constructor(private readonly store: Pick<Store, 'get' | 'upsert'>) {}

  async get(tenantId: string): Promise<RememberedAccess | undefined> {
    return (await this.store.get<RememberedAccess>('meta', keyOf(tenantId)))?.value;
  }

  async set(tenantId: string, access: RememberedAccess): Promise<void> {
    await this.store.upsert('meta', keyOf(tenantId), access);
  }
}

function keyOf(tenantId: string): string {
  return `tenantAccess:${tenantId.toLowerCase()}`;
}

/** In-memory memory for tools and tests without a store. */
export class InMemoryAccessMemory implements AccessMemory {
  private readonly items = new Map<string, RememberedAccess>();

  async get(tenantId: string): Promise<RememberedAccess | undefined> {
    return this.items.get(tenantId.toLowerCase());
  }

  async set(tenantId: string, access: RememberedAccess): Promise<void> {
    this.items.set(tenantId.toLowerCase(), access);
  }
}

export interface TenantAccessOptions {
  /** App-only Graph token for a customer tenant (client credentials at that tenant's authority). */
  appOnly: (tenantId: string) => Promise<string>;
  /** The partner admin's delegated Graph token for a customer tenant (GDAP); absent = no delegated path. */
  delegated?: (tenantId: string) => Promise<string>;
  memory: AccessMemory;
  now?: () => number;
  /**
   * After this long, a customer remembered as "no app-only consent" is tried app-only once more (a customer may
   * consent later). Default 7 days.
   */
  recheckAfterMs?: number;
  onDetected?: (tenantId: string, access: RememberedAccess) => void;
}

/** Identity platform codes meaning "this app is not consented in that tenant" (app-only token refused). */
const NO_CONSENT_TOKEN_CODES = /700016|65001|unauthorized_client|consent_required/i;

/** Delegated token refused because the partner user does not exist in the customer tenant: no GDAP relationship. */
const NO_RELATIONSHIP_TOKEN_CODES = /50020/;

const DEFAULT_RECHECK_MS = 7 * 24 * 60 * 60_000;

/** Runs one Graph call with a bearer token getter. */
export type GraphCall<T> = (getToken: () => Promise<string>) => Promise<T>;

export class TenantAccess {
  private readonly now: () => number;
  private readonly recheckAfterMs: number;

  constructor(private readonly options: TenantAccessOptions) {
    this.now = options.now ?? Date.now;
    this.recheckAfterMs = options.recheckAfterMs ?? DEFAULT_RECHECK_MS;
  }

  /** How the next call for this tenant will go (app-only unless no consent was detected recently). */
  async modeFor(tenantId: string): Promise<AccessMode> {
    const remembered = await this.options.memory.get(tenantId);
    if (!remembered || remembered.mode === 'appOnly') return 'appOnly';
    return this.now() - remembered.detectedAt >= this.recheckAfterMs ? 'appOnly' : 'delegated';
  }

  /**
   * Runs `call` with the right token. Throws CustomerAccessError when a delegated call is refused for a missing
   * role, GraphUnreachableError when neither path yields a token or app-only is refused and there is no delegated
   * path; any other error as it came.
   */
  async run<T>(tenantId: string, operation: TenantOperation, call: GraphCall<T>): Promise<T> {
    if ((await this.modeFor(tenantId)) === 'appOnly') {
      try {
        const result = await call(() => this.options.appOnly(tenantId));
        await this.rememberAppOnly(tenantId);
        return result;
      } catch (error) {
        const reason = appOnlyRefusal(error);
        if (!reason) throw error;
        await this.remember(tenantId, { mode: 'delegated', detectedAt: this.now(), reason });
      }
    }
    return this.runDelegated(tenantId, operation, call);
  }

  private async runDelegated<T>(tenantId: string, operation: TenantOperation, call: GraphCall<T>): Promise<T> {
    const delegated = this.options.delegated;
    if (!delegated) throw new GraphUnreachableError(tenantId, 'no app-only consent and no delegated (GDAP) token source', 'no_delegated_source');
    let token: string;
    try {
      token = await delegated(tenantId);
    } catch (error) {
      // The partner admin's connection itself is broken: not this customer's doing, and no other path helps.
      if (error instanceof Error && error.name === 'PartnerNotConnectedError') throw error;
      if (isTokenAcquisitionError(error) && !error.retryable) {
        throw new GraphUnreachableError(tenantId, `no delegated token for the tenant (${error.code})`, error.code, NO_RELATIONSHIP_TOKEN_CODES.test(error.code));
      }
      throw error;
    }
    try {
      return await call(() => Promise.resolve(token));
    } catch (error) {
      if (isApiError(error) && error.status === 403 && error.code === 'Authorization_RequestDenied') {
        throw new CustomerAccessError(tenantId, GDAP_ROLE_FOR[operation], error);
      }
      throw error;
    }
  }

  /** Records app-only as working only where it was remembered otherwise (a recheck that succeeded). */
  private async rememberAppOnly(tenantId: string): Promise<void> {
    const remembered = await this.options.memory.get(tenantId);
    if (remembered && remembered.mode !== 'appOnly') await this.remember(tenantId, { mode: 'appOnly', detectedAt: this.now() });
  }

  private async remember(tenantId: string, access: RememberedAccess): Promise<void> {
    await this.options.memory.set(tenantId, access);
    this.options.onDetected?.(tenantId, access);
  }
}

/** Why an app-only attempt means "no consent in this tenant", or undefined when it failed for another reason. */
function appOnlyRefusal(error: unknown): string | undefined {
  if (isTokenAcquisitionError(error) && NO_CONSENT_TOKEN_CODES.test(error.code)) return `app-only token refused (${error.code})`;
  if (isApiError(error) && error.service === 'graph' && error.status === 403 && error.code === 'Authorization_RequestDenied') {
    return 'Graph refused the app-only token (403 Authorization_RequestDenied)';
  }
  return undefined;
}
