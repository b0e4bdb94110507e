/**
 * /readyz over real HTTP: fake checks for the shape and the timeout bound, then real dependencies — a SQLite
 * database that was closed, PostgreSQL up and on a port where nothing listens, migrations behind, and a network
 * simulator URL that answers or refuses connections.
 */
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { Kysely, Migrator, SqliteDialect, sql, type Migration } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createHttpServer } from '../../src/http/server.js';
import { createLogger } from '../../src/log.js';
import {
  addReadiness,
  httpReachable,
  readinessChecks,
  safeReason,
  type MigrationStatus,
  type Pingable,
  type ReadinessCheck,
  type ReadinessReport,
} from '../../src/http/readiness.js';

const apps: FastifyInstance[] = [];
const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serve(checks: ReadinessCheck[], timeoutMs = 500): Promise<string> {
  const app = createHttpServer(createLogger('silent'));
  addReadiness(app, checks, { timeoutMs });
  apps.push(app);
  return app.listen({ port: 0, host: '127.0.0.1' });
}

async function readyz(base: string): Promise<{ status: number; body: ReadinessReport }> {
  const response = await fetch(`${base}/readyz`);
  return { status: response.status, body: (await response.json()) as ReadinessReport };
}

/** A port nothing listens on: bound by the OS, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  server.close();
  await once(server, 'close');
  return address.port;
}

const sqlitePing = (db: SQLite.Database): Pingable => ({
  async ping() {
    db.prepare('select 1').get();
  },
});

const postgresPing = (pool: pg.Pool): Pingable => ({
  async ping() {
    await pool.query('select 1');
  },
});

const ok: ReadinessCheck = { name: 'always', check: async () => undefined };

describe('/readyz with fake checks', () => {
  it('answers 200 ready with every check ok', async () => {
    const { status, body } = await readyz(await serve([ok, { name: 'other', check: async () => undefined }]));
    expect(status).toBe(200);
    expect(body.status).toBe('ready');
    expect(Object.keys(body.checks)).toEqual(['always', 'other']);
    expect(body.checks.always).toMatchObject({ status: 'ok' });
    expect(typeof body.checks.always?.durationMs).toBe('number');
  });

  it('answers 503 with the reason of each failing check, the others still reported ok', async () => {
    const base = await serve([
      ok,
      { name: 'broken', check: async () => Promise.reject(new Error('disk on fire')) },
      {
        name: 'thrown',
        check: () => {
          throw new Error('synchronous throw');
        },
      },
    ]);
    const { status, body } = await readyz(base);
    expect(status).toBe(503);
    expect(body.status).toBe('not_ready');
    expect(body.checks.always).toMatchObject({ status: 'ok' });
    expect(body.checks.broken).toMatchObject({ status: 'failed', reason: 'disk on fire' });
    expect(body.checks.thrown).toMatchObject({ status: 'failed', reason: 'synchronous throw' });
  });

  it('bounds a check that never settles by the timeout and still answers', async () => {
    const base = await serve([ok, { name: 'hangs', check: () => new Promise<void>(() => undefined) }], 200);
    const { status, body } = await readyz(base);
    expect(status).toBe(503);
    expect(body.checks.hangs).toMatchObject({ status: 'failed', reason: 'timed out after 200 ms' });
    expect(body.checks.always).toMatchObject({ status: 'ok' });
  });

  it('concurrent probes share one run of the checks', async () => {
    let runs = 0;
    let arrived = 0;
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const app = createHttpServer(createLogger('silent'));
    app.addHook('onRequest', async () => void (arrived += 1));
    addReadiness(
      app,
      [
        {
          name: 'counted',
          check: async () => {
            runs += 1;
            await gate;
          },
        },
      ],
      { timeoutMs: 10_000 },
    );
    apps.push(app);
    const base = await app.listen({ port: 0, host: '127.0.0.1' });
    const probes = Array.from({ length: 5 }, () => readyz(base));
    // Every probe is inside the server before the one run of the check is let finish.
    while (arrived < 5) await new Promise((resolve) => setTimeout(resolve, 5));
    release();
    const answers = await Promise.all(probes);
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(runs).toBe(1);
    await readyz(base);
    expect(runs).toBe(2);
  });

  it('refuses two checks of the same name', () => {
    const app = createHttpServer(createLogger('silent'));
    apps.push(app);
    expect(() => addReadiness(app, [ok, ok])).toThrow(/twice/);
  });

  it('keeps reasons to one bounded line without URL credentials', () => {
    expect(safeReason(new Error('connect to postgres://tessera:s3cret@db:5432/x failed'))).toBe('connect to postgres://[REDACTED]@db:5432/x failed');
    expect(safeReason(new Error('a\n  b'))).toBe('a b');
    expect(safeReason(new Error('x'.repeat(500))).length).toBe(200);
  });
});

describe('/readyz with real dependencies', () => {
  it('SQLite: ready while open, the database check failing once the database is closed', async () => {
    const db = new SQLite(join(mkdtempSync(join(tmpdir(), 'tessera-ready-')), 'ready.db'));
    cleanups.push(() => db.open && db.close());
    const none: MigrationStatus = { pending: async () => [] };
    const base = await serve(readinessChecks({ database: sqlitePing(db), migrations: none }));
    expect(await readyz(base)).toMatchObject({ status: 200, body: { status: 'ready', checks: { database: { status: 'ok' }, migrations: { status: 'ok' } } } });
    expect((await readyz(base)).body.checks.network).toBeUndefined();

    db.close();
    const down = await readyz(base);
    expect(down.status).toBe(503);
    expect(down.body.checks.database).toMatchObject({ status: 'failed', reason: expect.stringMatching(/not open/) });
    expect(down.body.checks.migrations).toMatchObject({ status: 'ok' });
  });

  it('PostgreSQL: ok against the test server, failed (connection refused) against a port where nothing listens', async () => {
    const up = new pg.Pool({ connectionString: 'postgres://postgres@127.0.0.1:5432/test', max: 1 });
    const down = new pg.Pool({
      connectionString: `postgres://tessera:pw-never-shown@127.0.0.1:${await closedPort()}/test`,
      max: 1,
      connectionTimeoutMillis: 1_000,
    });
    cleanups.push(
      () => up.end(),
      () => down.end(),
    );
    const none: MigrationStatus = { pending: async () => [] };
    const good = await readyz(await serve(readinessChecks({ database: postgresPing(up), migrations: none }), 2_000));
    expect(good).toMatchObject({ status: 200, body: { checks: { database: { status: 'ok' } } } });
    const bad = await readyz(await serve(readinessChecks({ database: postgresPing(down), migrations: none }), 2_000));
    expect(bad.status).toBe(503);
    expect(bad.body.checks.database).toMatchObject({ status: 'failed', reason: expect.stringMatching(/ECONNREFUSED/) });
    expect(JSON.stringify(bad.body)).not.toContain('pw-never-shown');
  });

  it('migrations: not ready while a migration is pending, ready once applied (Kysely migrator on SQLite)', async () => {
    const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new SQLite(':memory:') }) });
    cleanups.push(() => db.destroy());
    const migrations: Record<string, Migration> = {
      '0001_a': { up: async (k) => void (await sql`create table a (x integer)`.execute(k)) },
      '0002_b': { up: async (k) => void (await sql`create table b (x integer)`.execute(k)) },
    };
    const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
    await migrator.migrateTo('0001_a');
    const status: MigrationStatus = { pending: async () => (await migrator.getMigrations()).filter((m) => !m.executedAt).map((m) => m.name) };
    const database: Pingable = { ping: async () => void (await sql`select 1`.execute(db)) };
    const base = await serve(readinessChecks({ database, migrations: status }));
    const behind = await readyz(base);
    expect(behind.status).toBe(503);
    expect(behind.body.checks.migrations).toMatchObject({ status: 'failed', reason: '1 migration(s) not applied: 0002_b' });
    expect(behind.body.checks.database).toMatchObject({ status: 'ok' });
    await migrator.migrateToLatest();
    expect((await readyz(base)).status).toBe(200);
  });

  it('network: ok while the simulator URL answers (any status), failed once nothing listens there', async () => {
    const simulator: Server = createServer((_request, response) => response.writeHead(404).end());
    simulator.listen(0, '127.0.0.1');
    await once(simulator, 'listening');
    const address = simulator.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    const url = `http://127.0.0.1:${address.port}/`;
    const none: MigrationStatus = { pending: async () => [] };
    const database: Pingable = { ping: async () => undefined };
    const base = await serve(readinessChecks({ database, migrations: none, network: httpReachable(url, 1_000) }), 2_000);
    expect(await readyz(base)).toMatchObject({ status: 200, body: { checks: { network: { status: 'ok' } } } });

    simulator.closeAllConnections();
    simulator.close();
    await once(simulator, 'close');
    const down = await readyz(base);
    expect(down.status).toBe(503);
    expect(down.body.checks.network).toMatchObject({ status: 'failed', reason: expect.stringMatching(/^127\.0\.0\.1:\d+ unreachable: .*ECONNREFUSED/) });
    expect(down.body.checks.database).toMatchObject({ status: 'ok' });
  });

  it('network: a server that accepts but never answers fails by the timeout', async () => {
    const silent: Server = createServer(() => undefined);
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    cleanups.push(() => {
      silent.closeAllConnections();
      silent.close();
    });
    const address = silent.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    const base = await serve([{ name: 'network', check: () => httpReachable(`http://127.0.0.1:${address.port}/`, 300).ping() }], 2_000);
    const down = await readyz(base);
    expect(down.status).toBe(503);
    expect(down.body.checks.network).toMatchObject({ status: 'failed', reason: expect.stringMatching(/unreachable/) });
  });
});
