/**
 * How a store item becomes an Azure Tables entity: the key is escaped into a RowKey Azure accepts, and the JSON
 * value is split across string properties because one string property holds at most 64 KiB (32 Ki UTF-16 units).
 */

/** Characters kept as they are in a RowKey; everything else becomes `!XX` per UTF-8 byte. */
const KEPT_AS_IS = /^[A-Za-z0-9\-_.~:]$/;
/** Azure keys may be up to 1 KiB; encoded keys are ASCII, so 512 characters stay within it however it counts. */
export const MAX_ROW_KEY_LENGTH = 512;

/** 32,000 UTF-16 units = 64,000 bytes, just under the 64 KiB limit of one string property. */
export const CHUNK_LENGTH = 32_000;
/** An entity may be 1 MiB in all; 15 chunks of 64,000 bytes leave room for keys, names and the timestamp. */
export const MAX_CHUNKS = 15;

/**
 * Escapes a key reversibly so that Azure's forbidden key characters (/ \ # ? and control characters) never
 * reach it, and neither do `%` or `'`, which some Azure front ends decode or quote inconsistently. The escape is
 * applied character by character, so `encodeRowKey(prefix)` is a prefix of `encodeRowKey(key)` exactly when
 * `prefix` is a prefix of `key`, which keeps prefix listing a simple RowKey range.
 */
export function encodeRowKey(key: string): string {
  let encoded = '';
  for (const char of key) {
    if (KEPT_AS_IS.test(char)) {
      encoded += char;
      continue;
    }
    if (/\p{Cs}/u.test(char)) {
      throw new RangeError(`Key ${JSON.stringify(key)} holds a lone UTF-16 surrogate and cannot be stored`);
    }
    for (const byte of Buffer.from(char, 'utf8')) {
      encoded += `!${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    }
  }
  if (encoded.length > MAX_ROW_KEY_LENGTH) {
    throw new RangeError(
      `Key ${JSON.stringify(key.slice(0, 80))}… is too long for Azure Tables ` +
        `(${encoded.length} characters once escaped, at most ${MAX_ROW_KEY_LENGTH})`,
    );
  }
  return encoded;
}

export function decodeRowKey(rowKey: string): string {
  // The kept characters include no `%`, so the escaped form is valid percent-encoding once `!` becomes `%`.
  return decodeURIComponent(rowKey.replace(/!/g, '%'));
}

/** The smallest string above every RowKey that starts with `encodedPrefix`: encoded keys are ASCII below U+007F. */
export function rowKeyUpperBound(encodedPrefix: string): string {
  return `${encodedPrefix}\u00ff`;
}

export type ValueProperties = Record<string, string | number>;

const CHUNK_COUNT = 'valueChunks';
const chunkName = (index: number): string => `value${index}`;

/** Splits the JSON into string properties `value0…valueN` plus their count. */
export function toValueProperties(label: string, json: string): ValueProperties {
  const chunks: string[] = [];
  let start = 0;
  do {
    let end = Math.min(start + CHUNK_LENGTH, json.length);
    // Never cut a surrogate pair in half: each chunk must be valid UTF-16 on its own.
    if (end < json.length && isHighSurrogate(json.charCodeAt(end - 1))) end--;
    chunks.push(json.slice(start, end));
    start = end;
  } while (start < json.length);
  if (chunks.length > MAX_CHUNKS) {
    throw new RangeError(
      `Cannot store ${label} in Azure Tables: its JSON is ${json.length} characters, ` +
        `more than the ${MAX_CHUNKS * CHUNK_LENGTH} that fit in one entity`,
    );
  }
  const properties: ValueProperties = { [CHUNK_COUNT]: chunks.length };
  chunks.forEach((chunk, index) => (properties[chunkName(index)] = chunk));
  return properties;
}

const isHighSurrogate = (code: number): boolean => code >= 0xd800 && code <= 0xdbff;

/** Joins the chunks written by `toValueProperties`. */
export function fromValueProperties(label: string, entity: Record<string, unknown>): string {
  const count = entity[CHUNK_COUNT];
  if (typeof count !== 'number') {
    throw new Error(`Entity ${label} has no ${CHUNK_COUNT}; it was not written by this store`);
  }
  let json = '';
  for (let index = 0; index < count; index++) {
    const chunk = entity[chunkName(index)];
    if (typeof chunk !== 'string') throw new Error(`Entity ${label} lacks ${chunkName(index)} of ${count}`);
    json += chunk;
  }
  return json;
}
