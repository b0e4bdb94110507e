/** Small helpers shared by the persistence tests. */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Store } from '../../src/store/database.js';

/** Tables of the store's own namespace: the SQLite file, or the PostgreSQL schema its search_path points at. */
export async function tableNames(store: Store): Promise<string[]> {
  const query =
    store.engine === 'sqlite'
      ? sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`
      : sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = current_schema()`;
  const { rows } = await query.execute(store.db);
  return rows.map((r) => r.name).sort();
}

export async function insertMerchant(store: Store, name = 'Store test merchant'): Promise<string> {
  const id = randomUUID();
  await store.db.insertInto('merchants').values({ id, name, created_at: new Date().toISOString() }).execute();
  return id;
}

export async function merchantExists(store: Store, id: string): Promise<boolean> {
  return (await store.db.selectFrom('merchants').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;
}

/** The `?schema=` of a PostgreSQL URL. */
export function schemaOf(url: string): string {
  const schema = new URL(url).searchParams.get('schema');
  if (!schema) throw new Error('no schema parameter');
  return schema;
}
