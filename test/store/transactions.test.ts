/**
 * How the store's transactions end when the database refuses them, on both engines: a failed COMMIT gives its
 * connection back (more failures than the pool has connections, then a normal transaction still commits), and a
 * failing unit is answered with its own error, never with the error of a rollback.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/database.js';
import { isUniqueViolation } from '../../src/store/errors.js';
import { ENGINES, freshDatabase, type TestDatabase } from '../support/engines.js';

/** More than the PostgreSQL pool's connections (10): a leaked connection per failure would exhaust it. */
const FAILURES = 14;

describe.each(ENGINES)('transactions that the database refuses on %s', (engine) => {
  let database: TestDatabase;
  let store: Store;

  beforeAll(async () => {
    database = freshDatabase(engine);
    store = await openStore(database.config);
    // A unique constraint checked at COMMIT (PostgreSQL: deferred), so COMMIT itself fails.
    await sql
      .raw(
        engine === 'postgres'
          ? 'create table commit_probe (id int, constraint commit_probe_id unique (id) deferrable initially deferred)'
          : 'create table commit_probe (id int unique)',
      )
      .execute(store.db);
  });
  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  it('a refused transaction rejects with its own error and leaves the store usable', async () => {
    for (let i = 0; i < FAILURES; i++) {
      const refused = store.transact(async (tx) => {
        await sql`insert into commit_probe (id) values (${i})`.execute(tx);
        await sql`insert into commit_probe (id) values (${i})`.execute(tx);
      });
      await expect(refused).rejects.toSatisfy(isUniqueViolation);
    }
    await store.transact(async (tx) => {
      await sql`insert into commit_probe (id) values (${-1})`.execute(tx);
    });
    const { rows } = await sql<{ n: number }>`select count(*) as n from commit_probe`.execute(store.db);
    expect(Number(rows[0]!.n)).toBe(1);
  });
});
