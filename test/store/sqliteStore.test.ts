import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openStore } from '../../services/store';
import { IN_MEMORY, openSqliteStore, SqliteStore } from '../../services/store/sqliteStore';
import { StoreConflictError } from '../../services/store/store';
import { describeLeaseContract } from './leaseContract';
import { describeStoreContract } from './storeContract';

const root = mkdtempSync(join(tmpdir(), 'store-sqlite-'));
let dirCount = 0;
const freshDir = (): string => join(root, `d${++dirCount}`, 'nested');

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describeStoreContract('SQLite in memory', async () => openSqliteStore(IN_MEMORY));
describeStoreContract('SQLite on disk', async () => openSqliteStore(freshDir()));
describeLeaseContract('SQLite', async () => openSqliteStore(IN_MEMORY));

describe('SQLite store on disk', () => {
  it('creates the data directory and bot.sqlite in WAL mode', async () => {
    const dataDir = freshDir();
    const store = openSqliteStore(dataDir);
    await store.insert('meta', 'schema', 1);
    await store.close();

    const db = new Database(join(dataDir, 'bot.sqlite'), { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('keeps data and versions across a reopen', async () => {
    const dataDir = freshDir();
    const first = openSqliteStore(dataDir);
    const inserted = await first.insert('requests', 'r1', { status: 'pending' });
    await first.close();

    const reopened = openSqliteStore(dataDir);
    expect(await reopened.get('requests', 'r1')).toEqual(inserted);
    await reopened.replace('requests', 'r1', { status: 'approved' }, inserted.version);
    await reopened.close();
  });

  it('lets exactly one of two connections to the same file win a compare-and-set', async () => {
    const dataDir = freshDir();
    const one = openSqliteStore(dataDir);
    const two = openSqliteStore(dataDir);
    const inserted = await one.insert('runs', 'run1', { step: 'purchase' });

    const outcomes = await Promise.allSettled([
      one.replace('runs', 'run1', { step: 'by one' }, inserted.version),
      two.replace('runs', 'run1', { step: 'by two' }, inserted.version),
    ]);

    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
    const loser = outcomes.find((outcome) => outcome.status === 'rejected');
    expect(loser?.status === 'rejected' && loser.reason).toBeInstanceOf(StoreConflictError);
    await one.close();
    await two.close();
  });

  it('names the data directory when it cannot be used', () => {
    const notADirectory = join(root, 'plain-file');
    writeFileSync(notADirectory, 'x');
    const dataDir = join(notADirectory, 'data');

    expect(() => openSqliteStore(dataDir)).toThrow(dataDir);
  });

  it('fails ping after close', async () => {
    const store = openSqliteStore(IN_MEMORY);
    await store.close();

    await expect(store.ping()).rejects.toThrow();
  });

  it('is what openStore returns for kind sqlite', async () => {
    const store = await openStore({ kind: 'sqlite', dataDir: IN_MEMORY });

    expect(store).toBeInstanceOf(SqliteStore);
    await store.close();
  });
});
