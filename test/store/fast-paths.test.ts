/**
 * The read fast paths of the store: rows built from raw arrays must be exactly the rows better-sqlite3 builds,
 * and queries compiled once must bind each call's own values, on every engine.
 */
import { afterAll, describe, expect, it } from 'vitest';
import SQLite from 'better-sqlite3';
import { openStore, type Store } from '../../src/store/database.js';
import { withFastRows } from '../../src/store/sqlite/rows.js';
import { compileOnce } from '../../src/store/compiled-query.js';
import { ENGINES, freshDatabase, type TestDatabase } from '../support/engines.js';

describe('sqlite rows built from raw arrays', () => {
  const db = new SQLite(':memory:');
  db.exec(`create table t (id integer primary key, name text, blob blob, real real, absent text, "we""ird key" text)`);
  db.prepare('insert into t values (?, ?, ?, ?, ?, ?)').run(1, 'a', Buffer.from([1, 2]), 1.5, null, 'x');
  db.prepare('insert into t values (?, ?, ?, ?, ?, ?)').run(2, 'b', null, -2, 'n', 'y');
  afterAll(() => db.close());

  const both = (text: string, parameters: unknown[] = []) => ({
    library: db.prepare(text).all(...parameters),
    fast: withFastRows(db.prepare(text)).all(parameters),
  });

  it('gives the same keys, key order and values as the library, for every column type', () => {
    const { library, fast } = both('select * from t order by id');
    expect(fast).toStrictEqual(library);
    expect(fast.map((row) => Object.keys(row as object))).toEqual(library.map((row) => Object.keys(row as object)));
  });

  it('keeps first position and last value of a repeated column name, as the library does', () => {
    const { library, fast } = both('select id, name, real as id from t where id = ?', [2]);
    expect(fast).toStrictEqual(library);
    expect(Object.keys(fast[0] as object)).toEqual(Object.keys(library[0] as object));
  });

  it('leaves a column named __proto__ to the library rather than setting the prototype', () => {
    const { library, fast } = both('select name as "__proto__" from t where id = 1');
    expect(fast).toStrictEqual(library);
    expect(Object.getPrototypeOf(fast[0])).toBe(Object.prototype);
  });

  it('iterates and runs like the library', () => {
    expect([...withFastRows(db.prepare('select id, name from t order by id')).iterate([])]).toStrictEqual([
      ...db.prepare('select id, name from t order by id').iterate(),
    ]);
    expect(withFastRows(db.prepare('update t set name = ? where id = ?')).run(['c', 2]).changes).toBe(1);
  });
});

describe('compileOnce', () => {
  it('refuses a placeholder that does not end up as a bound parameter', async () => {
    const store = await openStore({ engine: 'sqlite', path: ':memory:' });
    try {
      const unbound = (param: (name: 'a') => string) => {
        param('a');
        return store.db.selectFrom('merchants').select('id');
      };
      expect(() => compileOnce(unbound)).toThrow(/expected parameters/);
    } finally {
      await store.close();
    }
  });
});

describe.each(ENGINES)('queries compiled once on %s', (engine) => {
  let database: TestDatabase;
  let store: Store;
  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  it('binds each call its own values, whatever order the placeholders were named in', async () => {
    database = freshDatabase(engine);
    store = await openStore(database.config);
    const at = new Date().toISOString();
    await store.db
      .insertInto('merchants')
      .values([
        { id: 'm1', name: 'one', created_at: at },
        { id: 'm2', name: 'two', created_at: at },
      ])
      .execute();
    const byIdAndName = compileOnce<{ id: string }, 'name' | 'id'>((param) =>
      store.db.selectFrom('merchants').select('id').where('id', '=', param('id')).where('name', '=', param('name')),
    );
    const run = async (id: string, name: string) => (await store.db.executeQuery(byIdAndName({ name, id }))).rows;
    expect(await run('m1', 'one')).toEqual([{ id: 'm1' }]);
    expect(await run('m2', 'two')).toEqual([{ id: 'm2' }]);
    expect(await run('m1', 'two')).toEqual([]);
  });
});
