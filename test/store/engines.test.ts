import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { sql } from 'kysely';
import { BUSY_TIMEOUT_MS } from '../../src/store/sqlite/open.js';
import { openStore, type Store } from '../../src/store/database.js';
import { ENGINES, freshDatabase, POSTGRES_URL, type TestDatabase } from '../support/engines.js';
import { insertMerchant, merchantExists, schemaOf, tableNames } from './helpers.js';

describe.each(ENGINES)('store isolation on %s', (engine) => {
  const databases: TestDatabase[] = [];
  const stores: Store[] = [];
  const open = async (database: TestDatabase) => {
    const store = await openStore(database.config);
    stores.push(store);
    return store;
  };
  const fresh = () => {
    const database = freshDatabase(engine);
    databases.push(database);
    return database;
  };
  afterAll(async () => {
    for (const store of stores) await store.close().catch(() => undefined);
    for (const database of databases) await database.drop();
  });

  it('two test runs never share data: each fresh database is its own namespace', async () => {
    const first = fresh();
    const second = fresh();
    expect(second.config).not.toEqual(first.config);
    const a = await open(first);
    const b = await open(second);
    const inA = await insertMerchant(a, 'run A');
    const inB = await insertMerchant(b, 'run B');
    expect(await merchantExists(a, inA)).toBe(true);
    expect(await merchantExists(b, inA)).toBe(false);
    expect(await merchantExists(a, inB)).toBe(false);
    expect(await a.db.selectFrom('merchants').select('name').execute()).toEqual([{ name: 'run A' }]);
    expect(await b.db.selectFrom('merchants').select('name').execute()).toEqual([{ name: 'run B' }]);
  });
});

describe.runIf(ENGINES.includes('sqlite'))('SQLite durability settings', () => {
  let database: TestDatabase;
  let store: Store;
  beforeAll(async () => {
    database = freshDatabase('sqlite');
    store = await openStore(database.config);
  });
  afterAll(async () => {
    await store.close();
    await database.drop();
  });

  it('the store connection runs in WAL mode with synchronous FULL and foreign keys on', async () => {
    const pragma = async (name: string) => (await sql.raw<Record<string, unknown>>(`PRAGMA ${name}`).execute(store.db)).rows[0];
    expect(await pragma('journal_mode')).toEqual({ journal_mode: 'wal' });
    expect(await pragma('synchronous')).toEqual({ synchronous: 2 }); // 2 = FULL (1 would be NORMAL)
    expect(await pragma('foreign_keys')).toEqual({ foreign_keys: 1 });
    // Short: a lock held elsewhere is waited for asynchronously (sqlite/transact.ts), never by blocking the event loop.
    expect(await pragma('busy_timeout')).toEqual({ timeout: BUSY_TIMEOUT_MS });
  });

  it('WAL mode is persisted in the file: another connection sees it, and writes go through the -wal file', async () => {
    if (database.config.engine !== 'sqlite') throw new Error('unreachable');
    const path = database.config.path;
    await insertMerchant(store);
    expect(existsSync(`${path}-wal`)).toBe(true);
    const other = new SQLite(path, { readonly: true });
    try {
      expect(other.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      other.close();
    }
  });
});

describe.runIf(ENGINES.includes('postgres'))('PostgreSQL ?schema= namespaces', () => {
  const databases: TestDatabase[] = [];
  const stores: Store[] = [];
  let admin: pg.Client;
  beforeAll(async () => {
    admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
  });
  afterAll(async () => {
    for (const store of stores) await store.close().catch(() => undefined);
    for (const database of databases) await database.drop();
    await admin.end();
  });
  const openFresh = async () => {
    const database = freshDatabase('postgres');
    databases.push(database);
    const store = await openStore(database.config);
    stores.push(store);
    if (database.config.engine !== 'postgres') throw new Error('unreachable');
    return { store, schema: schemaOf(database.config.url) };
  };

  it('creates the schema and puts every table in it', async () => {
    const { store, schema } = await openFresh();
    const { rows } = await admin.query<{ table_name: string }>('select table_name from information_schema.tables where table_schema = $1', [schema]);
    const inSchema = rows.map((r) => r.table_name);
    for (const table of ['merchants', 'data_keys', 'card_tokens', 'network_tokens', 'kysely_migration']) expect(inSchema).toContain(table);
    expect(await tableNames(store)).toEqual([...inSchema].sort());
  });

  it('a row written through one schema is invisible through the other', async () => {
    const one = await openFresh();
    const two = await openFresh();
    expect(two.schema).not.toBe(one.schema);
    const id = await insertMerchant(one.store, 'schema one');
    expect(await merchantExists(one.store, id)).toBe(true);
    expect(await merchantExists(two.store, id)).toBe(false);
    // Checked from outside too: the row is physically in the first schema only.
    const count = async (schema: string) => Number((await admin.query(`select count(*) as n from "${schema}".merchants where id = $1`, [id])).rows[0].n);
    expect(await count(one.schema)).toBe(1);
    expect(await count(two.schema)).toBe(0);
  });

  it('every pooled connection uses the schema, not just the first one', async () => {
    const { store, schema } = await openFresh();
    // More concurrent queries than the pool has connections: every connection the pool opens must be set up.
    const results = await Promise.all(
      Array.from({ length: 25 }, () => sql<{ schema: string }>`select current_schema() as schema, pg_sleep(0.05)`.execute(store.db)),
    );
    const seen = new Set(results.map((r) => r.rows[0]!.schema));
    expect(seen).toEqual(new Set([schema]));
    const backends = await admin.query<{ n: string }>(
      `select count(*) as n from pg_stat_activity where datname = current_database() and query like '%current_schema() as schema%' and pid <> pg_backend_pid()`,
    );
    expect(Number(backends.rows[0]!.n)).toBeGreaterThan(1);
  });

  it('refuses a schema name that is not a plain lower-case identifier, without creating anything', async () => {
    const url = new URL(POSTGRES_URL);
    url.searchParams.set('schema', 'Bad-Schema";drop');
    await expect(openStore({ engine: 'postgres', url: url.toString() })).rejects.toThrow(/lower-case SQL identifier/);
    const { rows } = await admin.query('select 1 from pg_namespace where nspname = $1', ['Bad-Schema";drop']);
    expect(rows).toHaveLength(0);
  });
});
