/** A GUID as Partner Center and Entra write them (tenant ids, SKU ids, customer ids). */
export function isGuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}

/**
 * A person's Entra object id. Real ones are GUIDs; the Agents Playground's mock users carry 13 digits in the last
 * group, accepted too so the local demo can name its approvers and account managers.
 */
export function isObjectId(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12,13}$/i.test(value);
}
