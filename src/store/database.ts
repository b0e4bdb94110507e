/**
 * The database handle: Kysely over better-sqlite3 (embedded default) or pg (production).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql, type SqliteDatabase, type SqliteStatement } from 'kysely';
import type { DatabaseConfig } from '../config.js';
import type { Database } from './schema.js';
import { migrateToLatest } from './migrations.js';
import { directTransact, groupCommitTransact, type Transact } from './transactions.js';
import { withFastRows } from './sqlite-rows.js';

export type Engine = DatabaseConfig['engine'];

export interface Store {
  db: Kysely<Database>;
  engine: Engine;
  /** Commits a unit of work (see transactions.ts); resolves only once it is durable. */
  transact: Transact;
  close(): Promise<void>;
}

const STATEMENT_CACHE_SIZE = 256;

/**
 * Kysely prepares every query afresh; preparing costs more than running a small query. The application issues a
 * few dozen distinct SQL strings, so their prepared statements are kept (better-sqlite3 is synchronous, so one
 * statement object is never used by two queries at once). Their result rows are built as sqlite-rows.ts says.
 */
function withStatementCache(database: SQLite.Database): SqliteDatabase {
  const statements = new Map<string, SqliteStatement>();
  return {
    close: () => database.close(),
    prepare(text: string) {
      let statement = statements.get(text);
      if (!statement) {
        statement = withFastRows(database.prepare(text));
        if (statements.size >= STATEMENT_CACHE_SIZE) statements.clear();
        statements.set(text, statement);
      }
      return statement;
    },
  };
}

function openSqlite(path: string): Kysely<Database> {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const database = new SQLite(path);
  database.pragma('journal_mode = WAL');
  // FULL: a commit is on disk before we answer, even across power loss (NORMAL would only survive a crash).
  database.pragma('synchronous = FULL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(database) }) });
}

/**
 * `?schema=name` on a postgres URL selects (and creates) a schema: how each test run gets its own namespace,
 * and how an operator can share one database between environments.
 */
async function openPostgres(rawUrl: string): Promise<{ db: Kysely<Database>; schema: string | undefined }> {
  // Loaded only here: a server on the embedded store never pays for pg (~15 MB of RSS).
  const { default: pg } = await import('pg');
  // bigint columns (account and card ids) come back from pg as strings; they are always below 2^53 here.
  pg.types.setTypeParser(20, (value: string) => Number(value));
  const url = new URL(rawUrl);
  const schema = url.searchParams.get('schema') ?? undefined;
  url.searchParams.delete('schema');
  if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new Error('the schema parameter of the postgres URL must be a lower-case SQL identifier');
  }
  // The schema is part of the connection's start-up options, so no query can ever run without it.
  const pool = new pg.Pool({ connectionString: url.toString(), max: 10, ...(schema ? { options: `-c search_path=${schema}` } : {}) });
  return { db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }), schema };
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

export async function openStore(config: DatabaseConfig, options: { migrate?: boolean } = {}): Promise<Store> {
  let db: Kysely<Database>;
  let schema: string | undefined;
  if (config.engine === 'sqlite') {
    db = openSqlite(config.path);
  } else {
    const opened = await openPostgres(config.url);
    db = opened.db;
    schema = opened.schema;
    if (schema) await createSchema(db, schema);
  }
  if (options.migrate !== false) await migrateToLatest(db as unknown as Kysely<unknown>, schema);
  const transact = config.engine === 'sqlite' ? groupCommitTransact(db) : directTransact(db);
  return { db, engine: config.engine, transact, close: () => db.destroy() };
}
