import type { ApiContext, ApiResult, ApiRoute } from './apiTypes';
import { PartnerCenterError } from './errors';
import type { CustomerRecord } from './model';
import { pagedCollection, readPageRequest } from './paging';
import { renderCustomer } from './pcRender';

const MAX_PAGE_SIZE = 1000;

/** The pipeline resolves the path's customer before any customer-scoped handler runs. */
export function customerOf(ctx: ApiContext): CustomerRecord {
  if (!ctx.customer) throw new PartnerCenterError(404, 1000, 'Not found: customer.');
  return ctx.customer;
}

function listCustomers(ctx: ApiContext): ApiResult {
  const page = readPageRequest(ctx, 'customers', { maxSize: MAX_PAGE_SIZE });
  const { db } = ctx.env;
  const total = db.customerCount();
  const customers = db.customerPage(page.offset, page.size).map((customer) => renderCustomer(customer, false));
  const body = pagedCollection(customers, total, page, 'customers', {
    self: `/v1/customers?size=${page.size}`,
    next: `/v1/customers?size=${page.size}&seekOperation=Next`,
  });
  return { status: 200, body };
}

function getCustomer(ctx: ApiContext): ApiResult {
  return { status: 200, body: renderCustomer(customerOf(ctx), true) };
}

/**
 * The documented answer is a plain array (get-customer-qualification-asynchronous). The `qualificationsAnswer` knob
 * plays what live servers have been seen to do instead, 404 or 403, so the scan can prove it still reports rows.
 */
function getQualifications(ctx: ApiContext): ApiResult {
  const customer = customerOf(ctx);
  const answer = ctx.env.knobs().qualificationsAnswer;
  if (answer === 'notFound') throw new PartnerCenterError(404, 1000, `Not found: qualifications of customer ${customer.id}.`);
  if (answer === 'forbidden') throw new PartnerCenterError(403, 900308, 'Insufficient privileges: the partner lacks the GDAP role this operation needs.');
  return { status: 200, body: customer.qualifications.map((qualification) => ({ ...qualification })) };
}

export const customerRoutes: ApiRoute[] = [
  { api: 'partnerCenter', method: 'GET', pattern: '/customers', operation: 'listCustomers', throttle: 'partnerCenter', handle: listCustomers },
  {
    api: 'partnerCenter',
    method: 'GET',
    pattern: '/customers/:customerId',
    operation: 'getCustomer',
    throttle: 'partnerCenter',
    handle: getCustomer,
  },
  {
    api: 'partnerCenter',
    method: 'GET',
    pattern: '/customers/:customerId/qualifications',
    operation: 'getQualifications',
    throttle: 'partnerCenter',
    handle: getQualifications,
  },
];
