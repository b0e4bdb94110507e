import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import { openStore, type Store } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrations.js';
import { isUniqueViolation } from '../../src/store/errors.js';
import { ENGINES, freshDatabase, type TestDatabase } from '../support/engines.js';
import { insertMerchant, merchantExists, tableNames } from './helpers.js';

const APP_TABLES = [
  'accounts',
  'api_keys',
  'audit_anchors',
  'audit_chain_heads',
  'audit_log',
  'cache_versions',
  'capture_keys',
  'card_tokens',
  'data_keys',
  'event_sequences',
  'events',
  'issuer_cards',
  'merchants',
  'network_operations',
  'network_tokens',
  'pan_references',
  'scheme_token_operations',
  'scheme_tokens',
  'token_requestors',
  'token_scopes',
  'webhook_deliveries',
  'webhook_endpoints',
];
const MIGRATIONS = [
  '0001_merchant_vault',
  '0002_issuer_tokens',
  '0003_network_simulator',
  '0004_network_operations',
  '0005_event_delivery',
  '0006_audit_chain',
  '0008_instance_sync',
  '0009_token_expiry',
  '0010_scheme_tokens',
];

describe.each(ENGINES)('migrations on %s', (engine) => {
  let database: TestDatabase;
  const opened: Store[] = [];
  const open = async (options?: { migrate?: boolean }) => {
    const store = await openStore(database.config, options);
    opened.push(store);
    return store;
  };

  beforeAll(() => {
    database = freshDatabase(engine);
  });
  afterAll(async () => {
    for (const store of opened) await store.close().catch(() => undefined);
    await database.drop();
  });

  it('an unmigrated store has no tables; opening with migrations creates every table and records each migration', async () => {
    const bare = await open({ migrate: false });
    expect(await tableNames(bare)).toEqual([]);
    await bare.close();

    const store = await open();
    const tables = await tableNames(store);
    for (const table of APP_TABLES) expect(tables).toContain(table);
    const applied = await (store.db as unknown as Kysely<{ kysely_migration: { name: string } }>)
      .selectFrom('kysely_migration')
      .select('name')
      .orderBy('name')
      .execute();
    expect(applied.map((r) => r.name)).toEqual(MIGRATIONS);
    await store.close();
  });

  it('is idempotent: opening again applies nothing and keeps the data', async () => {
    const first = await open();
    const merchantId = await insertMerchant(first);
    const tablesBefore = await tableNames(first);
    await first.close();

    const second = await open();
    expect(await tableNames(second)).toEqual(tablesBefore);
    expect(await merchantExists(second, merchantId)).toBe(true);
    const rerun = await migrateToLatest(second.db as unknown as Kysely<unknown>);
    expect(rerun.error).toBeUndefined();
    expect(rerun.results).toEqual([]);
    await second.close();
  });

  it('the schema enforces its keys: duplicates are unique violations the domain recognises', async () => {
    const store = await open();
    const id = await insertMerchant(store);
    let caught: unknown;
    try {
      await store.db.insertInto('merchants').values({ id, name: 'dup', created_at: new Date().toISOString() }).execute();
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeDefined();
    expect(isUniqueViolation(caught)).toBe(true);
    expect(isUniqueViolation(new Error('other'))).toBe(false);
    await store.close();
  });

  it('enforces foreign keys (an API key needs an existing merchant)', async () => {
    const store = await open();
    await expect(
      store.db
        .insertInto('api_keys')
        .values({ id: 'ak_orphan', merchant_id: 'no-such-merchant', secret_hash: 'x', created_at: new Date().toISOString(), revoked_at: null })
        .execute(),
    ).rejects.toThrow();
    await store.close();
  });
});

describe.runIf(ENGINES.includes('postgres'))('migrations on postgres, several instances starting at once', () => {
  const databases: TestDatabase[] = [];
  afterAll(async () => {
    for (const database of databases) await database.drop();
  });

  it('ten stores opening a brand-new schema concurrently all succeed and migrate it once', async () => {
    const database = freshDatabase('postgres');
    databases.push(database);
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => openStore(database.config)));
    const stores = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    try {
      expect(results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason))).toEqual([]);
      const applied = await (stores[0]!.db as unknown as Kysely<{ kysely_migration: { name: string } }>)
        .selectFrom('kysely_migration')
        .select('name')
        .execute();
      expect(applied.map((r) => r.name).sort()).toEqual(MIGRATIONS);
    } finally {
      for (const store of stores) await store.close();
    }
  });
});
