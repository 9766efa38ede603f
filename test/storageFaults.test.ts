import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SNOOZE_ALERT_VERB } from '../bot/alertHandlers';
import { RunningBot, startBot } from '../bot/index';
import { createLogger } from '../services/logging';
import { openSqliteStore, StoreFileError } from '../services/store';
import type { ListOptions, Store, StoredItem, TableName } from '../services/store/store';
import { ALEX, executeActivity, messageActivity, postActivity } from './support/activities';
import { testConfig } from './support/config';
import { FakeConnector } from './support/fakeConnector';

/**
 * A store on a disk that has filled up: reads work, every write fails as SQLite's do on a full disk (SQLITE_FULL),
 * and, like SqliteStore, it reports its latest write failing.
 */
class DiskFullStore implements Store {
  full = false;
  private failure: Error | undefined;

  constructor(private readonly inner: Store) {}

  get location(): string | undefined {
    return this.inner.location;
  }

  get<T>(table: TableName, key: string): Promise<StoredItem<T> | undefined> {
    return this.inner.get<T>(table, key);
  }

  list<T>(table: TableName, options?: ListOptions): Promise<StoredItem<T>[]> {
    return this.inner.list<T>(table, options);
  }

  insert<T>(table: TableName, key: string, value: T): Promise<StoredItem<T>> {
    return this.write(() => this.inner.insert(table, key, value));
  }

  replace<T>(table: TableName, key: string, value: T, expectedVersion: string): Promise<StoredItem<T>> {
    return this.write(() => this.inner.replace(table, key, value, expectedVersion));
  }

  upsert<T>(table: TableName, key: string, value: T): Promise<StoredItem<T>> {
    return this.write(() => this.inner.upsert(table, key, value));
  }

  delete(table: TableName, key: string, expectedVersion?: string): Promise<void> {
    return this.write(() => this.inner.delete(table, key, expectedVersion));
  }

  ping(): Promise<void> {
    return this.inner.ping();
  }

  lastWriteFailure(): Error | undefined {
    return this.failure;
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  private async write<R>(work: () => Promise<R>): Promise<R> {
    if (this.full) {
      this.failure = Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
      throw this.failure;
    }
    const result = await work();
    this.failure = undefined;
    return result;
  }
}

describe('a full disk while the bot runs', () => {
  const connector = new FakeConnector();
  const logs: string[] = [];
  let bot: RunningBot;
  let store: DiskFullStore;
  let cleanup: () => void;

  beforeAll(async () => {
    await connector.start();
    const test = testConfig();
    cleanup = test.cleanup;
    store = new DiskFullStore(openSqliteStore(test.dataDir));
    bot = await startBot(test.config, createLogger('warn', (line) => logs.push(line)), { store });
  }, 30_000);
  afterAll(async () => {
    await bot.close();
    await connector.stop();
    cleanup();
  });

  const say = async (text: string) => {
    const before = connector.sent.length;
    const response = await postActivity(bot.url, messageActivity(text, { serviceUrl: connector.url, user: ALEX }));
    return { status: response.status, replies: connector.sent.slice(before).map((s) => s.activity) };
  };

  it('commands are answered and the person is told what happened, though nothing can be saved', async () => {
    expect((await say('help')).status).toBe(200);
    store.full = true;

    // A command that needs no write is answered as always.
    const help = await say('help');
    expect(help.status).toBe(200);
    expect(help.replies.some((reply) => (reply.attachments ?? []).length > 0)).toBe(true);
    // One that must save fails: the person gets the apology with a reference, and the request no 500.
    const { status, replies } = await say('alerts all');
    expect(status).toBe(200);
    expect(replies.map((reply) => reply.text)).toEqual([expect.stringMatching(/^Sorry, something went wrong.*\(reference [0-9a-f]{8}\)\.$/)]);
    // The state reset failed as well, and that was logged rather than thrown.
    expect(logs.join('\n')).toContain('Could not reset the dialog after a failed turn');
  });

  it('a card action is still handled and answered, though its delivery cannot be recorded', async () => {
    const ids = { customerId: 'c0000000-0000-4000-8000-00000000f00d', subscriptionId: '5b000000-0000-4000-8000-00000000f00d' };
    const response = await postActivity(bot.url, executeActivity(SNOOZE_ALERT_VERB, ids, { serviceUrl: connector.url, user: ALEX }));
    // The handler ran (it looked the subscription up and did not find it) rather than the turn failing.
    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({ type: 'application/vnd.microsoft.error', value: { code: 'UnknownSubscription' } });
    expect(logs.join('\n')).toContain('processing it without retry protection');
  });

  it('/readyz answers 503 naming storage, and /readyz/details says the disk is full', async () => {
    const ready = await fetch(`${bot.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: 'not ready', failing: ['storage'] });
    const details = (await (await fetch(`${bot.url}/readyz/details`)).json()) as { checks: { name: string; reason?: string }[] };
    expect(details.checks.find((check) => check.name === 'storage')?.reason).toMatch(/^storage not writable \(.*bot\.sqlite\): SQLITE_FULL database or disk is full$/);
  });
});

describe('a damaged bot.sqlite at startup', () => {
  it('stops startup naming the file and what to do, and leaves the file alone', async () => {
    const test = testConfig();
    try {
      const file = join(test.dataDir, 'bot.sqlite');
      writeFileSync(file, '');
      const started = startBot(test.config, createLogger('error', () => undefined));
      await expect(started).rejects.toBeInstanceOf(StoreFileError);
      await expect(started).rejects.toThrow(`The SQLite store ${file} is empty (0 bytes)`);
      await expect(started).rejects.toThrow(/restore bot\.sqlite from your latest backup .* STORE_RESET=true/);
      expect(readFileSync(file)).toHaveLength(0);
    } finally {
      test.cleanup();
    }
  });

  it('with STORE_RESET=true the file is moved aside, the bot starts on an empty store and says so', async () => {
    const test = testConfig({ STORE_RESET: 'true' });
    const logs: string[] = [];
    try {
      const file = join(test.dataDir, 'bot.sqlite');
      writeFileSync(file, 'not a database at all '.repeat(50));
      const bot = await startBot(test.config, createLogger('warn', (line) => logs.push(line)));
      try {
        expect((await fetch(`${bot.url}/readyz`)).status).not.toBe(500);
        expect(await bot.store.list('requests')).toEqual([]);
      } finally {
        await bot.close();
      }
      const aside = readdirSync(test.dataDir).filter((name) => /^bot\.sqlite\.corrupt-\d{8}T\d{6}Z$/.test(name));
      expect(aside).toHaveLength(1);
      expect(readFileSync(join(test.dataDir, aside[0]), 'utf8')).toBe('not a database at all '.repeat(50));
      expect(existsSync(file)).toBe(true);
      expect(logs.join('\n')).toContain('Remove STORE_RESET now');
    } finally {
      test.cleanup();
    }
  });
});
