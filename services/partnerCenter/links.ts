/** URL building for Partner Center, whose `links.*.uri` values are relative, with or without the `/v1` prefix. */
import type { PcLink } from './types';

export type QueryValue = string | number | boolean | undefined;

function trimTrailingSlash(text: string): string {
  return text.endsWith('/') ? text.slice(0, -1) : text;
}

/** `baseUrl` + path segments (each encoded) + query (undefined values skipped). */
export function buildUrl(baseUrl: string, segments: string[], query: Record<string, QueryValue> = {}): string {
  const path = segments.map((segment) => encodeURIComponent(segment)).join('/');
  const search = Object.entries(query)
    .filter((entry): entry is [string, string | number | boolean] => entry[1] !== undefined)
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`)
    .join('&');
  return `${trimTrailingSlash(baseUrl)}/${path}${search ? `?${search}` : ''}`;
}

/**
 * Resolves a link against the base URL: `/v1/customers?…` and `/customers?…` both land under the base's path
 * (e.g. `https://host/v1`). Absolute links are used as they are.
 */
export function resolveLink(baseUrl: string, uri: string): string {
  if (/^https?:\/\//i.test(uri)) return uri;
  const base = new URL(baseUrl);
  const basePath = trimTrailingSlash(base.pathname);
  const relative = uri.startsWith('/') ? uri : `/${uri}`;
  const alreadyPrefixed = basePath !== '' && (relative === basePath || relative.startsWith(`${basePath}/`) || relative.startsWith(`${basePath}?`));
  return `${base.origin}${alreadyPrefixed ? '' : basePath}${relative}`;
}

/** The headers a link asks to be sent with it (the continuation token of a `next` link). */
export function linkHeaders(link: PcLink): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const header of link.headers ?? []) headers[header.key] = header.value;
  return headers;
}
