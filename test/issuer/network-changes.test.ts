/**
 * Changes the network makes on its own (token requestor and cardholder suspensions, device binding requests) reach
 * the issuer as notifications on `/network/v1/notification` (real HTTP, the shared secret). They are applied in
 * network-version order and idempotently: delivered late, twice, or out of order, the issuer ends on the newest
 * version, each version audited once. A notification that never arrives is repaired by the reconciler (on demand
 * and periodically), audited and emitted as `token_resync`.
 *
 * A "side door" simulator shares the network's store (another network instance, as in a scaled-out network) but
 * records its notifications instead of delivering them, so the test decides when, how often and in which order
 * they arrive, or that they never do. Both deployments (the network in-process, in Tessera's database; the
 * simulator server over HTTP), both engines.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/app.js';
import { ENGINES, type EngineName } from '../support/engines.js';
import { request } from '../support/http.js';
import {
  DEPLOYMENTS,
  IssuerApi,
  NETWORK_SECRET,
  auditRowsOf,
  bootstrapIssuer,
  eventsOf,
  getToken,
  reservePort,
  type Deployment,
  type TestToken,
} from '../support/issuer.js';
import {
  createMemorySimulatorStore,
  createSimulator,
  derivePanReferenceKey,
  openDatabaseSimulatorStore,
  startSimulatorServer,
  type NetworkToken,
  type Simulator,
  type SimulatorServer,
  type WalletEvent,
} from '../../src/network/index.js';

interface SideDoorEnv {
  server: TestServer;
  api: IssuerApi;
  /** Acts on the network's tokens without telling the issuer; what it would have sent is in `notifications`. */
  sideDoor: Simulator;
  notifications: NetworkToken[];
  close(): Promise<void>;
}

async function startWithSideDoor(engine: EngineName, deployment: Deployment, env: Record<string, string> = {}): Promise<SideDoorEnv> {
  const notifications: NetworkToken[] = [];
  const recorder = {
    decide: async () => 'GREEN' as const,
    notify: async (token: NetworkToken) => void notifications.push(token),
  };
  const base = { TESSERA_NETWORK_SECRET: NETWORK_SECRET, TESSERA_NETWORK_TIMEOUT_MS: '800', TESSERA_RECONCILE_INTERVAL_MS: '0', ...env };
  if (deployment === 'in-process') {
    const server = await startTestServer(engine, { env: base });
    const sideDoor = createSimulator({
      callbacks: recorder,
      store: await openDatabaseSimulatorStore(server.app.core.store),
      panReferenceKey: derivePanReferenceKey(server.config.masterKey),
    });
    return {
      server,
      api: new IssuerApi(server),
      sideDoor,
      notifications,
      close: async () => {
        await sideDoor.close();
        await server.close();
      },
    };
  }
  const port = await reservePort();
  const server = await startTestServer(engine, { env: { ...base, TESSERA_NETWORK_URL: `http://127.0.0.1:${port}` } });
  const store = createMemorySimulatorStore();
  let network: SimulatorServer;
  try {
    network = await startSimulatorServer({ port, issuerCallbackUrl: server.baseUrl, secret: NETWORK_SECRET, store, timeoutFaultHoldMs: 1600 });
  } catch (error) {
    await server.close();
    throw error;
  }
  const sideDoor = createSimulator({ callbacks: recorder, store });
  return {
    server,
    api: new IssuerApi(server),
    sideDoor,
    notifications,
    async close() {
      await sideDoor.close();
      await network.close();
      await server.close();
    },
  };
}

describe.each(ENGINES)('network-originated changes on %s', (engine) => {
  describe.each(DEPLOYMENTS)('network %s', (deployment) => {
    let env: SideDoorEnv;
    beforeAll(async () => {
      env = await startWithSideDoor(engine, deployment);
    });
    afterAll(() => env?.close());

    const deliver = (token: NetworkToken) =>
      request(env.server.baseUrl, 'POST', '/network/v1/notification', { bearer: NETWORK_SECRET, body: token }).then((res) => {
        expect(res.status, res.text).toBe(204);
      });
    /** A change at the network the issuer is not told of; returns the notification it would have had. */
    const unnoticed = async (token: TestToken, event: WalletEvent): Promise<NetworkToken> => {
      const before = env.notifications.length;
      await env.sideDoor.walletEvent({ network: token.card.network, tokenRef: token.tokenRef, event });
      expect(env.notifications).toHaveLength(before + 1);
      return env.notifications.at(-1)!;
    };
    const networkUpdates = async (token: TestToken) => (await auditRowsOf(env.server, token.tokenId)).filter((row) => row.action === 'token.network_update');

    it.each([
      ['newest first', [2, 0, 1, 2, 0]],
      ['oldest first, each twice', [0, 0, 1, 1, 2, 2]],
      ['middle first', [1, 2, 0, 1]],
    ])('notifications delivered %s end on the newest version, each applied version audited once', async (_name, order) => {
      const token = await bootstrapIssuer(env.api, 'vts', { device_id: 'phone' });
      const changes = [
        await unnoticed(token, { kind: 'SUSPEND', entity: 'CARDHOLDER' }),
        await unnoticed(token, { kind: 'SUSPEND', entity: 'TOKEN_REQUESTOR' }),
        await unnoticed(token, { kind: 'DEVICE_BINDING_REQUEST', deviceId: 'watch' }),
      ];
      for (const i of order) await deliver(changes[i]!);

      const newest = changes[2]!;
      const stored = await getToken(env.api, token);
      expect(stored.status).toBe('SUSPENDED');
      expect(stored.devices).toEqual([
        { device_id: 'phone', device_index: 0, status: 'ACTIVE' },
        { device_id: 'watch', device_index: 1, status: 'INACTIVE' },
      ]);
      expect(stored.network_data).toEqual(newest.networkData);
      // Versions applied in increasing order only; a stale or repeated one changes nothing.
      const versions = (await networkUpdates(token)).map((row) => Number(row.detail?.network_version));
      expect(versions).toEqual([...new Set(versions)].sort((a, b) => a - b));
      expect(versions.at(-1)).toBe(newest.version);
    });

    it('ten copies of one notification at once are applied once', async () => {
      const token = await bootstrapIssuer(env.api, 'mdes');
      const change = await unnoticed(token, { kind: 'SUSPEND', entity: 'TOKEN_REQUESTOR' });
      await Promise.all(Array.from({ length: 10 }, () => deliver(change)));
      expect((await getToken(env.api, token)).status).toBe('SUSPENDED');
      expect(await networkUpdates(token)).toHaveLength(1);
      expect((await eventsOf(env.server, token.tokenId)).filter((e) => e.type === 'patch').map((e) => e.payload.patch)).toEqual([{ status: 'SUSPENDED' }]);
    });

    it('missed notifications (a suspension, a device binding request) are repaired by the reconciler, audited and emitted as token_resync', async () => {
      const token = await bootstrapIssuer(env.api, 'vts', { device_id: 'phone' });
      await unnoticed(token, { kind: 'SUSPEND', entity: 'CARDHOLDER' });
      const missed = await unnoticed(token, { kind: 'DEVICE_BINDING_REQUEST', deviceId: 'tablet' });
      expect((await getToken(env.api, token)).status).toBe('ACTIVE');

      const report = await env.server.app.core.issuerTokens.reconcile({ graceMs: 0 });
      expect(report.failed).toBe(0);
      expect(report.repaired).toBeGreaterThanOrEqual(1);
      const stored = await getToken(env.api, token);
      expect(stored.status).toBe('SUSPENDED');
      expect(stored.devices.map((d: { device_id: string }) => d.device_id)).toEqual(['phone', 'tablet']);
      expect(stored.network_data).toEqual(missed.networkData);
      expect((await auditRowsOf(env.server, token.tokenId)).at(-1)).toMatchObject({
        actor: 'reconciler',
        action: 'token.resync',
        status_before: 'ACTIVE',
        status_after: 'SUSPENDED',
        detail: { network_version: missed.version, devices: [{ device_id: 'tablet', device_index: 1, from: null, to: 'INACTIVE' }] },
      });
      expect((await eventsOf(env.server, token.tokenId)).filter((e) => e.type === 'token_resync').map((e) => e.payload.status)).toEqual(['SUSPENDED']);

      // The notification arriving after all changes nothing: that version is already held.
      const audited = (await auditRowsOf(env.server, token.tokenId)).length;
      await deliver(missed);
      expect(await auditRowsOf(env.server, token.tokenId)).toHaveLength(audited);
      // The issuer acts on the repaired state: the device awaiting approval is approved.
      const approve = await env.api.operate(token.account.jwt, token.card.cardId, token.tokenId, {
        operation_type: 'TOKEN_DEVICE_BINDING_APPROVE',
        operation_reason: 'verified',
      });
      expect(approve.status, approve.text).toBe(200);
    });

    it('a change younger than the grace period is left to its notification', async () => {
      const token = await bootstrapIssuer(env.api, 'mdes');
      await unnoticed(token, { kind: 'SUSPEND', entity: 'CARDHOLDER' });
      await env.server.app.core.issuerTokens.reconcile({ graceMs: 60_000 });
      expect((await getToken(env.api, token)).status).toBe('ACTIVE');
      await env.server.app.core.issuerTokens.reconcile({ graceMs: 0 });
      expect((await getToken(env.api, token)).status).toBe('SUSPENDED');
    });
  });
});

describe.each(ENGINES)('the periodic reconciler on %s', (engine) => {
  it('repairs a missed notification on its own (TESSERA_RECONCILE_INTERVAL_MS)', async () => {
    const env = await startWithSideDoor(engine, 'in-process', { TESSERA_RECONCILE_INTERVAL_MS: '100' });
    try {
      const token = await bootstrapIssuer(env.api, 'vts');
      await env.sideDoor.walletEvent({ network: 'vts', tokenRef: token.tokenRef, event: { kind: 'SUSPEND', entity: 'TOKEN_REQUESTOR' } });
      // Polled, not timed: the outcome is what is asserted (bounded so a broken reconciler fails instead of hanging).
      let status = 'ACTIVE';
      for (let attempt = 0; attempt < 300 && status !== 'SUSPENDED'; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        status = (await getToken(env.api, token)).status;
      }
      expect(status).toBe('SUSPENDED');
      expect((await auditRowsOf(env.server, token.tokenId)).at(-1)).toMatchObject({ actor: 'reconciler', action: 'token.resync' });
    } finally {
      await env.close();
    }
  });
});
