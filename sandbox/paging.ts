import type { ApiContext } from './apiTypes';
import { PartnerCenterError } from './errors';
import { collection, link, type PcCollection } from './pcRender';

/**
 * Partner Center paging: the first call passes `size`; `links.next` (present only while items remain) repeats
 * the URI with `seekOperation=Next` and carries an opaque MS-ContinuationToken header that holds the position.
 */
interface TokenState {
  /** what the token pages over (customers, users:{cid}, subscriptions:{cid}) and any filter that shaped it. */
  scope: string;
  offset: number;
  size: number;
}

function encodeToken(state: TokenState): string {
  return Buffer.from(JSON.stringify(state)).toString('base64url');
}

function decodeToken(token: string): TokenState | undefined {
  try {
    const state = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Partial<TokenState>;
    if (typeof state.scope === 'string' && typeof state.offset === 'number' && typeof state.size === 'number') {
      return state as TokenState;
    }
  } catch {
    return undefined;
  }
  return undefined;
}

function headerValue(ctx: ApiContext, name: string): string | undefined {
  const value = ctx.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export interface PageRequest {
  offset: number;
  size: number;
}

/**
 * Reads the page position. `size` comes from the query on the first call (required when `sizeRequired`) and from
 * the token afterwards; a Next call without a valid token is refused, as Partner Center does.
 */
export function readPageRequest(ctx: ApiContext, scope: string, options: { defaultSize?: number; maxSize: number }): PageRequest {
  const seek = ctx.query.get('seekOperation') ?? ctx.query.get('seekoperation');
  if (seek !== null) {
    if (seek.toLowerCase() !== 'next') {
      throw new PartnerCenterError(400, 800002, `Invalid request input: unsupported seekOperation '${seek}'.`);
    }
    const token = headerValue(ctx, 'ms-continuationtoken');
    const state = token ? decodeToken(token) : undefined;
    if (!state || state.scope !== scope) {
      throw new PartnerCenterError(400, 800002, 'Invalid request input: the continuation token is missing, invalid or expired.');
    }
    return { offset: state.offset, size: state.size };
  }
  const rawSize = ctx.query.get('size');
  if (rawSize === null) {
    if (options.defaultSize === undefined) {
      throw new PartnerCenterError(400, 800002, "Invalid request input: the 'size' query parameter is required.");
    }
    return { offset: 0, size: options.defaultSize };
  }
  const size = Number(rawSize);
  if (!Number.isInteger(size) || size < 1 || size > options.maxSize) {
    throw new PartnerCenterError(400, 800002, `Invalid request input: 'size' must be between 1 and ${options.maxSize}.`);
  }
  return { offset: 0, size };
}

/** One page (already sliced), with `links.next` only while items remain after it. */
export function pagedCollection(
  pageItems: unknown[],
  total: number,
  page: PageRequest,
  scope: string,
  uris: { self: string; next: string },
): PcCollection {
  const links: Record<string, ReturnType<typeof link>> = { self: link(uris.self) };
  const nextOffset = page.offset + page.size;
  if (nextOffset < total) {
    links.next = link(uris.next, [
      { key: 'MS-ContinuationToken', value: encodeToken({ scope, offset: nextOffset, size: page.size }) },
    ]);
  }
  return collection(pageItems, links, pageItems.length);
}

/** Slices `all` to the requested page. */
export function pageOf(all: unknown[], page: PageRequest, scope: string, uris: { self: string; next: string }): PcCollection {
  return pagedCollection(all.slice(page.offset, page.offset + page.size), all.length, page, scope, uris);
}
