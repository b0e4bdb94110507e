/**
 * The store engines every persistence test runs against. PostgreSQL is found at TESSERA_TEST_POSTGRES_URL
 * (default: the local server of the CI machines). Under CI=true a missing PostgreSQL fails the run instead of
 * being skipped.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { DatabaseConfig } from '../../src/config.js';

export const POSTGRES_URL = process.env.TESSERA_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

const reachable = await postgresReachable();
if (!reachable && process.env.CI === 'true') {
  throw new Error(`PostgreSQL is required under CI=true but is not reachable at ${POSTGRES_URL}`);
}
if (!reachable) console.warn(`[tessera tests] PostgreSQL not reachable at ${POSTGRES_URL}: PostgreSQL storage tests are skipped`);

export type EngineName = 'sqlite' | 'postgres';
export const ENGINES: EngineName[] = reachable ? ['sqlite', 'postgres'] : ['sqlite'];

export interface TestDatabase {
  config: DatabaseConfig;
  /** Drops the PostgreSQL schema (SQLite files live in a temp dir). */
  drop(): Promise<void>;
}

/** A database of its own for one test file: a fresh SQLite file, or a fresh PostgreSQL schema. */
export function freshDatabase(engine: EngineName): TestDatabase {
  if (engine === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-test-'));
    return { config: { engine: 'sqlite', path: join(dir, 'tessera.db') }, drop: async () => undefined };
  }
  const schema = `t_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const url = new URL(POSTGRES_URL);
  url.searchParams.set('schema', schema);
  return {
    config: { engine: 'postgres', url: url.toString() },
    async drop() {
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end();
    },
  };
}
