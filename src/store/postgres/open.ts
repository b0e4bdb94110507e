/**
 * The production engine: Kysely over a pg pool. Type parsing is configured on this pool only (never through
 * pg's process-wide registry), so two stores, or a store and other pg users in one process, never disturb
 * each other.
 */
import type { CustomTypesConfig, Pool } from 'pg';
import { Kysely, PostgresDialect, sql } from 'kysely';
import type { Database } from '../schema.js';
import type { Transact } from '../transactions.js';
import { retryingTransact } from './transact.js';

const INT8_OID = 20;

export interface PostgresOptions {
  /** An idle pooled connection failed (server restart, network cut): reported here, never a crash. */
  onPoolError(error: Error): void;
}

export interface OpenedPostgres {
  db: Kysely<Database>;
  transact: Transact;
  /** The `?schema=` the store lives in, if any (migration bookkeeping is kept there). */
  schema: string | undefined;
  pool: Pool;
}

/**
 * `?schema=name` on a postgres URL selects (and creates) a schema: how each test run gets its own namespace,
 * and how an operator can share one database between environments.
 */
export async function openPostgres(rawUrl: string, options: PostgresOptions): Promise<OpenedPostgres> {
  const url = new URL(rawUrl);
  const schema = url.searchParams.get('schema') ?? undefined;
  url.searchParams.delete('schema');
  if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new Error('the schema parameter of the postgres URL must be a lower-case SQL identifier');
  }
  // Loaded only here: a server on the embedded store never pays for pg (~15 MB of RSS).
  const { default: pg } = await import('pg');
  // bigint columns (account and card ids) come back from pg as strings; they are always below 2^53 here.
  const types: CustomTypesConfig = {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
      oid === INT8_OID && format !== 'binary' ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as CustomTypesConfig['getTypeParser'],
  };
  // The schema is part of the connection's start-up options, so no query can ever run without it.
  const pool = new pg.Pool({ connectionString: url.toString(), max: 10, types, ...(schema ? { options: `-c search_path=${schema}` } : {}) });
  // Without a listener, an error on an idle client is an unhandled 'error' event and ends the process; the pool
  // has already discarded that client and the next query gets a fresh connection.
  pool.on('error', options.onPoolError);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  if (schema) await createSchema(db, schema);
  return { db, transact: retryingTransact(db), schema, pool };
}

/**
 * `IF NOT EXISTS` does not make CREATE SCHEMA safe against a concurrent creator on PostgreSQL (two instances
 * starting at once on a new schema: one gets a unique violation on pg_namespace). Losing that race is fine.
 */
async function createSchema(db: Kysely<Database>, schema: string): Promise<void> {
  try {
    await sql`CREATE SCHEMA IF NOT EXISTS ${sql.id(schema)}`.execute(db);
  } catch (error) {
    const { rows } = await sql`select 1 from pg_namespace where nspname = ${schema}`.execute(db);
    if (rows.length === 0) throw error;
  }
}
