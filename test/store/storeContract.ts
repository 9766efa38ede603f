import { StoreConflictError, type Store, type StoredItem } from '../../services/store/store';

/** Opens a store that shares no data with any store opened before. */
export type StoreFactory = () => Promise<Store>;

/** Keys that break naive LIKE filters, URL paths or Azure keys, plus non-ASCII text. */
export const AWKWARD_KEYS = [
  'a',
  'a%',
  'a%b',
  'a_',
  'a_b',
  'ab',
  'abc',
  'a/b',
  'a\\b',
  'a#b',
  'a?b',
  "a'b",
  'a!21',
  'a b',
  'a\u0001b',
  'a\u007fb',
  'aé',
  'a日本',
  'a😀',
  'a\u{10FFFF}',
  'b',
  'Z',
];

const sortedKeys = (keys: string[]): string[] => [...keys].sort();
const keysOf = (items: StoredItem<unknown>[]): string[] => items.map((item) => item.key);

/** The behaviour every Store backend must show; run once per backend. */
export function describeStoreContract(label: string, openStore: StoreFactory): void {
  describe(`${label} store contract`, () => {
    let store: Store;

    beforeEach(async () => {
      store = await openStore();
    });

    afterEach(async () => {
      await store.close();
    });

    it('returns what was inserted, with the version insert reported', async () => {
      const value = { name: 'Contoso', seats: 25, tags: ['a', 'b'], nested: { ok: true, none: null } };
      const inserted = await store.insert('requests', 'r1', value);

      const read = await store.get('requests', 'r1');

      expect(read).toEqual({ key: 'r1', value, version: inserted.version });
      expect(typeof inserted.version).toBe('string');
    });

    it('returns undefined for a missing key and keeps tables apart', async () => {
      await store.insert('requests', 'shared', 1);

      expect(await store.get('requests', 'missing')).toBeUndefined();
      expect(await store.get('runs', 'shared')).toBeUndefined();
      expect(await store.list('runs')).toEqual([]);
    });

    it('round-trips every JSON value type', async () => {
      const values: unknown[] = [null, 0, -1.5, 'text', '', true, false, [], {}, [1, 'two', { three: 3 }]];
      for (const [index, value] of values.entries()) await store.insert('meta', `v${index}`, value);

      const items = await store.list('meta');

      expect(items.map((item) => item.value)).toEqual(values);
    });

    it('refuses a value JSON cannot carry', async () => {
      await expect(store.insert('meta', 'undefined', undefined)).rejects.toThrow(TypeError);
      expect(await store.get('meta', 'undefined')).toBeUndefined();
    });

    it('stores and finds awkward keys exactly', async () => {
      for (const key of AWKWARD_KEYS) await store.insert('audit', key, { key });

      for (const key of AWKWARD_KEYS) expect((await store.get<{ key: string }>('audit', key))?.value.key).toBe(key);
      expect(keysOf(await store.list('audit'))).toEqual(sortedKeys(AWKWARD_KEYS));
    });

    it.each([
      ['a%', ['a%', 'a%b']],
      ['a_', ['a_', 'a_b']],
      ['a/', ['a/b']],
      ['a#', ['a#b']],
      ['a?', ['a?b']],
      ['a\\', ['a\\b']],
      ["a'", ["a'b"]],
      ['a!', ['a!21']],
      ['ab', ['ab', 'abc']],
      ['a日', ['a日本']],
      ['a\u{10FFFF}', ['a\u{10FFFF}']],
      ['a\u0001', ['a\u0001b']],
      ['zz', []],
    ])('lists only keys that start with %j', async (prefix, expected) => {
      for (const key of AWKWARD_KEYS) await store.insert('audit', key, 0);

      const items = await store.list('audit', { prefix });

      expect(keysOf(items)).toEqual(sortedKeys(expected));
    });

    it('lists the keys of one prefix with values and versions', async () => {
      const first = await store.insert('alertsSent', 'sub1:ann:30', { at: 1 });
      await store.insert('alertsSent', 'sub2:ann:30', { at: 2 });

      expect(await store.list('alertsSent', { prefix: 'sub1:' })).toEqual([first]);
      expect(await store.list('alertsSent', { prefix: '' })).toHaveLength(2);
    });

    it('refuses to insert an existing key and keeps the original', async () => {
      const original = await store.insert('requests', 'r1', { status: 'pending' });

      const second = store.insert('requests', 'r1', { status: 'forged' });

      await expect(second).rejects.toBeInstanceOf(StoreConflictError);
      await expect(second).rejects.toMatchObject({ table: 'requests', key: 'r1' });
      expect(await store.get('requests', 'r1')).toEqual(original);
    });

    it('replaces at the current version and moves the version on', async () => {
      const inserted = await store.insert('requests', 'r1', { status: 'pending' });

      const replaced = await store.replace('requests', 'r1', { status: 'approved' }, inserted.version);

      expect(replaced.version).not.toBe(inserted.version);
      expect(await store.get('requests', 'r1')).toEqual(replaced);
    });

    it('refuses to replace at a stale version or a missing key', async () => {
      const inserted = await store.insert('requests', 'r1', { status: 'pending' });
      const current = await store.replace('requests', 'r1', { status: 'approved' }, inserted.version);

      await expect(store.replace('requests', 'r1', { status: 'rejected' }, inserted.version)).rejects.toBeInstanceOf(
        StoreConflictError,
      );
      await expect(store.replace('requests', 'nope', {}, inserted.version)).rejects.toBeInstanceOf(StoreConflictError);
      expect(await store.get('requests', 'r1')).toEqual(current);
    });

    it('lets exactly one of ten concurrent replaces from the same version win', async () => {
      const inserted = await store.insert('requests', 'r1', { winner: -1 });

      const outcomes = await Promise.allSettled(
        Array.from({ length: 10 }, (_, winner) => store.replace('requests', 'r1', { winner }, inserted.version)),
      );

      const won = outcomes.filter((outcome) => outcome.status === 'fulfilled');
      const lost = outcomes.filter((outcome) => outcome.status === 'rejected');
      expect(won).toHaveLength(1);
      for (const outcome of lost) expect(outcome.reason).toBeInstanceOf(StoreConflictError);
      expect(await store.get('requests', 'r1')).toEqual(won[0]?.value);
    });

    it('never accepts a version from before a delete and re-insert', async () => {
      const old = await store.insert('runs', 'run1', { step: 'purchase' });
      await store.delete('runs', 'run1');
      await store.insert('runs', 'run1', { step: 'purchase' });

      await expect(store.replace('runs', 'run1', { step: 'late' }, old.version)).rejects.toBeInstanceOf(
        StoreConflictError,
      );
    });

    it('deletes without a version, and deleting a missing key is fine', async () => {
      await store.insert('approvals', 'a1', 1);

      await store.delete('approvals', 'a1');
      await store.delete('approvals', 'a1');

      expect(await store.get('approvals', 'a1')).toBeUndefined();
    });

    it('deletes at the current version only', async () => {
      const inserted = await store.insert('approvals', 'a1', 1);
      const current = await store.replace('approvals', 'a1', 2, inserted.version);

      await expect(store.delete('approvals', 'a1', inserted.version)).rejects.toBeInstanceOf(StoreConflictError);
      expect(await store.get('approvals', 'a1')).toEqual(current);

      await store.delete('approvals', 'a1', current.version);
      expect(await store.get('approvals', 'a1')).toBeUndefined();
      await store.delete('approvals', 'a1', current.version);
    });

    it('upserts: creates, overwrites, and returns a version that replace accepts', async () => {
      await store.upsert('alertPrefs', 'ann', { all: false });
      const overwritten = await store.upsert('alertPrefs', 'ann', { all: true });

      expect(await store.get('alertPrefs', 'ann')).toEqual(overwritten);
      const replaced = await store.replace('alertPrefs', 'ann', { all: false }, overwritten.version);
      expect(await store.get('alertPrefs', 'ann')).toEqual(replaced);
    });

    it('round-trips a value far above 64 KiB, then shrinks it again', async () => {
      // Emoji are surrogate pairs, so some chunk boundary is bound to fall inside one.
      const users = Array.from({ length: 4000 }, (_, i) => ({ upn: `user${i}@contoso.com`, note: '😀é日' }));
      const big = { users };
      expect(JSON.stringify(big).length).toBeGreaterThan(150_000);

      const inserted = await store.insert('runs', 'big', big);
      expect((await store.get('runs', 'big'))?.value).toEqual(big);
      expect((await store.list('runs'))[0]?.value).toEqual(big);

      await store.replace('runs', 'big', { users: [] }, inserted.version);
      expect((await store.get('runs', 'big'))?.value).toEqual({ users: [] });
    });

    it('answers ping', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}
