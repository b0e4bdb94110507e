/**
 * Restarts: the simulated network keeps what it knows, as a real network would. Tokens provisioned before a
 * restart of Tessera (in-process network) or of `tessera network-sim` (persistent store) can still be suspended,
 * resumed and deleted afterwards, and a card keeps its PAN reference.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/app.js';
import { ENGINES } from '../support/engines.js';
import { NETWORK_SECRET, IssuerApi, bootstrapIssuer, getToken, provisionToken, reservePort, type TestToken } from '../support/issuer.js';
import { openStore } from '../../src/store/database.js';
import { derivePanReferenceKey, openDatabaseSimulatorStore, startSimulatorServer, type SimulatorServer } from '../../src/network/index.js';

/** Suspend, resume and delete a token provisioned before the restart; every step acknowledged by the network. */
async function operateAfterRestart(api: IssuerApi, token: TestToken): Promise<void> {
  const { jwt } = token.account;
  for (const [operation_type, status] of [
    ['SUSPEND', 'SUSPENDED'],
    ['RESUME', 'ACTIVE'],
    ['DELETE', 'DEACTIVATED'],
  ] as const) {
    const res = await api.operate(jwt, token.card.cardId, token.tokenId, { operation_type, operation_reason: 'after restart' });
    expect(res.status, `${operation_type}: ${res.text}`).toBe(200);
    expect((await getToken(api, token)).status).toBe(status);
  }
}

describe.each(ENGINES)('restart on %s', (engine) => {
  it('in-process network: tokens provisioned before a restart are operable after it; the card keeps its PAN reference', async () => {
    const first = await startTestServer(engine);
    let second: TestServer | undefined;
    try {
      const before = new IssuerApi(first);
      const visa = await bootstrapIssuer(before, 'vts', { device_id: 'phone-1' });
      const mastercard = await bootstrapIssuer(before, 'mdes');
      await first.app.close();

      second = await startTestServer(engine, { sharing: first });
      const after = new IssuerApi(second);
      await operateAfterRestart(after, visa);
      await operateAfterRestart(after, mastercard);
      const again = await provisionToken(after, visa.account, visa.card);
      expect(again.panRef).toBe(visa.panRef);
    } finally {
      await second?.close();
      await first.database.drop();
    }
  });
});

describe('restart of a persistent `tessera network-sim`', () => {
  it('keeps its tokens and PAN references in its database across a restart', async () => {
    const port = await reservePort();
    const server = await startTestServer('sqlite', {
      env: { TESSERA_NETWORK_URL: `http://127.0.0.1:${port}`, TESSERA_NETWORK_SECRET: NETWORK_SECRET },
    });
    const simulatorDb = { engine: 'sqlite' as const, path: join(mkdtempSync(join(tmpdir(), 'tessera-sim-')), 'network.db') };
    // What `tessera network-sim --database sqlite:<path>` does.
    const startNetwork = async (): Promise<{ network: SimulatorServer; close(): Promise<void> }> => {
      const store = await openStore(simulatorDb, { migrate: false });
      const network = await startSimulatorServer({
        port,
        issuerCallbackUrl: server.baseUrl,
        secret: NETWORK_SECRET,
        store: await openDatabaseSimulatorStore(store),
        panReferenceKey: derivePanReferenceKey(NETWORK_SECRET),
      });
      return { network, close: async () => (await network.close(), await store.close()) };
    };
    let running = await startNetwork();
    try {
      const api = new IssuerApi(server);
      const token = await bootstrapIssuer(api, 'vts');
      await running.close();
      running = await startNetwork();
      expect(await running.network.simulator.getToken('vts', token.tokenRef)).toMatchObject({ tokenRef: token.tokenRef, status: 'ACTIVE' });
      await operateAfterRestart(api, token);
      expect((await provisionToken(api, token.account, token.card)).panRef).toBe(token.panRef);
    } finally {
      await running.close();
      await server.close();
    }
  });
});
