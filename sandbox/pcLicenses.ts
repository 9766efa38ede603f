import type { ApiContext, ApiResult, ApiRoute } from './apiTypes';
import { skuById } from './catalog';
import { PartnerCenterError } from './errors';
import { z } from 'zod';
import { asRecord, asString, lowerGuid, read } from './input';
import { changeUserLicenses, LicenseChangeError, tenantSkuUsage, type LicenseProblem } from './licenses';
import type { UserRecord } from './model';
import { pageOf, readPageRequest } from './paging';
import { customerOf } from './pcCustomers';
import { collection, renderCustomerUser, renderPcSubscribedSku, renderUserLicense } from './pcRender';

/** `licenseGroupIds=Group1,Group2` (case-insensitive); absent = every group. */
function licenseGroupFilter(ctx: ApiContext): (groupId: string) => boolean {
  const raw = ctx.query.getAll('licenseGroupIds').flatMap((value) => value.split(','));
  const wanted = raw.map((value) => value.trim().toLowerCase()).filter(Boolean);
  return (groupId) => wanted.length === 0 || wanted.includes(groupId.toLowerCase());
}

function listSubscribedSkus(ctx: ApiContext): ApiResult {
  const customer = customerOf(ctx);
  const inGroup = licenseGroupFilter(ctx);
  const items = tenantSkuUsage(ctx.env.db, customer.id, ctx.nowMs)
    .filter((usage) => inGroup(skuById(usage.skuId)?.licenseGroupId ?? 'group1'))
    .map(renderPcSubscribedSku);
  return { status: 200, body: collection(items) };
}

interface UserFilter {
  field: 'displayName' | 'userPrincipalName';
  value: string;
  operator: 'starts_with' | 'equals';
}

/** The users API takes `filter={"Field":"DisplayName","Value":"Ann","Operator":"starts_with"}`. */
function readUserFilter(ctx: ApiContext): UserFilter | undefined {
  const raw = ctx.query.get('filter');
  if (!raw) return undefined;
  try {
    const parsed = asRecord(JSON.parse(raw));
    const field = asString(parsed?.Field ?? parsed?.field)?.toLowerCase();
    const value = asString(parsed?.Value ?? parsed?.value);
    const operator = asString(parsed?.Operator ?? parsed?.operator)?.toLowerCase();
    if ((field === 'displayname' || field === 'userprincipalname') && value !== undefined) {
      return {
        field: field === 'displayname' ? 'displayName' : 'userPrincipalName',
        value,
        operator: operator === 'equals' ? 'equals' : 'starts_with',
      };
    }
  } catch {
    // fall through to the error below
  }
  throw new PartnerCenterError(400, 800002, 'Invalid request input: unsupported user filter.');
}

function listUsers(ctx: ApiContext): ApiResult {
  const customer = customerOf(ctx);
  const filter = readUserFilter(ctx);
  const sortField = ctx.query.get('sortField')?.toLowerCase();
  const descending = ctx.query.get('sortDirection')?.toLowerCase() === 'descending';
  let users = ctx.env.db.usersOf(customer.id);
  if (filter) {
    const needle = filter.value.toLowerCase();
    users = users.filter((user) => {
      const value = user[filter.field].toLowerCase();
      return filter.operator === 'equals' ? value === needle : value.startsWith(needle);
    });
  }
  if (sortField === 'displayname' || sortField === 'userprincipalname') {
    const key: keyof UserRecord = sortField === 'displayname' ? 'displayName' : 'userPrincipalName';
    users = [...users].sort((a, b) => String(a[key]).localeCompare(String(b[key])));
  }
  if (descending) users = [...users].reverse();
  const scope = `users:${customer.id}:${ctx.query.get('filter') ?? ''}:${sortField ?? ''}:${descending}`;
  const page = readPageRequest(ctx, scope, { defaultSize: 100, maxSize: 1000 });
  const body = pageOf(users.map(renderCustomerUser), page, scope, {
    self: `/v1/customers/${customer.id}/users?size=${page.size}`,
    next: `/v1/customers/${customer.id}/users?size=${page.size}&seekOperation=Next`,
  });
  return { status: 200, body };
}

function findUser(ctx: ApiContext): UserRecord {
  const user = ctx.env.db.user(customerOf(ctx).id, ctx.params.userId);
  if (!user) throw new PartnerCenterError(404, 60002, 'User object Id is not found.');
  return user;
}

function getCustomerUser(ctx: ApiContext): ApiResult {
  return { status: 200, body: renderCustomerUser(findUser(ctx)) };
}

function getUserLicenses(ctx: ApiContext): ApiResult {
  const user = findUser(ctx);
  const inGroup = licenseGroupFilter(ctx);
  const seen = new Set<string>();
  const items = ctx.env.db
    .licensesOfUser(user.customerId, user.id)
    .filter((assignment) => {
      if (seen.has(assignment.skuId)) return false;
      seen.add(assignment.skuId);
      return inGroup(skuById(assignment.skuId)?.licenseGroupId ?? 'group1');
    })
    .map(renderUserLicense);
  return { status: 200, body: collection(items) };
}

/**
 * Errors in Microsoft's documented shape: `data` entries read `"Name : message"` (assign-licenses-to-a-user shows
 * `LicenseQuotaExceededException : Subscription with Account … and SKU … does not have any available licenses left.`).
 * Microsoft documents no name for a missing usage location or a group-inherited license, so those carry only the
 * service's words (the usage-location text is the one a public report shows); no invented exception names.
 */
function licenseProblemError(problem: LicenseProblem, customerId: string): PartnerCenterError {
  switch (problem.kind) {
    case 'noSeats':
    case 'unknownSku':
      return new PartnerCenterError(400, 60012, "We're sorry, it looks like you've run out of licenses. Buy more licenses, and then try again.", [
        `LicenseQuotaExceededException : Subscription with Account ${customerId} and SKU ${problem.skuId} does not have any available licenses left.`,
      ]);
    case 'usageLocation':
      return new PartnerCenterError(400, 60000, 'License assignment cannot be done for user with invalid usage location.');
    case 'groupInherited':
      return new PartnerCenterError(
        400,
        60000,
        `The customer license migration failed: license ${problem.skuId} is inherited from a group and cannot be removed directly.`,
      );
    case 'mixedGroups':
      return new PartnerCenterError(400, 60000, 'The customer license migration failed: one license group per request.');
    case 'notHeld':
    case 'conflict':
      return new PartnerCenterError(400, 800002, `Invalid request input: license ${problem.skuId} cannot be assigned and removed.`);
  }
}

function readSkuList(value: unknown, name: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new PartnerCenterError(400, 800002, `Invalid request input: ${name} must be an array.`);
  return value;
}

/** One of `licensesToAssign`: a GUID SKU id; excluded plans that are not GUIDs are ignored, as Partner Center does. */
const LICENSE_TO_ASSIGN = z
  .object({ skuId: lowerGuid, excludedPlans: z.unknown().optional() })
  .transform(({ skuId, excludedPlans }) => ({ skuId, disabledPlans: Array.isArray(excludedPlans) ? excludedPlans.flatMap((plan) => read(lowerGuid, plan) ?? []) : [] }));

function licenseUpdates(ctx: ApiContext): ApiResult {
  const customer = customerOf(ctx);
  const user = findUser(ctx);
  const body = asRecord(ctx.body) ?? {};
  const add = readSkuList(body.licensesToAssign, 'licensesToAssign').map((item) => {
    const assignment = read(LICENSE_TO_ASSIGN, item);
    if (!assignment) throw new PartnerCenterError(400, 800002, 'Invalid request input: licensesToAssign[].skuId.');
    return assignment;
  });
  const remove = readSkuList(body.licensesToRemove, 'licensesToRemove').map((item) => {
    const skuId = read(lowerGuid, item);
    if (skuId === undefined) throw new PartnerCenterError(400, 800002, 'Invalid request input: licensesToRemove[].');
    return skuId;
  });
  if (add.length === 0 && remove.length === 0) {
    throw new PartnerCenterError(400, 800002, 'Invalid request input: nothing to assign or remove.');
  }
  const partial = ctx.fault.partialLicenses;
  let change;
  try {
    change = changeUserLicenses(
      ctx.env.db,
      customer.id,
      user,
      { add, remove, absentRemoval: 'ignore', singleLicenseGroup: true, partial: partial?.mode },
      ctx.nowMs,
    );
  } catch (error) {
    if (error instanceof LicenseChangeError) throw licenseProblemError(error.problem, customer.id);
    throw error;
  }
  if (partial?.reply === 'error') {
    const failure = new PartnerCenterError(400, 60000, 'The customer license migration failed.');
    return { status: failure.status, body: failure.body(), changes: [change] };
  }
  return {
    status: 201,
    body: {
      licensesToAssign: add.map((item) => ({ skuId: item.skuId, excludedPlans: item.disabledPlans })),
      licensesToRemove: remove,
      licenseWarnings: [],
      attributes: { objectType: 'LicenseUpdate' },
    },
    changes: [change],
  };
}

const users = '/customers/:customerId/users';

export const licenseRoutes: ApiRoute[] = [
  {
    api: 'partnerCenter',
    method: 'GET',
    pattern: '/customers/:customerId/subscribedskus',
    operation: 'listSubscribedSkus',
    throttle: 'partnerCenter',
    appUserOnly: 'directory',
    handle: listSubscribedSkus,
  },
  {
    api: 'partnerCenter',
    method: 'GET',
    pattern: users,
    operation: 'listCustomerUsers',
    throttle: 'none',
    appUserOnly: 'directory',
    handle: listUsers,
  },
  {
    api: 'partnerCenter',
    method: 'GET',
    pattern: `${users}/:userId`,
    operation: 'getCustomerUser',
    throttle: 'none',
    appUserOnly: 'directory',
    userParam: 'userId',
    handle: getCustomerUser,
  },
  {
    api: 'partnerCenter',
    method: 'GET',
    pattern: `${users}/:userId/licenses`,
    operation: 'getUserLicenses',
    throttle: 'partnerCenter',
    appUserOnly: 'license',
    userParam: 'userId',
    handle: getUserLicenses,
  },
  {
    api: 'partnerCenter',
    method: 'POST',
    pattern: `${users}/:userId/licenseupdates`,
    operation: 'licenseUpdates',
    throttle: 'none',
    appUserOnly: 'license',
    mutating: true,
    userParam: 'userId',
    handle: licenseUpdates,
  },
];
