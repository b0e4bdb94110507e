/**
 * kill -9 of a real `tessera serve` child process during concurrent issuer operations (SUSPEND / RESUME / DELETE
 * over HTTP on 12 tokens), `tessera reconcile` (a child process too), restart on the same database → 0 tokens whose
 * issuer state (the Pismo API GET) differs from the network's own view, and no journal entry left pending.
 *
 * Two deployments: the network in-process (its state in Tessera's database, its own tables, read directly), and
 * `tessera network-sim` as a separate child process with a database of its own, read over its HTTP API (only
 * Tessera is killed; the network keeps running, as a real one would). Both engines.
 *
 * The figures (tokens whose stored state disagreed with the network right after the crash, journal entries
 * pending then, answers before the kill, what the reconciliation did) are printed: `npx vitest run test/reliability/issuer-kill9.test.ts` shows them in its output.
 */
import type { Kysely } from 'kysely';
import type { SimulatorDatabase } from '../../src/network/simulator/schema.js';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/database.js';
import type { TestServer } from '../support/app.js';
import { startChildNetwork, startChildServer, runCli, type ChildProcessHandle, type ChildServer } from '../support/child-server.js';
import { ENGINES, freshDatabase, type EngineName, type TestDatabase } from '../support/engines.js';
import { request } from '../support/http.js';
import { IssuerApi, NETWORK_SECRET, createAccount, createCard, provisionToken, reservePort, type Deployment, type TestToken } from '../support/issuer.js';

const TOKENS = 12;
/** Answers to wait for before the kill: the load is well under way, many requests are in flight. */
const KILL_AFTER_ANSWERS = 60;

type Op = 'SUSPEND' | 'RESUME' | 'DELETE';

/** A deterministic generator (mulberry32), so a run can be replayed from its seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What the network holds for a token: its status and its own record (`network_data`). */
interface NetworkView {
  status: string;
  networkData: unknown;
}

interface Deployed {
  server: ChildServer;
  network?: ChildProcessHandle;
  databases: TestDatabase[];
  networkView(token: TestToken): Promise<NetworkView>;
}

async function deploy(engine: EngineName, deployment: Deployment): Promise<Deployed> {
  const database = freshDatabase(engine);
  const base = { TESSERA_NETWORK_TIMEOUT_MS: '2000', TESSERA_RECONCILE_INTERVAL_MS: '0' };
  if (deployment === 'in-process') {
    const server = await startChildServer({ database: database.config, env: base });
    return {
      server,
      databases: [database],
      // The network's tables in Tessera's database: what the simulator holds, read as it stores it.
      async networkView(token) {
        const store = await openStore(database.config, { migrate: false });
        try {
          const row = await (store.db as unknown as Kysely<SimulatorDatabase>)
            .selectFrom('network_sim_tokens')
            .select('record')
            .where('token_ref', '=', token.tokenRef)
            .executeTakeFirstOrThrow();
          const { token: record } = JSON.parse(row.record) as { token: NetworkView };
          return { status: record.status, networkData: record.networkData };
        } finally {
          await store.close();
        }
      },
    };
  }
  const networkDatabase = freshDatabase(engine);
  const [tesseraPort, networkPort] = [await reservePort(), await reservePort()];
  const network = await startChildNetwork({
    issuerUrl: `http://127.0.0.1:${tesseraPort}`,
    secret: NETWORK_SECRET,
    database: networkDatabase.config,
    port: networkPort,
  });
  const server = await startChildServer({
    database: database.config,
    port: tesseraPort,
    env: { ...base, TESSERA_NETWORK_URL: network.url, TESSERA_NETWORK_SECRET: NETWORK_SECRET },
  });
  return {
    server,
    network,
    databases: [database, networkDatabase],
    // The network's own API: the status look-up a real network offers.
    async networkView(token) {
      const res = await request<NetworkView>(network.url, 'GET', `/${token.card.network}/tokens/${token.tokenRef}`, { bearer: NETWORK_SECRET });
      expect(res.status, res.text).toBe(200);
      return { status: res.body.status, networkData: res.body.networkData };
    },
  };
}

/** The Pismo and admin APIs of a child server (what IssuerApi needs of a server: its URL and admin token). */
const apiOf = (server: ChildServer) => new IssuerApi({ baseUrl: server.url, adminToken: server.adminToken } as TestServer);

async function drifted(api: IssuerApi, deployed: Deployed, tokens: TestToken[]) {
  const drift: { tokenId: string; issuer: string; network: string }[] = [];
  for (const token of tokens) {
    const res = await api.getToken(token.account.jwt, token.card.cardId, token.tokenId);
    expect(res.status, res.text).toBe(200);
    const network = await deployed.networkView(token);
    if (res.body.status !== network.status || JSON.stringify(res.body.network_data) !== JSON.stringify(network.networkData)) {
      drift.push({ tokenId: token.tokenId, issuer: res.body.status, network: network.status });
    }
  }
  return drift;
}

/** Tokens whose stored row (read from the issuer's database, the server being down) differs from the network's view. */
async function driftedInDatabase(database: TestDatabase, deployed: Deployed, tokens: TestToken[]): Promise<number> {
  const store = await openStore(database.config, { migrate: false });
  try {
    let count = 0;
    for (const token of tokens) {
      const row = await store.db.selectFrom('network_tokens').select(['status', 'network_data']).where('id', '=', token.tokenId).executeTakeFirstOrThrow();
      const network = await deployed.networkView(token);
      if (row.status !== network.status || row.network_data !== JSON.stringify(network.networkData)) count += 1;
    }
    return count;
  } finally {
    await store.close();
  }
}

async function pendingEntries(database: TestDatabase): Promise<number> {
  const store = await openStore(database.config, { migrate: false });
  try {
    const rows = await store.db.selectFrom('network_operations').select('id').where('status', '=', 'pending').execute();
    return rows.length;
  } finally {
    await store.close();
  }
}

describe.each(ENGINES)('kill -9 during concurrent issuer operations on %s', (engine) => {
  let deployed: Deployed | undefined;
  afterEach(async () => {
    await deployed?.server.stop();
    await deployed?.network?.stop();
    for (const database of deployed?.databases ?? []) await database.drop();
    deployed = undefined;
  });

  it.each(['in-process', 'http'] as const)(
    'network %s: restart and reconcile leave 0 tokens differing from the network',
    async (deployment) => {
      deployed = await deploy(engine, deployment);
      const { server } = deployed;
      const api = apiOf(server);
      const account = await createAccount(api);
      const tokens: TestToken[] = [];
      for (let i = 0; i < TOKENS / 2; i++) {
        const card = await createCard(api, account, i % 2 === 0 ? 'vts' : 'mdes');
        tokens.push(await provisionToken(api, account, card), await provisionToken(api, account, card, { wallet: 'GOOGLE_PAY' }));
      }

      // One client per token, each sending operations one after another until the server dies under it.
      const next = random(engine === 'sqlite' ? 17 : 23);
      let answers = 0;
      let killed = false;
      const clients = tokens.map(async (token, i) => {
        for (let n = 0; !killed; n++) {
          const roll = next();
          const operation_type: Op = roll < 0.04 ? 'DELETE' : roll < 0.52 ? 'SUSPEND' : 'RESUME';
          const res = await api
            .operate(account.jwt, token.card.cardId, token.tokenId, { operation_type, operation_reason: `load ${i}.${n}`, operator_id: `client-${i}` })
            .catch(() => undefined);
          if (!res) return;
          answers += 1;
          // Legal refusals only while the server lives: the transition was illegal when its turn came.
          if (res.status !== 200) expect([400], `${operation_type}: ${res.text}`).toContain(res.status);
        }
      });
      for (let attempt = 0; answers < KILL_AFTER_ANSWERS && attempt < 6000; attempt++) await new Promise((resolve) => setTimeout(resolve, 10));
      killed = true;
      await server.kill9();
      await Promise.all(clients);

      // Right after the crash: what the issuer's rows say against the network (server down, databases read directly).
      const pendingAtCrash = await pendingEntries(deployed.databases[0]!);
      const driftAtCrash = await driftedInDatabase(deployed.databases[0]!, deployed, tokens);

      // `tessera reconcile` with the server still down: it settles every pending entry by asking the network.
      const reconcile = await runCli(['reconcile', '--grace-ms', '0'], { ...server.env, PORT: '0' });
      expect(reconcile.code, reconcile.stderr).toBe(0);
      const report = JSON.parse(reconcile.stdout) as { settled: number; repaired: number; failed: number; pending: number };
      expect(report).toMatchObject({ settled: pendingAtCrash, failed: 0, pending: 0 });
      expect(await driftedInDatabase(deployed.databases[0]!, deployed, tokens)).toBe(0);

      // Restarted on the same database: the Pismo API agrees with the network's own view on every token.
      await server.restart();
      const drift = await drifted(api, deployed, tokens);
      console.log(
        `[kill -9 ${engine}/${deployment}] answers before the kill: ${answers}; journal entries pending at the crash: ${pendingAtCrash}; ` +
          `tokens differing from the network at the crash: ${driftAtCrash} of ${TOKENS}; ` +
          `tessera reconcile: ${JSON.stringify(report)}; tokens differing after restart and reconcile: ${drift.length} of ${TOKENS}`,
      );
      expect(drift).toEqual([]);
      expect(await pendingEntries(deployed.databases[0]!)).toBe(0);

      // And the issuer keeps working on every token after the repair, judged on the network's state.
      for (const token of tokens) {
        const res = await api.operate(account.jwt, token.card.cardId, token.tokenId, { operation_type: 'DELETE', operation_reason: 'after recovery' });
        if (res.status !== 200) expect(res.body).toMatchObject({ error_code: 'ERR4001' });
      }
      expect(await drifted(api, deployed, tokens)).toEqual([]);
    },
    240_000,
  );
});
