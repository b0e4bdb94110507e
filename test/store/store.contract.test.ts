/**
 * The store contract: what every engine (test/support/engines.ts) must do for the domains, whatever it is built
 * on. Open, migrate, commit and roll back units of work, map unique violations, run concurrent units with each
 * settled by its own outcome (SQLite's group commit must be invisible to callers), and answer nobody before
 * their change is visible to everyone else.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { sql } from 'kysely';
import { openStore, type Store } from '../../src/store/database.js';
import { isUniqueViolation } from '../../src/store/errors.js';
import { TRANSACTION_ATTEMPTS as SERIALIZATION_ATTEMPTS } from '../../src/store/postgres/transact.js';
import { ENGINES, freshDatabase, POSTGRES_URL, type TestDatabase } from '../support/engines.js';
import { merchantExists, tableNames } from './helpers.js';

const at = () => new Date().toISOString();

describe.each(ENGINES)('store contract on %s', (engine) => {
  let database: TestDatabase;
  let store: Store;
  /** A second handle on the same database, as another instance of the service would have. */
  let other: Store;
  const backgroundErrors: Error[] = [];

  beforeAll(async () => {
    database = freshDatabase(engine);
    store = await openStore(database.config, { onBackgroundError: (error) => backgroundErrors.push(error) });
    other = await openStore(database.config);
  });
  afterAll(async () => {
    await other?.close();
    await store?.close();
    await database?.drop();
  });

  const insertMerchant = (tx: Parameters<Parameters<Store['transact']>[0]>[0], id = randomUUID()) =>
    tx
      .insertInto('merchants')
      .values({ id, name: 'contract', created_at: at() })
      .execute()
      .then(() => id);

  describe('open and migrate', () => {
    it('opens on the configured engine and answers queries', async () => {
      expect(store.engine).toBe(engine);
      const { rows } = await sql<{ one: number }>`select 1 as one`.execute(store.db);
      expect(Number(rows[0]!.one)).toBe(1);
    });

    it('an unmigrated database has no tables; migrating creates them; migrating again changes nothing', async () => {
      const fresh = freshDatabase(engine);
      try {
        const bare = await openStore(fresh.config, { migrate: false });
        expect(await tableNames(bare)).toEqual([]);
        await bare.close();
        const migrated = await openStore(fresh.config);
        const tables = await tableNames(migrated);
        expect(tables).toContain('merchants');
        expect(tables).toContain('audit_log');
        await migrated.close();
        const again = await openStore(fresh.config);
        expect(await tableNames(again)).toEqual(tables);
        await again.close();
      } finally {
        await fresh.drop();
      }
    });

    it('bigint columns come back as numbers', async () => {
      const id = 9_007_199_254_740_000; // below 2^53
      await store.transact((tx) => tx.insertInto('accounts').values({ id, org_id: 'TN-x', program_id: '1', status: 'ACTIVE', created_at: at() }).execute());
      const row = await store.db.selectFrom('accounts').select('id').where('id', '=', id).executeTakeFirstOrThrow();
      expect(row.id).toBe(id);
    });
  });

  describe('transact', () => {
    it('commits a unit of work and resolves with its value', async () => {
      const id = await store.transact((tx) => insertMerchant(tx));
      expect(await merchantExists(store, id)).toBe(true);
    });

    it('rolls back everything a failing unit wrote and rejects with its error', async () => {
      const id = randomUUID();
      const failure = new Error('unit failed');
      await expect(
        store.transact(async (tx) => {
          await insertMerchant(tx, id);
          expect(await tx.selectFrom('merchants').select('id').where('id', '=', id).executeTakeFirst()).toEqual({ id });
          throw failure;
        }),
      ).rejects.toBe(failure);
      expect(await merchantExists(store, id)).toBe(false);
    });

    it('maps a duplicate key to a unique violation, and nothing else to one', async () => {
      const id = await store.transact((tx) => insertMerchant(tx));
      const duplicate = await store.transact((tx) => insertMerchant(tx, id)).catch((error: unknown) => error);
      expect(isUniqueViolation(duplicate)).toBe(true);
      const orphan = await store
        .transact((tx) =>
          tx
            .insertInto('api_keys')
            .values({ id: `ak_${randomUUID()}`, merchant_id: 'no-such-merchant', secret_hash: 'x', created_at: at(), revoked_at: null })
            .execute(),
        )
        .catch((error: unknown) => error);
      expect(orphan).toBeInstanceOf(Error);
      expect(isUniqueViolation(orphan)).toBe(false);
      expect(isUniqueViolation(new Error('other'))).toBe(false);
      expect(isUniqueViolation(undefined)).toBe(false);
    });

    it('settles concurrent units each by its own outcome: failures roll back alone, the others commit', async () => {
      const taken = await store.transact((tx) => insertMerchant(tx));
      const units = Array.from({ length: 30 }, (_, i) => {
        const id = randomUUID();
        if (i % 5 === 1)
          return {
            id,
            kind: 'throws' as const,
            run: store.transact(async (tx) => {
              await insertMerchant(tx, id);
              throw new Error(`unit ${i}`);
            }),
          };
        if (i % 5 === 3)
          return {
            id,
            kind: 'duplicate' as const,
            run: store.transact(async (tx) => {
              await insertMerchant(tx, id);
              await insertMerchant(tx, taken);
            }),
          };
        return { id, kind: 'commits' as const, run: store.transact(async (tx) => insertMerchant(tx, id)) };
      });
      const outcomes = await Promise.allSettled(units.map((u) => u.run));
      for (const [i, unit] of units.entries()) {
        const outcome = outcomes[i]!;
        if (unit.kind === 'commits') {
          expect(outcome).toEqual({ status: 'fulfilled', value: unit.id });
        } else {
          expect(outcome.status).toBe('rejected');
          const reason = (outcome as PromiseRejectedResult).reason;
          if (unit.kind === 'duplicate') expect(isUniqueViolation(reason)).toBe(true);
          else expect(String(reason)).toContain(`unit ${i}`);
        }
        expect(await merchantExists(store, unit.id)).toBe(unit.kind === 'commits');
      }
    });

    it('answers nobody before their change is visible to another handle on the database', async () => {
      const ids = Array.from({ length: 20 }, () => randomUUID());
      const seen = await Promise.all(ids.map((id) => store.transact((tx) => insertMerchant(tx, id)).then(async () => merchantExists(other, id))));
      expect(seen).toEqual(ids.map(() => true));
    });

    it('a unit sees its own writes and none of a concurrent failing unit', async () => {
      const failing = randomUUID();
      const [, sawFailing] = await Promise.allSettled([
        store.transact(async (tx) => {
          await insertMerchant(tx, failing);
          throw new Error('rolled back');
        }),
        store.transact(async (tx) => {
          const mine = await insertMerchant(tx);
          expect(await tx.selectFrom('merchants').select('id').where('id', '=', mine).executeTakeFirst()).toEqual({ id: mine });
          return (await tx.selectFrom('merchants').select('id').where('id', '=', failing).executeTakeFirst()) !== undefined;
        }),
      ]);
      expect(sawFailing).toEqual({ status: 'fulfilled', value: false });
      expect(await merchantExists(store, failing)).toBe(false);
    });

    it(
      engine === 'postgres' ? 'retries a serialization failure a bounded number of times' : 'does not retry what the engine never reports transiently',
      async () => {
        const serialization = () => Object.assign(new Error('could not serialize access'), { code: '40001' });
        let attempts = 0;
        const flaky = store.transact(async (tx) => {
          attempts++;
          const id = await insertMerchant(tx);
          if (attempts < SERIALIZATION_ATTEMPTS) throw serialization();
          return id;
        });
        if (engine === 'postgres') {
          const id = await flaky;
          expect(attempts).toBe(SERIALIZATION_ATTEMPTS);
          expect(await merchantExists(store, id)).toBe(true);
          let always = 0;
          await expect(
            store.transact(async () => {
              always++;
              throw serialization();
            }),
          ).rejects.toMatchObject({ kind: 'unavailable', dependency: 'database', cause: { code: '40001' } });
          expect(always).toBe(SERIALIZATION_ATTEMPTS);
        } else {
          await expect(flaky).rejects.toMatchObject({ code: '40001' });
          expect(attempts).toBe(1);
        }
      },
    );
  });

  describe.runIf(engine === 'postgres')('the PostgreSQL pool', () => {
    let admin: pg.Client;
    // biome-ignore lint/suspicious/noDuplicateTestHooks: describe.runIf(...) opens a block of its own
    beforeAll(async () => {
      admin = new pg.Client({ connectionString: POSTGRES_URL });
      await admin.connect();
    });
    // biome-ignore lint/suspicious/noDuplicateTestHooks: describe.runIf(...) opens a block of its own
    afterAll(async () => {
      await admin?.end();
    });

    it("sets its type parsing on the pool, leaving pg's process-wide parsers alone", async () => {
      expect(pg.types.getTypeParser(20, 'text')('12')).toBe('12');
      const { rows } = await sql<{ n: unknown }>`select 12::int8 as n`.execute(store.db);
      expect(rows[0]!.n).toBe(12);
      const plain = await admin.query<{ n: unknown }>('select 12::int8 as n');
      expect(plain.rows[0]!.n).toBe('12');
    });

    it('survives an idle connection being killed: the error is reported, the process goes on, the next query works', async () => {
      const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(store.db);
      const before = backgroundErrors.length;
      await admin.query('select pg_terminate_backend($1)', [rows[0]!.pid]);
      for (let i = 0; i < 50 && backgroundErrors.length === before; i++) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(backgroundErrors.length).toBeGreaterThan(before);
      const again = await sql<{ one: number }>`select 1 as one`.execute(store.db);
      expect(Number(again.rows[0]!.one)).toBe(1);
    });
  });
});
