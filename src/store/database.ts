/**
 * The database handle, whatever the engine: Kysely over better-sqlite3 (embedded default, sqlite/) or a pg pool
 * (production, postgres/). This file only selects the engine and migrates; each engine folder says how it
 * opens, commits and names its errors.
 */
import { sql, type Kysely } from 'kysely';
import type { DatabaseConfig } from '../config.js';
import { noMetrics, type Metrics } from '../metrics.js';
import type { Database } from './schema.js';
import { migrateToLatest, pendingMigrations } from './migrations.js';
import type { Transact } from './transactions.js';
import { openSqlite } from './sqlite/open.js';

export type Engine = DatabaseConfig['engine'];

export interface Store {
  db: Kysely<Database>;
  engine: Engine;
  /** Commits a unit of work (see transactions.ts); resolves only once it is durable. */
  transact: Transact;
  /** One round trip to the database (readiness). */
  ping(): Promise<void>;
  /** Migrations of this build the database has not run (readiness). */
  pendingMigrations(): Promise<string[]>;
  close(): Promise<void>;
}

export interface StoreOptions {
  /** Apply pending migrations on open (default true). */
  migrate?: boolean;
  /** Where failures outside any query (an idle pooled connection dropping) are reported. Default: stderr. */
  onBackgroundError?: (error: Error) => void;
  /** Where transaction and commit-batch timings go (src/metrics.ts). Default: nowhere. */
  metrics?: Metrics;
  /**
   * PostgreSQL: how long to wait at open for a server that does not answer yet, with backoff, before failing
   * (TESSERA_DATABASE_WAIT_SECONDS). Default 0: one attempt.
   */
  waitSeconds?: number;
}

const reportToStderr = (error: Error) => {
  process.stderr.write(`tessera: database connection error (the pool replaces the connection): ${error.message}\n`);
};

export async function openStore(config: DatabaseConfig, options: StoreOptions = {}): Promise<Store> {
  let opened: { db: Kysely<Database>; transact: Transact; schema?: string | undefined };
  const metrics = options.metrics ?? noMetrics;
  if (config.engine === 'sqlite') {
    opened = openSqlite(config.path, metrics);
  } else {
    // Loaded only for PostgreSQL, like pg itself.
    const { openPostgres } = await import('./postgres/open.js');
    opened = await openPostgres(config.url, {
      onPoolError: options.onBackgroundError ?? reportToStderr,
      metrics,
      waitSeconds: options.waitSeconds ?? 0,
    });
  }
  const { db, transact, schema } = opened;
  if (options.migrate !== false) {
    try {
      // Checked first, with reads only: a database whose schema is current opens even while it cannot be written
      // (a read-only file), and then serves reads and answers writes 503 until it can.
      const pending = await pendingMigrations(db as unknown as Kysely<unknown>, schema);
      if (pending.length > 0) await migrateToLatest(db as unknown as Kysely<unknown>, schema);
    } catch (error) {
      await db.destroy().catch(() => undefined);
      throw error;
    }
  }
  return {
    db,
    engine: config.engine,
    transact,
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    pendingMigrations: () => pendingMigrations(db as unknown as Kysely<unknown>, schema),
    close: () => db.destroy(),
  };
}
