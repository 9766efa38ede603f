import {
  CHUNK_LENGTH,
  decodeRowKey,
  encodeRowKey,
  fromValueProperties,
  MAX_ROW_KEY_LENGTH,
  rowKeyUpperBound,
  toValueProperties,
} from '../../services/store/azureEntity';
import { AWKWARD_KEYS } from './storeContract';

// Azure rejects / \ # ? and control characters in keys; % and ' are avoided too because front ends treat them
// unevenly. A plain ASCII alphabet excludes them all.
const ROW_KEY_ALPHABET = /^[A-Za-z0-9\-_.~:!]*$/;

describe('Azure row keys', () => {
  it.each(AWKWARD_KEYS)('round-trips %j without forbidden characters', (key) => {
    const encoded = encodeRowKey(key);

    expect(encoded).toMatch(ROW_KEY_ALPHABET);
    expect(decodeRowKey(encoded)).toBe(key);
  });

  it('leaves ordinary ids readable', () => {
    expect(encodeRowKey('3f2504e0-4f89-11d3-9a0c-0305e82c3301:ann_b.x~1')).toBe(
      '3f2504e0-4f89-11d3-9a0c-0305e82c3301:ann_b.x~1',
    );
  });

  it('keeps prefixes as prefixes, and only those', () => {
    for (const key of AWKWARD_KEYS) {
      for (const prefix of AWKWARD_KEYS) {
        const encodedKey = encodeRowKey(key);
        const encodedPrefix = encodeRowKey(prefix);
        const inRange = encodedKey >= encodedPrefix && encodedKey < rowKeyUpperBound(encodedPrefix);
        expect([prefix, key, inRange]).toEqual([prefix, key, key.startsWith(prefix)]);
      }
    }
  });

  it('refuses keys it could not give back', () => {
    expect(() => encodeRowKey('a\ud800b')).toThrow(/surrogate/);
    expect(() => encodeRowKey('/'.repeat(MAX_ROW_KEY_LENGTH))).toThrow(/too long/);
  });
});

describe('Azure value chunks', () => {
  it('keeps each chunk within one string property and never splits a surrogate pair', () => {
    const json = JSON.stringify('a' + '😀'.repeat(CHUNK_LENGTH));

    const properties = toValueProperties('runs/r1', json);

    const chunks = Object.entries(properties).filter(([name]) => /^value\d+$/.test(name));
    expect(chunks.length).toBe(properties.valueChunks);
    for (const [, chunk] of chunks) {
      expect(typeof chunk === 'string' && chunk.length <= CHUNK_LENGTH).toBe(true);
      expect(String(chunk)).not.toMatch(/^[\udc00-\udfff]|[\ud800-\udbff]$/);
    }
    expect(fromValueProperties('runs/r1', properties)).toBe(json);
  });

  it('stores short and empty JSON in one chunk', () => {
    expect(toValueProperties('meta/a', '1')).toEqual({ valueChunks: 1, value0: '1' });
    expect(fromValueProperties('meta/a', { valueChunks: 1, value0: '1' })).toBe('1');
  });

  it('names the entity when chunks are missing', () => {
    expect(() => fromValueProperties('runs/r1', { valueChunks: 2, value0: '{' })).toThrow(/runs\/r1 lacks value1/);
    expect(() => fromValueProperties('runs/r1', {})).toThrow(/runs\/r1/);
  });
});
