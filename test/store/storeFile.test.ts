import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openStore, StoreFileError, StoreHealth } from '../../services/store';
import { openSqliteStore, SqliteStore } from '../../services/store/sqliteStore';

/** What a damaged bot.sqlite must do at startup: stop with the file's name and the ways out, never start empty. */

const root = mkdtempSync(join(tmpdir(), 'store-file-'));
let count = 0;
const freshDir = (): string => {
  const dir = join(root, `d${++count}`);
  mkdirSync(dir, { recursive: true });
  return dir;
};
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A store on disk with some rows, closed. */
async function storeWithRows(dataDir: string, rows = 200): Promise<void> {
  const store = openSqliteStore(dataDir);
  for (let i = 0; i < rows; i++) await store.insert('assignments', `customer-${String(i).padStart(4, '0')}`, { manager: 'x'.repeat(200), i });
  await store.close();
}

function refusal(dataDir: string): StoreFileError {
  try {
    openSqliteStore(dataDir);
  } catch (error) {
    if (error instanceof StoreFileError) return error;
    throw error;
  }
  throw new Error('the store opened');
}

describe('opening bot.sqlite', () => {
  it('a missing file is a first start: a new store is created, never empty, marked as ours, in WAL mode', async () => {
    const dataDir = freshDir();
    const store = openSqliteStore(dataDir);
    await store.insert('meta', 'x', 1);
    await store.close();
    const file = join(dataDir, 'bot.sqlite');
    expect(statSync(file).size).toBeGreaterThan(0);
    const db = new Database(file, { readonly: true });
    expect(db.pragma('application_id', { simple: true })).toBe(0x4b4d4131);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
    // No temporary file of the creation is left behind.
    expect(readdirSync(dataDir).filter((name) => name.includes('.new-'))).toEqual([]);
    // And the store opens again as it is.
    await openSqliteStore(dataDir).close();
  });

  it('a zero-length bot.sqlite stops startup with its full path and both ways out, and is left as it was', () => {
    const dataDir = freshDir();
    const file = join(dataDir, 'bot.sqlite');
    writeFileSync(file, '');
    const error = refusal(dataDir);
    expect(error.file).toBe(file);
    expect(error.message).toContain(file);
    expect(error.message).toContain('is empty (0 bytes)');
    expect(error.message).toContain('restore bot.sqlite from your latest backup');
    expect(error.message).toContain('STORE_RESET=true');
    expect(statSync(file).size).toBe(0);
    expect(readdirSync(dataDir)).toEqual(['bot.sqlite']);
  });

  it('a file that is not a database says so and names the file', () => {
    const dataDir = freshDir();
    const file = join(dataDir, 'bot.sqlite');
    writeFileSync(file, 'this is a text file, not SQLite\n'.repeat(200));
    const error = refusal(dataDir);
    expect(error.message).toContain(`The SQLite store ${file} is not a database`);
    expect(error.message).toContain('file is not a database');
  });

  it('a store with damaged pages is refused as corrupt', async () => {
    const dataDir = freshDir();
    await storeWithRows(dataDir);
    const file = join(dataDir, 'bot.sqlite');
    // Overwrite pages in the middle (the header and first page stay valid, so SQLite opens the file).
    const fd = openSync(file, 'r+');
    writeSync(fd, Buffer.alloc(8192, 0xa5), 0, 8192, 4096 * 3);
    closeSync(fd);
    const error = refusal(dataDir);
    expect(error.message).toContain(file);
    expect(error.problem).toMatch(/corrupt|not a database/);
  });

  it("another program's SQLite database is refused, not taken over", () => {
    const dataDir = freshDir();
    const db = new Database(join(dataDir, 'bot.sqlite'));
    db.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)');
    db.close();
    expect(refusal(dataDir).problem).toContain('not a store of this bot');
  });

  it('a store made before the marker existed (our schema, no marker) is kept, with its data, and marked', async () => {
    const dataDir = freshDir();
    const file = join(dataDir, 'bot.sqlite');
    const db = new Database(file);
    db.exec('CREATE TABLE items (tbl TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, version TEXT NOT NULL, PRIMARY KEY (tbl, key)) WITHOUT ROWID');
    db.prepare('INSERT INTO items VALUES (?, ?, ?, ?)').run('assignments', 'c1', '{"manager":"megan"}', 'v1');
    db.close();
    const store = openSqliteStore(dataDir);
    expect(await store.get('assignments', 'c1')).toEqual({ key: 'c1', value: { manager: 'megan' }, version: 'v1' });
    await store.close();
    const reopened = new Database(file, { readonly: true });
    expect(reopened.pragma('application_id', { simple: true })).toBe(0x4b4d4131);
    reopened.close();
  });

  it('STORE_RESET moves an unusable file aside (never deletes it) and starts with a new store', async () => {
    const dataDir = freshDir();
    const file = join(dataDir, 'bot.sqlite');
    const garbage = Buffer.from('truncated garbage '.repeat(100));
    writeFileSync(file, garbage);
    const events: { file: string; movedTo: string; problem: string }[] = [];
    const store = await openStore({ kind: 'sqlite', dataDir, reset: true }, (event) => events.push(event));
    await store.insert('meta', 'fresh', true);
    await store.close();
    expect(events).toEqual([{ file, movedTo: expect.stringMatching(/^.*\/bot\.sqlite\.corrupt-\d{8}T\d{6}Z$/), problem: expect.stringContaining('not a database') }]);
    expect(events[0].movedTo.startsWith(`${dataDir}/`)).toBe(true);
    expect(readFileSync(events[0].movedTo)).toEqual(garbage);
    expect(existsSync(file)).toBe(true);
  });

  it('STORE_RESET keeps a healthy store as it is', async () => {
    const dataDir = freshDir();
    await storeWithRows(dataDir, 3);
    const events: unknown[] = [];
    const store = openSqliteStore(dataDir, { reset: true, onReset: (event) => events.push(event) });
    expect(await store.list('assignments')).toHaveLength(3);
    await store.close();
    expect(events).toEqual([]);
    expect(readdirSync(dataDir).filter((name) => name.includes('corrupt'))).toEqual([]);
  });
});

describe('store health for /readyz', () => {
  it('a full disk (SQLite at its page limit) makes the store not ready with a named reason at once, and recovery is seen', async () => {
    const dataDir = freshDir();
    await storeWithRows(dataDir, 20);
    const db = new Database(join(dataDir, 'bot.sqlite'));
    const store = new SqliteStore(db);
    let now = 0;
    const health = new StoreHealth(store, { probeEveryMs: 1_000, now: () => now });
    await expect(health.check()).resolves.toBeUndefined();
    // The database may not grow any more: a write that needs new pages fails as on a full disk.
    db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
    // Larger than the pages the file has free (the probe's own writes may have freed some), so it must grow.
    const freeBytes = ((db.pragma('freelist_count', { simple: true }) as number) + 8) * (db.pragma('page_size', { simple: true }) as number);
    // Read the rejection itself: better-sqlite3 may throw an error made in another test file's realm (one native
    // addon per jest worker), which `rejects.toThrow` does not recognise as an error.
    const refused = await store.insert('assignments', 'y'.repeat(3000), { filler: 'z'.repeat(freeBytes + 20_000) }).then(
      () => 'written',
      (error: unknown) => String((error as { message?: unknown }).message ?? error),
    );
    expect(refused).toMatch(/full/);
    await expect(health.check()).rejects.toThrow(/^storage not writable: SQLITE_FULL database or disk is full \(\/.*\/bot\.sqlite\)$/);
    // Space again: the next probe write succeeds and the store is ready.
    db.pragma('max_page_count = 1073741823');
    await expect(health.check()).rejects.toThrow(/not writable/);
    now += 1_000;
    await expect(health.check()).resolves.toBeUndefined();
    await store.close();
  });

  it('a write probe that cannot write (a read-only database) fails the check', async () => {
    const dataDir = freshDir();
    await storeWithRows(dataDir, 1);
    const store = new SqliteStore(new Database(join(dataDir, 'bot.sqlite'), { readonly: true }));
    await expect(new StoreHealth(store).check()).rejects.toThrow(/^storage not writable: SQLITE_READONLY .*\(\/.*\/bot\.sqlite\)$/);
    await store.close();
  });

  it('a store whose file was damaged while running is reported corrupt, naming the file', async () => {
    const dataDir = freshDir();
    await storeWithRows(dataDir);
    const file = join(dataDir, 'bot.sqlite');
    const store = openSqliteStore(dataDir);
    const health = new StoreHealth(store);
    await expect(health.check()).resolves.toBeUndefined();
    const fd = openSync(file, 'r+');
    writeSync(fd, Buffer.alloc(8192, 0xa5), 0, 8192, 4096 * 3);
    closeSync(fd);
    const fresh = new StoreHealth(store);
    await expect(fresh.check()).rejects.toThrow(file);
    await expect(fresh.check()).rejects.toThrow(/^storage corrupt/);
    await store.close();
  });

  it('SQLite errors while running name the file ("file is not a database" says which)', async () => {
    const dataDir = freshDir();
    await storeWithRows(dataDir, 1);
    const file = join(dataDir, 'bot.sqlite');
    const store = openSqliteStore(dataDir);
    await store.close();
    const db = new Database(file);
    const reopened = new SqliteStore(db);
    // The file is replaced by garbage under the open connection, as a bad restore or a disk fault would.
    writeFileSync(file, 'garbage '.repeat(1000));
    db.pragma('cache_size = 0');
    const error = await reopened.list('assignments').then(
      () => undefined,
      (failure: unknown) => failure as Error & { code?: string },
    );
    expect(error?.message).toContain(file);
    expect(error?.code).toMatch(/^SQLITE_/);
    await reopened.close();
  });

  it('runs the integrity check once per window however often it is asked', async () => {
    const store = openSqliteStore(':memory:');
    let integrityChecks = 0;
    const original = store.checkIntegrity.bind(store);
    store.checkIntegrity = async () => {
      integrityChecks += 1;
      await original();
    };
    let now = 0;
    const health = new StoreHealth(store, { probeEveryMs: 10, integrityEveryMs: 1_000, now: () => now });
    for (let i = 0; i < 50; i++) {
      await health.check();
      now += 10;
    }
    expect(integrityChecks).toBe(1);
    now += 1_000;
    await health.check();
    expect(integrityChecks).toBe(2);
    await store.close();
  });
});
