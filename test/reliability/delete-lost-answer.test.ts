/**
 * A lock or a timeout during a DELETE, with real child processes (`tessera serve`, and `tessera network-sim` with a
 * database of its own for the HTTP deployment): the network deactivates the token but its answer never reaches
 * Tessera. Before the journal, the Pismo API kept showing the token ACTIVE, every later operation (card-level
 * DELETE included) answered 400 ERR4021, and a restart did not help. Now the token ends DEACTIVATED on both sides,
 * after a retry (200), or after a kill -9 and restart (start-up reconciliation, `tessera reconcile`), and later
 * operations are judged on the network's state: card-level DELETE 200, a single-token operation 400 ERR4001 (the
 * transition is illegal), never ERR4021.
 *
 * The answer is lost in two ways: the sandbox's 'lost_answer' fault (both engines), and a real lock on the
 * network's row of the token, held by another connection past Tessera's network timeout (PostgreSQL: a row lock,
 * both deployments; SQLite: the network-sim database locked by another process, HTTP deployment, where the lock
 * does not also block Tessera's own database).
 */
import type { Kysely } from 'kysely';
import type { SimulatorDatabase } from '../../src/network/simulator/schema.js';
import { randomBytes } from 'node:crypto';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/database.js';
import type { TestServer } from '../support/app.js';
import { startChildNetwork, startChildServer, runCli, type ChildProcessHandle, type ChildServer } from '../support/child-server.js';
import { ENGINES, POSTGRES_URL, freshDatabase, type EngineName, type TestDatabase } from '../support/engines.js';
import { request } from '../support/http.js';
import { IssuerApi, NETWORK_SECRET, bootstrapIssuer, expectPismoError, reservePort, type Deployment, type TestToken } from '../support/issuer.js';

const NETWORK_TIMEOUT_MS = 2000;

interface Deployed {
  server: ChildServer;
  network?: ChildProcessHandle;
  database: TestDatabase;
  networkDatabase?: TestDatabase;
  api: IssuerApi;
  close(): Promise<void>;
}

async function deploy(engine: EngineName, deployment: Deployment): Promise<Deployed> {
  const database = freshDatabase(engine);
  const base = { TESSERA_NETWORK_TIMEOUT_MS: String(NETWORK_TIMEOUT_MS), TESSERA_RECONCILE_INTERVAL_MS: '0' };
  let network: ChildProcessHandle | undefined;
  let networkDatabase: TestDatabase | undefined;
  let server: ChildServer;
  if (deployment === 'in-process') {
    server = await startChildServer({ database: database.config, env: base });
  } else {
    networkDatabase = freshDatabase(engine);
    const tesseraPort = await reservePort();
    network = await startChildNetwork({ issuerUrl: `http://127.0.0.1:${tesseraPort}`, secret: NETWORK_SECRET, database: networkDatabase.config });
    server = await startChildServer({
      database: database.config,
      port: tesseraPort,
      env: { ...base, TESSERA_NETWORK_URL: network.url, TESSERA_NETWORK_SECRET: NETWORK_SECRET },
    });
  }
  return {
    server,
    ...(network ? { network } : {}),
    database,
    ...(networkDatabase ? { networkDatabase } : {}),
    api: new IssuerApi({ baseUrl: server.url, adminToken: server.adminToken } as TestServer),
    async close() {
      await server.stop();
      await network?.stop();
      await database.drop();
      await networkDatabase?.drop();
    },
  };
}

const DEPLOYMENTS: Deployment[] = ['in-process', 'http'];

describe.each(ENGINES)('a DELETE whose answer is lost, real processes, on %s', (engine) => {
  describe.each(DEPLOYMENTS)('network %s', (deployment) => {
    let env: Deployed;
    beforeAll(async () => {
      env = await deploy(engine, deployment);
    }, 120_000);
    afterAll(() => env?.close(), 60_000);

    const del = (token: TestToken) =>
      env.api.operate(token.account.jwt, token.card.cardId, token.tokenId, { operation_type: 'DELETE', operation_reason: 'lost phone', operator_id: 'desk' });
    const status = async (token: TestToken) => (await env.api.getToken(token.account.jwt, token.card.cardId, token.tokenId)).body.status as string;
    /** The network's own view: its table in Tessera's database (in-process), or the network's own API (HTTP). */
    async function networkStatus(token: TestToken): Promise<string> {
      if (env.network) {
        const res = await request(env.network.url, 'GET', `/${token.card.network}/tokens/${token.tokenRef}`, { bearer: NETWORK_SECRET });
        return (res.body as { status: string }).status;
      }
      // In-process: where the simulator keeps it, its own table in Tessera's database.
      return networkStatusInDatabase(env.database, token.tokenRef);
    }
    const loseNextAnswer = async (token: TestToken) => {
      const res = await env.api.fault({ network: token.card.network, operation: 'lifecycle', mode: 'lost_answer' });
      expect(res.status, res.text).toBe(204);
    };
    async function expectLaterOperationsFine(token: TestToken) {
      const card = await env.api.operateCard(token.account.jwt, token.card.cardId, { operation_type: 'DELETE', operation_reason: 'card closed' });
      expect(card.status, card.text).toBe(200);
      expectPismoError(
        await env.api.operate(token.account.jwt, token.card.cardId, token.tokenId, { operation_type: 'SUSPEND', operation_reason: 'after' }),
        400,
        'ERR4001',
      );
    }

    it('lost answer, then the retry: 200, DEACTIVATED on both sides', async () => {
      const token = await bootstrapIssuer(env.api, 'vts');
      await loseNextAnswer(token);
      expectPismoError(await del(token), 500, 'ERR5001', 'Fail on send event');
      expect(await networkStatus(token)).toBe('DEACTIVATED');
      expect(await status(token)).toBe('ACTIVE');
      const retry = await del(token);
      expect(retry.status, retry.text).toBe(200);
      expect(await status(token)).toBe('DEACTIVATED');
      await expectLaterOperationsFine(token);
    });

    it('lost answer, then kill -9 and restart: the start-up reconciliation settles it, DEACTIVATED on both sides', async () => {
      const token = await bootstrapIssuer(env.api, 'mdes');
      await loseNextAnswer(token);
      expectPismoError(await del(token), 500, 'ERR5001');
      await env.server.kill9();
      // The restarted server's start-up reconciliation settles entries older than the network timeout (a call
      // younger than that may still await its answer on another instance): this one is, once we have waited it out.
      await new Promise((resolve) => setTimeout(resolve, NETWORK_TIMEOUT_MS));
      await env.server.restart();
      for (let attempt = 0; attempt < 300 && (await status(token)) !== 'DEACTIVATED'; attempt++) await new Promise((r) => setTimeout(r, 50));
      expect(await status(token)).toBe('DEACTIVATED');
      // Nothing is left for `tessera reconcile` to do.
      const reconcile = await runCli(['reconcile', '--grace-ms', '0'], { ...env.server.env, PORT: '0' });
      expect(reconcile.code, reconcile.stderr).toBe(0);
      expect(JSON.parse(reconcile.stdout)).toMatchObject({ settled: 0, failed: 0, pending: 0 });
      expect(await networkStatus(token)).toBe('DEACTIVATED');
      await expectLaterOperationsFine(token);
    });

    const lockable = engine === 'postgres' || deployment === 'http';
    it.runIf(lockable)('a lock on the network’s row past the network timeout during a DELETE: the retry answers 200, DEACTIVATED on both sides', async () => {
      const token = await bootstrapIssuer(env.api, 'mdes');
      const lock = await lockNetworkRow(engine, deployment === 'http' ? env.networkDatabase! : env.database, token.tokenRef);
      let released = false;
      try {
        // Tessera gives up after its network timeout; the network's write waits for the lock.
        expectPismoError(await del(token), 500, 'ERR5001', 'Fail on send event');
        await lock.release();
        released = true;
        // The network's write, held by the lock, now goes through: the drift the issue saw (the network deleted
        // the token, the Pismo API still shows it ACTIVE). Polled, bounded, not timed.
        for (let attempt = 0; attempt < 200 && (await networkStatus(token)) !== 'DEACTIVATED'; attempt++) await new Promise((r) => setTimeout(r, 50));
        expect(await networkStatus(token)).toBe('DEACTIVATED');
        expect(await status(token)).toBe('ACTIVE');
        const retry = await del(token);
        expect(retry.status, retry.text).toBe(200);
      } finally {
        if (!released) await lock.release();
      }
      expect(await status(token)).toBe('DEACTIVATED');
      expect(await networkStatus(token)).toBe('DEACTIVATED');
      await expectLaterOperationsFine(token);
    });
  });
});

/** Where the in-process simulator keeps the token: its own table in Tessera's database. */
async function networkStatusInDatabase(database: TestDatabase, tokenRef: string): Promise<string> {
  const store = await openStore(database.config, { migrate: false });
  try {
    const row = await (store.db as unknown as Kysely<SimulatorDatabase>)
      .selectFrom('network_sim_tokens')
      .select('record')
      .where('token_ref', '=', tokenRef)
      .executeTakeFirstOrThrow();
    return (JSON.parse(row.record) as { token: { status: string } }).token.status;
  } finally {
    await store.close();
  }
}

/**
 * Locks the network's row of a token from another connection until `release`: on PostgreSQL a row lock (FOR
 * UPDATE, in the database's schema), on SQLite a write lock on the whole (network's own) database file.
 */
async function lockNetworkRow(engine: EngineName, database: TestDatabase, tokenRef: string): Promise<{ release(): Promise<void> }> {
  if (engine === 'postgres' && database.config.engine === 'postgres') {
    const schema = new URL(database.config.url).searchParams.get('schema') ?? 'public';
    const client = new pg.Client({ connectionString: POSTGRES_URL, application_name: `lock-${randomBytes(3).toString('hex')}` });
    await client.connect();
    await client.query('BEGIN');
    await client.query(`SELECT 1 FROM "${schema}".network_sim_tokens WHERE token_ref = $1 FOR UPDATE`, [tokenRef]);
    return {
      async release() {
        await client.query('COMMIT');
        await client.end();
      },
    };
  }
  if (database.config.engine !== 'sqlite') throw new Error('unexpected engine');
  const connection = new SQLite(database.config.path);
  connection.exec('BEGIN IMMEDIATE');
  return {
    async release() {
      connection.exec('COMMIT');
      connection.close();
    },
  };
}
