import { randomInt } from 'node:crypto';
import { REQUEST_ID_PATTERN } from '../domain/ids';

/** Crockford's base32: no I, L, O or U, so an id read aloud or retyped for `withdraw` is unambiguous. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const LENGTH = 10;

/** `MR-` and ten random characters (50 bits): short enough to type, and inserted with compare-and-set anyway. */
export { REQUEST_ID_PATTERN }; // its home is domain/ids, with the other id shapes

export function newRequestId(): string {
  let id = 'MR-';
  for (let i = 0; i < LENGTH; i++) id += ALPHABET[randomInt(ALPHABET.length)];
  return id;
}

/** A typed id in canonical form, or undefined when it cannot be a request id. */
export function normalizeRequestId(text: string): string | undefined {
  const id = text.trim().toUpperCase();
  return REQUEST_ID_PATTERN.test(id) ? id : undefined;
}
