/**
 * The simulator's schema migrations, bookkept apart from the product's (tables `network_sim_migrations` and
 * `network_sim_migrations_lock`), so the simulator can run in Tessera's database or in one of its own, and neither
 * side's migrations ever wait on or refuse the other's. Applied by the database store when it opens.
 *
 * The first migration creates the tables only if they are missing: databases migrated before the simulator owned
 * its schema already hold them (created by the product's former migration 0003_network_simulator), with rows.
 */
import { Migrator, type Kysely, type Migration, type MigrationProvider, type MigrationResultSet } from 'kysely';

export const SIMULATOR_MIGRATION_TABLE = 'network_sim_migrations';
export const SIMULATOR_MIGRATION_LOCK_TABLE = 'network_sim_migrations_lock';

const tables: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('network_sim_tokens')
      .ifNotExists()
      .addColumn('token_ref', 'text', (c) => c.primaryKey())
      .addColumn('network', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('record', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('network_sim_pan_refs')
      .ifNotExists()
      .addColumn('fingerprint', 'text', (c) => c.primaryKey())
      .addColumn('pan_ref', 'text', (c) => c.notNull())
      .addColumn('par', 'text', (c) => c.notNull())
      .execute();
  },
};

/** The first answer to each idempotency key, so a repeated key is answered alike even after a restart. */
const idempotency: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('network_sim_idempotency')
      .addColumn('idempotency_key', 'text', (c) => c.primaryKey())
      .addColumn('network', 'text', (c) => c.notNull())
      .addColumn('token_ref', 'text', (c) => c.notNull())
      .addColumn('answer', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('network_sim_idempotency_token').on('network_sim_idempotency').column('token_ref').execute();
  },
};

/** Issued cryptograms, so a used one stays used across a restart (single use). */
const cryptograms: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('network_sim_cryptograms')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('network', 'text', (c) => c.notNull())
      .addColumn('token_ref', 'text', (c) => c.notNull())
      .addColumn('record', 'text', (c) => c.notNull())
      .addColumn('used_at', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
  },
};

const migrations: Record<string, Migration> = {
  '0001_simulator_tables': tables,
  '0002_idempotency_keys': idempotency,
  '0003_cryptograms': cryptograms,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

/**
 * `schema`: the PostgreSQL schema the tables and the bookkeeping live in (Kysely would otherwise find a
 * bookkeeping table of the same name in any schema of the database).
 */
export async function migrateSimulatorToLatest(db: Kysely<unknown>, schema?: string): Promise<MigrationResultSet> {
  const migrator = new Migrator({
    db,
    provider,
    migrationTableName: SIMULATOR_MIGRATION_TABLE,
    migrationLockTableName: SIMULATOR_MIGRATION_LOCK_TABLE,
    ...(schema ? { migrationTableSchema: schema } : {}),
  });
  const result = await migrator.migrateToLatest();
  if (result.error) throw result.error instanceof Error ? result.error : new Error(String(result.error));
  return result;
}
