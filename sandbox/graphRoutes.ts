import { GRAPH_BASE_PATH, type ApiContext, type ApiResult, type ApiRoute } from './apiTypes';
import { skuById } from './catalog';
import { GraphError, graphErrorBody } from './errors';
import { z } from 'zod';
import { asRecord, lowerGuid, read } from './input';
import { capabilityStatusOf, changeUserLicenses, LicenseChangeError, tenantSkuUsage, type LicenseProblem, type SkuUsage } from './licenses';
import { GDAP_ROLE_DEFINITION_IDS, gdapRolesOf } from './gdap';
import type { CustomerRecord, LicenseAssignment, UserRecord } from './model';
import { DEFAULT_USER_PROPERTIES, parseSelect, parseUserFilter } from './graphQuery';

function tenantOf(ctx: ApiContext): CustomerRecord {
  if (!ctx.customer) throw new GraphError(401, 'InvalidAuthenticationToken', 'Access token validation failure.');
  return ctx.customer;
}

function graphUser(user: UserRecord, licenses: LicenseAssignment[], properties: readonly string[]): Record<string, unknown> {
  const skuIds = [...new Set(licenses.map((license) => license.skuId))];
  const all: Record<string, unknown> = {
    id: user.id,
    userPrincipalName: user.userPrincipalName,
    displayName: user.displayName,
    givenName: user.givenName,
    surname: user.surname,
    mail: user.userPrincipalName,
    jobTitle: user.jobTitle,
    usageLocation: user.usageLocation,
    accountEnabled: user.accountEnabled,
    businessPhones: [],
    mobilePhone: null,
    officeLocation: null,
    preferredLanguage: null,
    createdDateTime: user.createdDateTime,
    assignedLicenses: skuIds.map((skuId) => {
      const direct = licenses.find((license) => license.skuId === skuId && license.groupId === null);
      return { disabledPlans: (direct ?? licenses.find((license) => license.skuId === skuId))?.disabledPlans ?? [], skuId };
    }),
    licenseAssignmentStates: licenses.map((license) => ({
      assignedByGroup: license.groupId,
      disabledPlans: license.disabledPlans,
      error: 'None',
      lastUpdatedDateTime: license.assignedAt,
      skuId: license.skuId,
      state: 'Active',
    })),
  };
  const picked: Record<string, unknown> = {};
  for (const property of properties) picked[property] = all[property];
  return picked;
}

function licensesByUser(ctx: ApiContext, customerId: string): Map<string, LicenseAssignment[]> {
  const byUser = new Map<string, LicenseAssignment[]>();
  for (const assignment of ctx.env.db.licensesOfCustomer(customerId)) {
    const list = byUser.get(assignment.userId) ?? [];
    list.push(assignment);
    byUser.set(assignment.userId, list);
  }
  return byUser;
}

function readTop(ctx: ApiContext): number {
  const raw = ctx.query.get('$top');
  if (raw === null) return 100;
  const top = Number(raw);
  if (!Number.isInteger(top) || top < 1 || top > 999) {
    throw new GraphError(400, 'Request_BadRequest', `Invalid page size specified: '${raw}'. Must be between 1 and 999 inclusive.`);
  }
  return top;
}

function decodeSkipToken(raw: string | null): number {
  if (raw === null) return 0;
  try {
    const state = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as { offset?: unknown };
    if (typeof state.offset === 'number' && state.offset >= 0) return state.offset;
  } catch {
    // fall through
  }
  throw new GraphError(400, 'Request_BadRequest', 'Invalid skip token.');
}

/** The absolute link Graph returns: the same query with a new $skiptoken, followed verbatim by clients. */
function nextLink(ctx: ApiContext, offset: number): string {
  const parts: string[] = [];
  for (const [name, value] of ctx.query) {
    if (name.toLowerCase() === '$skiptoken') continue;
    parts.push(`${name}=${encodeURIComponent(value)}`);
  }
  parts.push(`$skiptoken=${Buffer.from(JSON.stringify({ offset })).toString('base64url')}`);
  return `${ctx.origin}${GRAPH_BASE_PATH}${ctx.path}?${parts.join('&')}`;
}

function contextUrl(ctx: ApiContext, entitySet: string, properties: string[] | undefined): string {
  return `${ctx.origin}${GRAPH_BASE_PATH}/$metadata#${entitySet}${properties ? `(${properties.join(',')})` : ''}`;
}

function listUsers(ctx: ApiContext): ApiResult {
  const tenant = tenantOf(ctx);
  const select = parseSelect(ctx.query.get('$select'));
  const predicate = parseUserFilter(ctx.query.get('$filter'));
  const top = readTop(ctx);
  const offset = decodeSkipToken(ctx.query.get('$skiptoken'));
  const wantsCount = ctx.query.get('$count')?.toLowerCase() === 'true';
  const consistency = String(ctx.headers.consistencylevel ?? '').toLowerCase();
  if (wantsCount && consistency !== 'eventual') {
    throw new GraphError(400, 'Request_BadRequest', "$count requires the request header 'ConsistencyLevel: eventual'.");
  }
  const byUser = licensesByUser(ctx, tenant.id);
  const matching = ctx.env.db.usersOf(tenant.id).filter((user) => predicate(user, byUser.get(user.id) ?? []));
  const pageUsers = matching.slice(offset, offset + top);
  const body: Record<string, unknown> = { '@odata.context': contextUrl(ctx, 'users', select) };
  if (wantsCount) body['@odata.count'] = matching.length;
  body.value = pageUsers.map((user) => graphUser(user, byUser.get(user.id) ?? [], select ?? DEFAULT_USER_PROPERTIES));
  if (offset + top < matching.length) body['@odata.nextLink'] = nextLink(ctx, offset + top);
  return { status: 200, body };
}

function findUser(ctx: ApiContext): UserRecord {
  const user = ctx.env.db.user(tenantOf(ctx).id, ctx.params.userId);
  if (!user) {
    throw new GraphError(
      404,
      'Request_ResourceNotFound',
      `Resource '${ctx.params.userId}' does not exist or one of its queried reference-property objects are not present.`,
    );
  }
  return user;
}

function getUser(ctx: ApiContext): ApiResult {
  const user = findUser(ctx);
  const select = parseSelect(ctx.query.get('$select'));
  const body = {
    '@odata.context': `${contextUrl(ctx, 'users', select)}/$entity`,
    ...graphUser(user, ctx.env.db.licensesOfUser(user.customerId, user.id), select ?? DEFAULT_USER_PROPERTIES),
  };
  return { status: 200, body };
}

function licenseProblemError(problem: LicenseProblem): GraphError {
  switch (problem.kind) {
    case 'noSeats':
      return new GraphError(400, 'Request_BadRequest', `Subscription ${problem.skuId} does not have any available licenses.`);
    case 'unknownSku':
      return new GraphError(400, 'Request_BadRequest', `License ${problem.skuId} does not correspond to a valid company License.`);
    case 'usageLocation':
      return new GraphError(400, 'Request_BadRequest', 'License assignment cannot be done for user with invalid usage location.');
    case 'groupInherited':
      return new GraphError(
        400,
        'Request_BadRequest',
        'User license is inherited from a group membership and it cannot be removed directly from the user.',
      );
    case 'notHeld':
      return new GraphError(400, 'Request_BadRequest', 'User does not have a corresponding license.');
    case 'conflict':
      return new GraphError(400, 'Request_BadRequest', `License ${problem.skuId} cannot be added and removed in the same request.`);
    case 'mixedGroups':
      return new GraphError(400, 'Request_BadRequest', 'Invalid license combination.');
  }
}

function invalidProperty(name: string): GraphError {
  return new GraphError(400, 'Request_BadRequest', `Invalid value specified for property '${name}' of resource 'User'.`);
}

/** assignLicense's `addLicenses`: SKU ids and disabled plans are GUIDs (any case, kept lower-case). */
const ADD_LICENSES = z.array(
  z.object({ skuId: lowerGuid, disabledPlans: z.array(lowerGuid).nullish() }).transform(({ skuId, disabledPlans }) => ({ skuId, disabledPlans: disabledPlans ?? [] })),
);
/** assignLicense's `removeLicenses`: SKU ids. */
const REMOVE_LICENSES = z.array(lowerGuid);

function assignLicense(ctx: ApiContext): ApiResult {
  const tenant = tenantOf(ctx);
  const body = asRecord(ctx.body);
  const add = read(ADD_LICENSES, body?.addLicenses);
  if (!add) throw invalidProperty('addLicenses');
  const remove = read(REMOVE_LICENSES, body?.removeLicenses);
  if (!remove) throw invalidProperty('removeLicenses');
  const user = findUser(ctx);
  const partial = ctx.fault.partialLicenses;
  let change;
  try {
    change = changeUserLicenses(
      ctx.env.db,
      tenant.id,
      user,
      { add, remove, absentRemoval: 'refuse', singleLicenseGroup: false, partial: partial?.mode },
      ctx.nowMs,
    );
  } catch (error) {
    if (error instanceof LicenseChangeError) throw licenseProblemError(error.problem);
    throw error;
  }
  if (partial?.reply === 'error') {
    return {
      status: 500,
      body: graphErrorBody(
        'UnknownError',
        'An internal server error occurred.',
        ctx.correlationId,
        ctx.requestId,
        new Date(ctx.env.clock.baseMs()).toISOString(),
      ),
      changes: [change],
    };
  }
  const body200 = {
    '@odata.context': `${contextUrl(ctx, 'users', undefined)}/$entity`,
    ...graphUser(user, ctx.env.db.licensesOfUser(user.customerId, user.id), [...DEFAULT_USER_PROPERTIES, 'assignedLicenses']),
  };
  return { status: 200, body: body200, changes: [change] };
}

function graphSubscribedSku(tenant: CustomerRecord, usage: SkuUsage): Record<string, unknown> {
  const definition = skuById(usage.skuId);
  return {
    accountId: tenant.id,
    accountName: tenant.companyName,
    appliesTo: 'User',
    capabilityStatus: capabilityStatusOf(usage),
    consumedUnits: usage.consumed,
    id: `${tenant.id}_${usage.skuId}`,
    prepaidUnits: { enabled: usage.enabled, lockedOut: usage.lockedOut, suspended: usage.suspended, warning: usage.warning },
    servicePlans: (definition?.servicePlans ?? []).map((plan) => ({
      servicePlanId: plan.id,
      servicePlanName: plan.name,
      provisioningStatus: 'Success',
      appliesTo: 'User',
    })),
    skuId: usage.skuId,
    skuPartNumber: definition?.skuPartNumber ?? 'UNKNOWN',
    subscriptionIds: usage.subscriptionIds,
  };
}

const SUBSCRIBED_SKU_PROPERTIES = [
  'accountId',
  'accountName',
  'appliesTo',
  'capabilityStatus',
  'consumedUnits',
  'id',
  'prepaidUnits',
  'servicePlans',
  'skuId',
  'skuPartNumber',
  'subscriptionIds',
];

function selectProperties(item: Record<string, unknown>, select: string | null): Record<string, unknown> {
  if (!select) return item;
  const picked: Record<string, unknown> = {};
  for (const raw of select.split(',').map((name) => name.trim()).filter(Boolean)) {
    const name = SUBSCRIBED_SKU_PROPERTIES.find((property) => property.toLowerCase() === raw.toLowerCase());
    if (!name) {
      throw new GraphError(400, 'Request_BadRequest', `Could not find a property named '${raw}' on type 'microsoft.graph.subscribedSku'.`);
    }
    picked[name] = item[name];
  }
  return picked;
}

function listSubscribedSkus(ctx: ApiContext): ApiResult {
  const tenant = tenantOf(ctx);
  for (const name of ctx.query.keys()) {
    if (name.startsWith('$') && name.toLowerCase() !== '$select') {
      throw new GraphError(400, 'Request_UnsupportedQuery', `Query option '${name}' is not supported on subscribedSkus.`);
    }
  }
  const select = ctx.query.get('$select');
  const value = tenantSkuUsage(ctx.env.db, tenant.id, ctx.nowMs).map((usage) =>
    selectProperties(graphSubscribedSku(tenant, usage), select),
  );
  return { status: 200, body: { '@odata.context': contextUrl(ctx, 'subscribedSkus', undefined), value } };
}

function getSubscribedSku(ctx: ApiContext): ApiResult {
  const tenant = tenantOf(ctx);
  const usage = tenantSkuUsage(ctx.env.db, tenant.id, ctx.nowMs).find(
    (candidate) => `${tenant.id}_${candidate.skuId}` === ctx.params.subscribedSkuId.toLowerCase(),
  );
  if (!usage) throw new GraphError(404, 'Request_ResourceNotFound', `Resource '${ctx.params.subscribedSkuId}' does not exist.`);
  return { status: 200, body: selectProperties(graphSubscribedSku(tenant, usage), ctx.query.get('$select')) };
}

/**
 * GET /tenantRelationships/delegatedAdminRelationships (partner tenant): one active relationship per customer that
 * has GDAP roles, with the roles as Entra role definition ids. `$filter` on `customer/tenantId eq '…'` (and any
 * `status eq 'active'`) is honoured; other filters are refused as Graph refuses what it cannot read.
 */
function listDelegatedAdminRelationships(ctx: ApiContext): ApiResult {
  const filter = ctx.query.get('$filter');
  let tenantId: string | undefined;
  if (filter !== null) {
    const match = /^customer\/tenantId eq '([0-9a-f-]{36})'(?: and status eq 'active')?$/i.exec(filter.trim());
    if (!match) throw new GraphError(400, 'BadRequest', `Invalid filter clause: ${filter}`);
    tenantId = match[1].toLowerCase();
  }
  const { db } = ctx.env;
  const customers = tenantId ? [db.customer(tenantId)].filter((customer): customer is CustomerRecord => customer !== undefined) : db.customerPage(0, db.customerCount());
  const value = customers
    .filter((customer) => gdapRolesOf(customer).length > 0)
    .map((customer) => ({
      '@odata.type': '#microsoft.graph.delegatedAdminRelationship',
      id: `${customer.id}-gdap`,
      displayName: `GDAP ${customer.companyName}`.slice(0, 50),
      status: 'active',
      customer: { tenantId: customer.id, displayName: customer.companyName },
      accessDetails: { unifiedRoles: gdapRolesOf(customer).map((role) => ({ roleDefinitionId: GDAP_ROLE_DEFINITION_IDS[role] })) },
      duration: 'P730D',
      autoExtendDuration: 'P180D',
    }));
  return { status: 200, body: { '@odata.context': contextUrl(ctx, 'tenantRelationships/delegatedAdminRelationships', undefined), value } };
}

export const graphRoutes: ApiRoute[] = [
  { api: 'graph', method: 'GET', pattern: '/users', operation: 'graphListUsers', throttle: 'graphRead', resourceUnits: 2, handle: listUsers },
  {
    api: 'graph',
    method: 'GET',
    pattern: '/users/:userId',
    operation: 'graphGetUser',
    throttle: 'graphRead',
    resourceUnits: 1,
    userParam: 'userId',
    handle: getUser,
  },
  {
    api: 'graph',
    method: 'POST',
    pattern: '/users/:userId/assignLicense',
    operation: 'assignLicense',
    throttle: 'graphWrite',
    resourceUnits: 1,
    mutating: true,
    userParam: 'userId',
    handle: assignLicense,
  },
  {
    api: 'graph',
    method: 'GET',
    pattern: '/subscribedSkus',
    operation: 'graphListSubscribedSkus',
    throttle: 'graphRead',
    resourceUnits: 3,
    handle: listSubscribedSkus,
  },
  {
    api: 'graph',
    method: 'GET',
    pattern: '/subscribedSkus/:subscribedSkuId',
    operation: 'graphListSubscribedSkus',
    throttle: 'graphRead',
    resourceUnits: 1,
    handle: getSubscribedSku,
  },
  {
    api: 'graph',
    method: 'GET',
    pattern: '/tenantRelationships/delegatedAdminRelationships',
    operation: 'graphListDelegatedAdminRelationships',
    throttle: 'graphRead',
    resourceUnits: 1,
    handle: listDelegatedAdminRelationships,
  },
];
