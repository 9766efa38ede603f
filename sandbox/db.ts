import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type {
  CartRecord,
  CustomerRecord,
  LedgerEntry,
  LicenseAssignment,
  OrderRecord,
  ReplayRecord,
  SubscriptionRecord,
  UserRecord,
} from './model';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS customers (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS users (
  seq INTEGER PRIMARY KEY, id TEXT NOT NULL, customer_id TEXT NOT NULL, upn TEXT NOT NULL, data TEXT NOT NULL);
-- one index serves lookups by id, by UPN (a scan of one tenant's rows) and per-tenant listing.
CREATE UNIQUE INDEX IF NOT EXISTS users_by_customer ON users (customer_id, id);
CREATE TABLE IF NOT EXISTS licenses (
  customer_id TEXT NOT NULL, user_id TEXT NOT NULL, sku_id TEXT NOT NULL, group_id TEXT NOT NULL, data TEXT NOT NULL,
  PRIMARY KEY (customer_id, user_id, sku_id, group_id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS subscriptions (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, customer_id TEXT NOT NULL, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS subscriptions_by_customer ON subscriptions (customer_id, seq);
CREATE TABLE IF NOT EXISTS orders (
  seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, customer_id TEXT NOT NULL, status TEXT NOT NULL, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS orders_by_customer ON orders (customer_id, status);
CREATE TABLE IF NOT EXISTS carts (id TEXT PRIMARY KEY, customer_id TEXT NOT NULL, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS ledger (seq INTEGER PRIMARY KEY AUTOINCREMENT, customer_id TEXT, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS ledger_by_customer ON ledger (customer_id, seq);
CREATE TABLE IF NOT EXISTS replay (request_id TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

const TABLES = ['customers', 'users', 'licenses', 'subscriptions', 'orders', 'carts', 'ledger', 'replay', 'meta'];

interface DataRow {
  data: string;
}

export interface LedgerQuery {
  customerId?: string;
  afterSeq?: number;
  limit?: number;
}

function parse<T>(row: DataRow | undefined): T | undefined {
  return row ? (JSON.parse(row.data) as T) : undefined;
}

function parseAll<T>(rows: DataRow[]): T[] {
  return rows.map((row) => JSON.parse(row.data) as T);
}

function prepare(db: Database.Database) {
  return {
    customerGet: db.prepare<[string], DataRow>('SELECT data FROM customers WHERE id = ?'),
    customerPage: db.prepare<[number, number], DataRow>('SELECT data FROM customers ORDER BY seq LIMIT ? OFFSET ?'),
    customerCount: db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM customers'),
    customerInsert: db.prepare<[string, string]>('INSERT INTO customers (id, data) VALUES (?, ?)'),
    customerUpdate: db.prepare<[string, string]>('UPDATE customers SET data = ? WHERE id = ?'),
    userGet: db.prepare<[string, string], DataRow>('SELECT data FROM users WHERE customer_id = ? AND id = ?'),
    userByUpn: db.prepare<[string, string], DataRow>('SELECT data FROM users WHERE customer_id = ? AND upn = ?'),
    usersOf: db.prepare<[string], DataRow>('SELECT data FROM users WHERE customer_id = ? ORDER BY seq'),
    userCount: db.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM users WHERE customer_id = ?'),
    userInsert: db.prepare<[string, string, string, string]>(
      'INSERT INTO users (id, customer_id, upn, data) VALUES (?, ?, ?, ?)',
    ),
    userUpdate: db.prepare<[string, string, string, string]>('UPDATE users SET upn = ?, data = ? WHERE customer_id = ? AND id = ?'),
    licensesOfCustomer: db.prepare<[string], DataRow>('SELECT data FROM licenses WHERE customer_id = ?'),
    licensesOfUser: db.prepare<[string, string], DataRow>('SELECT data FROM licenses WHERE customer_id = ? AND user_id = ?'),
    licenseDeleteUser: db.prepare<[string, string]>('DELETE FROM licenses WHERE customer_id = ? AND user_id = ?'),
    licenseInsert: db.prepare<[string, string, string, string, string]>(
      'INSERT INTO licenses (customer_id, user_id, sku_id, group_id, data) VALUES (?, ?, ?, ?, ?)',
    ),
    consumed: db.prepare<[string, string], { n: number }>(
      'SELECT COUNT(DISTINCT user_id) AS n FROM licenses WHERE customer_id = ? AND sku_id = ?',
    ),
    subscriptionGet: db.prepare<[string, string], DataRow>('SELECT data FROM subscriptions WHERE customer_id = ? AND id = ?'),
    subscriptionsOf: db.prepare<[string], DataRow>('SELECT data FROM subscriptions WHERE customer_id = ? ORDER BY seq'),
    subscriptionUpsert: db.prepare<[string, string, string]>(
      'INSERT INTO subscriptions (id, customer_id, data) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET data = excluded.data',
    ),
    orderGet: db.prepare<[string, string], DataRow>('SELECT data FROM orders WHERE customer_id = ? AND id = ?'),
    ordersOf: db.prepare<[string], DataRow>('SELECT data FROM orders WHERE customer_id = ? ORDER BY seq'),
    ordersPending: db.prepare<[string], DataRow>(
      "SELECT data FROM orders WHERE customer_id = ? AND status = 'pending' ORDER BY seq",
    ),
    orderUpsert: db.prepare<[string, string, string, string]>(
      `INSERT INTO orders (id, customer_id, status, data) VALUES (?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET status = excluded.status, data = excluded.data`,
    ),
    cartGet: db.prepare<[string, string], DataRow>('SELECT data FROM carts WHERE customer_id = ? AND id = ?'),
    cartsOf: db.prepare<[string], DataRow>('SELECT data FROM carts WHERE customer_id = ?'),
    cartUpsert: db.prepare<[string, string, string]>(
      'INSERT INTO carts (id, customer_id, data) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET data = excluded.data',
    ),
    ledgerInsert: db.prepare<[string | null, string]>('INSERT INTO ledger (customer_id, data) VALUES (?, ?)'),
    ledgerAll: db.prepare<[number, number], { seq: number; data: string }>(
      'SELECT seq, data FROM ledger WHERE seq > ? ORDER BY seq LIMIT ?',
    ),
    ledgerOf: db.prepare<[string, number, number], { seq: number; data: string }>(
      'SELECT seq, data FROM ledger WHERE customer_id = ? AND seq > ? ORDER BY seq LIMIT ?',
    ),
    replayGet: db.prepare<[string], DataRow>('SELECT data FROM replay WHERE request_id = ?'),
    replayUpsert: db.prepare<[string, string]>(
      'INSERT INTO replay (request_id, data) VALUES (?, ?) ON CONFLICT (request_id) DO UPDATE SET data = excluded.data',
    ),
    metaGet: db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?'),
    metaSet: db.prepare<[string, string]>(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    ),
  };
}

/**
 * All sandbox state in SQLite, one JSON column per entity. In-memory for tests, a file under dataDir otherwise.
 * Every write happens inside a transaction that commits (synchronous = FULL) before the response leaves, so a
 * "commit then drop" fault has really committed.
 */
export class SandboxDb {
  private readonly db: Database.Database;
  private readonly sql: ReturnType<typeof prepare>;

  constructor(dataDir: string | undefined) {
    if (dataDir) {
      mkdirSync(dataDir, { recursive: true });
      this.db = new Database(join(dataDir, 'sandbox.sqlite'));
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = FULL');
    } else {
      this.db = new Database(':memory:');
    }
    this.db.exec(SCHEMA);
    this.sql = prepare(this.db);
  }

  transaction<T>(work: () => T): T {
    return this.db.transaction(work)();
  }

  wipe(): void {
    this.transaction(() => {
      for (const table of TABLES) this.db.exec(`DELETE FROM ${table}`);
      this.db.exec("DELETE FROM sqlite_sequence WHERE name = 'ledger'");
    });
  }

  close(): void {
    this.db.close();
  }

  // customers
  customer(id: string): CustomerRecord | undefined {
    return parse(this.sql.customerGet.get(id));
  }
  customerPage(offset: number, limit: number): CustomerRecord[] {
    return parseAll(this.sql.customerPage.all(limit, offset));
  }
  customerCount(): number {
    return this.sql.customerCount.get()?.n ?? 0;
  }
  insertCustomer(customer: CustomerRecord): void {
    this.sql.customerInsert.run(customer.id, JSON.stringify(customer));
  }
  updateCustomer(customer: CustomerRecord): void {
    this.sql.customerUpdate.run(JSON.stringify(customer), customer.id);
  }

  // users
  user(customerId: string, idOrUpn: string): UserRecord | undefined {
    return (
      parse<UserRecord>(this.sql.userGet.get(customerId, idOrUpn.toLowerCase())) ??
      parse<UserRecord>(this.sql.userByUpn.get(customerId, idOrUpn.toLowerCase()))
    );
  }
  usersOf(customerId: string): UserRecord[] {
    return parseAll(this.sql.usersOf.all(customerId));
  }
  userCount(customerId: string): number {
    return this.sql.userCount.get(customerId)?.n ?? 0;
  }
  insertUser(user: UserRecord): void {
    this.sql.userInsert.run(user.id, user.customerId, user.userPrincipalName.toLowerCase(), JSON.stringify(user));
  }
  updateUser(user: UserRecord): void {
    this.sql.userUpdate.run(user.userPrincipalName.toLowerCase(), JSON.stringify(user), user.customerId, user.id);
  }

  // licenses
  licensesOfCustomer(customerId: string): LicenseAssignment[] {
    return parseAll(this.sql.licensesOfCustomer.all(customerId));
  }
  licensesOfUser(customerId: string, userId: string): LicenseAssignment[] {
    return parseAll(this.sql.licensesOfUser.all(customerId, userId));
  }
  replaceLicenses(customerId: string, userId: string, assignments: LicenseAssignment[]): void {
    this.sql.licenseDeleteUser.run(customerId, userId);
    for (const assignment of assignments) this.insertLicense(customerId, assignment);
  }
  insertLicense(customerId: string, assignment: LicenseAssignment): void {
    this.sql.licenseInsert.run(customerId, assignment.userId, assignment.skuId, assignment.groupId ?? '', JSON.stringify(assignment));
  }
  consumedUnits(customerId: string, skuId: string): number {
    return this.sql.consumed.get(customerId, skuId)?.n ?? 0;
  }

  // subscriptions
  subscription(customerId: string, id: string): SubscriptionRecord | undefined {
    return parse(this.sql.subscriptionGet.get(customerId, id));
  }
  subscriptionsOf(customerId: string): SubscriptionRecord[] {
    return parseAll(this.sql.subscriptionsOf.all(customerId));
  }
  putSubscription(subscription: SubscriptionRecord): void {
    this.sql.subscriptionUpsert.run(subscription.id, subscription.customerId, JSON.stringify(subscription));
  }

  // orders
  order(customerId: string, id: string): OrderRecord | undefined {
    return parse(this.sql.orderGet.get(customerId, id));
  }
  ordersOf(customerId: string): OrderRecord[] {
    return parseAll(this.sql.ordersOf.all(customerId));
  }
  pendingOrdersOf(customerId: string): OrderRecord[] {
    return parseAll(this.sql.ordersPending.all(customerId));
  }
  putOrder(order: OrderRecord): void {
    this.sql.orderUpsert.run(order.id, order.customerId, order.status, JSON.stringify(order));
  }

  // carts
  cart(customerId: string, id: string): CartRecord | undefined {
    return parse(this.sql.cartGet.get(customerId, id));
  }
  cartsOf(customerId: string): CartRecord[] {
    return parseAll(this.sql.cartsOf.all(customerId));
  }
  putCart(cart: CartRecord): void {
    this.sql.cartUpsert.run(cart.id, cart.customerId, JSON.stringify(cart));
  }

  // ledger
  appendLedger(entry: Omit<LedgerEntry, 'seq'>): number {
    const result = this.sql.ledgerInsert.run(entry.customerId, JSON.stringify(entry));
    return Number(result.lastInsertRowid);
  }
  ledger(query: LedgerQuery): LedgerEntry[] {
    const afterSeq = query.afterSeq ?? 0;
    const limit = query.limit ?? 1000;
    const rows = query.customerId
      ? this.sql.ledgerOf.all(query.customerId, afterSeq, limit)
      : this.sql.ledgerAll.all(afterSeq, limit);
    return rows.map((row) => ({ seq: row.seq, ...(JSON.parse(row.data) as Omit<LedgerEntry, 'seq'>) }));
  }

  // MS-RequestId memory
  replay(requestId: string): ReplayRecord | undefined {
    return parse(this.sql.replayGet.get(requestId));
  }
  putReplay(record: ReplayRecord): void {
    this.sql.replayUpsert.run(record.requestId, JSON.stringify(record));
  }

  // meta
  meta<T>(key: string): T | undefined {
    const row = this.sql.metaGet.get(key);
    return row ? (JSON.parse(row.value) as T) : undefined;
  }
  setMeta(key: string, value: unknown): void {
    this.sql.metaSet.run(key, JSON.stringify(value));
  }
}
