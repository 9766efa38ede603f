import { z } from 'zod';

/**
 * The one home for the shapes of ids that arrive from outside (card data, Action.Submit data, sandbox request
 * bodies): each is a zod schema, and the predicates other modules use are derived from it.
 */

/** A GUID as Partner Center and Entra write them (tenant ids, SKU ids, customer ids). */
export const guidSchema = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);

/**
 * A person's Entra object id. Real ones are GUIDs; the Agents Playground's mock users carry 13 digits in the last
 * group, accepted too so the local demo can name its approvers and account managers.
 */
export const objectIdSchema = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12,13}$/i);

/**
 * A customer or subscription id carried by a card. Partner Center's are GUIDs; the sandbox's demo ids are
 * GUID-shaped with letters, so only the alphabet and length are checked (they are looked up, never trusted).
 */
export const resourceIdSchema = z.string().regex(/^[A-Za-z0-9-]{1,100}$/);

/** A migration request id: `MR-` and ten characters of Crockford's base32 (no I, L, O or U). */
export const REQUEST_ID_PATTERN = /^MR-[0-9A-HJKMNP-TV-Z]{10}$/;
export const requestIdSchema = z.string().regex(REQUEST_ID_PATTERN);

/** A migration run id as the runner writes it (the request id today; dots and colons leave room for more). */
export const runIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/);

/** A record's version as cards carry it: a positive safe integer. */
export const versionSchema = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);

export function isGuid(value: string): boolean {
  return guidSchema.safeParse(value).success;
}

export function isObjectId(value: string): boolean {
  return objectIdSchema.safeParse(value).success;
}
