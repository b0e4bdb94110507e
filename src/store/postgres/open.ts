/**
 * The production engine: Kysely over a pg pool. Type parsing is configured on this pool only (never through
 * pg's process-wide registry), so two stores, or a store and other pg users in one process, never disturb
 * each other.
 */
import type { CustomTypesConfig, Pool } from 'pg';
import { Kysely, PostgresDialect, sql } from 'kysely';
import type { Metrics } from '../../metrics.js';
import { withRetry } from '../../retry.js';
import { asDatabaseUnavailable } from '../errors.js';
import { withMappedErrors } from '../mapped-dialect.js';
import type { Database } from '../schema.js';
import type { Transact } from '../transactions.js';
import { retryingTransact } from './transact.js';

const INT8_OID = 20;

export interface PostgresOptions {
  /** A pooled connection failed (server restart, network cut, terminated backend): reported here, never a crash. */
  onPoolError(error: Error): void;
  metrics: Metrics;
  /** How long to wait for the server to answer at open (it may start after us), in seconds; 0: try once. */
  waitSeconds: number;
}

/** How long one connection attempt may take before it counts as failed (pg waits forever by default). */
const CONNECT_TIMEOUT_MS = 5000;
const WAIT_BASE_MS = 200;
const WAIT_CAP_MS = 5000;

/** Start-up found no database within the configured wait: the message names the setting. */
export class DatabaseWaitExpired extends Error {}

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
  const pool = new pg.Pool({
    connectionString: url.toString(),
    max: 10,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    types,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // Without a listener, an error on a client is an unhandled 'error' event and ends the process. The pool listens
  // on idle clients only; a client checked out (in a transaction, between two queries) whose backend is
  // terminated emits it too, so every client gets a listener for its whole life. The broken client is dropped by
  // the pool when released (it is no longer queryable) and the next query gets a fresh connection.
  pool.on('error', options.onPoolError);
  pool.on('connect', (client) => client.on('error', options.onPoolError));
  const dialect = withMappedErrors(new PostgresDialect({ pool }), { mapError: (error) => asDatabaseUnavailable(error) ?? error });
  const db = new Kysely<Database>({ dialect });
  try {
    await waitForServer(db, url, options.waitSeconds);
    if (schema) await createSchema(db, schema);
  } catch (error) {
    await db.destroy().catch(() => undefined);
    throw error;
  }
  return { db, transact: retryingTransact(db, options.metrics), schema, pool };
}

/** Start-up may come before the database (containers started together, a fail-over): try with backoff. */
async function waitForServer(db: Kysely<Database>, url: URL, waitSeconds: number): Promise<void> {
  const deadline = Date.now() + waitSeconds * 1000;
  try {
    // Bounded by time, not by a count: every attempt is one connection try of at most CONNECT_TIMEOUT_MS.
    await withRetry(() => sql`select 1`.execute(db), {
      attempts: Number.MAX_SAFE_INTEGER,
      retryOn: (error) => asDatabaseUnavailable(error) !== undefined && Date.now() < deadline,
      delayMs: (attempt) => Math.max(0, Math.min(WAIT_CAP_MS, WAIT_BASE_MS * 2 ** (attempt - 2), deadline - Date.now())),
    });
  } catch (error) {
    const away = asDatabaseUnavailable(error);
    if (!away) throw error;
    throw new DatabaseWaitExpired(
      `PostgreSQL at ${url.host} did not answer within ${waitSeconds} s (${away.message}); start it, check TESSERA_DATABASE_URL, or raise TESSERA_DATABASE_WAIT_SECONDS`,
      { cause: error },
    );
  }
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
