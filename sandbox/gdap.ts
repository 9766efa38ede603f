/**
 * The sandbox's answer to "may the partner reach into this customer's tenant, and how?" — one home for the rules
 * that the identity endpoint (who gets a token for which tenant) and the APIs (what a token may do) both apply.
 */
import type { CustomerRecord } from './model';

/** App-only tokens for a customer tenant exist only where that customer consented to the partner's app. */
export function hasAppOnlyConsent(customer: CustomerRecord): boolean {
  return customer.access.graphConsent;
}

/** A partner user can sign in to a customer tenant (delegated, through GDAP) only with a GDAP relationship. */
export function hasGdapRelationship(customer: CustomerRecord): boolean {
  return customer.access.gdapRoles;
}
