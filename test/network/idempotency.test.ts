/**
 * Idempotency keys at the network, through both deployments (in-process gateway, and the HTTP gateway to the
 * simulator server): a key is applied at most once and a repeated key is answered with the first answer (the
 * token it produced, or the same refusal), even after other changes; a key reused for another request is refused;
 * the 'lost_answer' fault applies a call and loses its answer, and the same key then returns what was applied.
 * The first answers are kept with the simulator's state: a database store answers them alike after a restart, on
 * every engine. The status look-up (`getToken`) is offered by both gateways.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { openDatabaseSimulatorStore } from '../../src/network/simulator/database-store.js';
import { createSimulator } from '../../src/network/simulator/simulator.js';
import type { LifecycleRequest, NetworkToken, PaymentNetwork } from '../../src/network/types.js';
import { openStore, type Store } from '../../src/store/database.js';
import { ENGINES, freshDatabase, type TestDatabase } from '../support/engines.js';
import { HARNESSES, type Harness } from './harness.js';
import { NETWORKS, failureOf, fakeIssuer, provisionRequest, tokenIn } from './helpers.js';

const lifecycle = (token: NetworkToken, action: LifecycleRequest['action'], idempotencyKey?: string): LifecycleRequest => ({
  network: token.network,
  tokenRef: token.tokenRef,
  action,
  entity: 'ISSUER',
  reason: 'CUSTOMER_REQUEST',
  ...(idempotencyKey ? { idempotencyKey } : {}),
});

describe.each(HARNESSES)('idempotency keys through the %s gateway', (_kind, start) => {
  let h: Harness;
  beforeEach(async () => {
    h = await start();
  });
  afterEach(async () => {
    await h.close();
  });

  it.each(NETWORKS)('%s: a repeated key answers the first answer and changes nothing more', async (network) => {
    const token = await tokenIn(h.gateway, network, 'ACTIVE');
    const key = randomUUID();
    const first = await h.gateway.lifecycle(lifecycle(token, 'SUSPEND', key));
    expect(first).toMatchObject({ status: 'SUSPENDED', version: token.version + 1 });
    const again = await h.gateway.lifecycle(lifecycle(token, 'SUSPEND', key));
    expect(again).toEqual(first);
    expect(await h.gateway.getToken(network, token.tokenRef)).toEqual(first);

    // Still the first answer after the token moved on.
    const resumed = await h.gateway.lifecycle(lifecycle(token, 'RESUME', randomUUID()));
    expect(await h.gateway.lifecycle(lifecycle(token, 'SUSPEND', key))).toEqual(first);
    expect(await h.gateway.getToken(network, token.tokenRef)).toEqual(resumed);
  });

  it('without a key, each call is applied (SUSPEND twice: two versions)', async () => {
    const token = await tokenIn(h.gateway, 'mdes', 'ACTIVE');
    await h.gateway.lifecycle(lifecycle(token, 'SUSPEND'));
    const second = await h.gateway.lifecycle(lifecycle(token, 'SUSPEND'));
    expect(second.version).toBe(token.version + 2);
  });

  it('a refusal is the first answer too: the same key is refused alike once the call would be legal', async () => {
    const token = await tokenIn(h.gateway, 'vts', 'ACTIVE');
    const key = randomUUID();
    const refused = await failureOf(h.gateway.lifecycle(lifecycle(token, 'RESUME', key)));
    expect(refused).toMatchObject({ mode: 'bad_request', message: 'cannot resume a token in status ACTIVE' });
    const suspended = await h.gateway.lifecycle(lifecycle(token, 'SUSPEND', randomUUID()));
    expect(await failureOf(h.gateway.lifecycle(lifecycle(token, 'RESUME', key)))).toMatchObject({ mode: 'bad_request', message: refused.message });
    expect(await h.gateway.getToken('vts', token.tokenRef)).toEqual(suspended);
  });

  it('a key reused for another request is refused and applies nothing', async () => {
    const token = await tokenIn(h.gateway, 'vts', 'ACTIVE');
    const key = randomUUID();
    const suspended = await h.gateway.lifecycle(lifecycle(token, 'SUSPEND', key));
    expect(await failureOf(h.gateway.lifecycle(lifecycle(token, 'DELETE', key)))).toMatchObject({
      mode: 'bad_request',
      message: 'idempotency key already used for another request',
    });
    expect(await h.gateway.getToken('vts', token.tokenRef)).toEqual(suspended);
  });

  it.each(NETWORKS)('%s: lost_answer applies the call and loses its answer; the same key then answers what was applied', async (network) => {
    const token = await tokenIn(h.gateway, network, 'ACTIVE');
    const key = randomUUID();
    await h.gateway.injectFault({ network, operation: 'lifecycle', mode: 'lost_answer' });
    expect(await failureOf(h.fastGateway.lifecycle(lifecycle(token, 'DELETE', key)))).toMatchObject({ mode: 'timeout' });
    const atNetwork = await h.gateway.getToken(network, token.tokenRef);
    expect(atNetwork).toMatchObject({ status: 'DEACTIVATED', version: token.version + 1 });
    // Without the key a retry would be refused ("token is deactivated"); with it, the first answer comes back.
    expect(await h.gateway.lifecycle(lifecycle(token, 'DELETE', key))).toEqual(atNetwork);
    expect(await failureOf(h.gateway.lifecycle(lifecycle(token, 'DELETE', randomUUID())))).toMatchObject({
      mode: 'bad_request',
      message: 'token is deactivated',
    });
  });

  it('a plain timeout fault applies nothing: the same key then applies the call once', async () => {
    const token = await tokenIn(h.gateway, 'mdes', 'ACTIVE');
    const key = randomUUID();
    await h.gateway.injectFault({ network: 'mdes', operation: 'lifecycle', mode: 'timeout' });
    expect(await failureOf(h.fastGateway.lifecycle(lifecycle(token, 'SUSPEND', key)))).toMatchObject({ mode: 'timeout' });
    expect(await h.gateway.getToken('mdes', token.tokenRef)).toEqual(token);
    const applied = await h.gateway.lifecycle(lifecycle(token, 'SUSPEND', key));
    expect(applied).toMatchObject({ status: 'SUSPENDED', version: token.version + 1 });
    expect(await h.gateway.lifecycle(lifecycle(token, 'SUSPEND', key))).toEqual(applied);
  });

  it('20 concurrent calls with one key make one change, and all answer it', async () => {
    const token = await tokenIn(h.gateway, 'vts', 'ACTIVE');
    const key = randomUUID();
    const answers = await Promise.all(Array.from({ length: 20 }, () => h.gateway.lifecycle(lifecycle(token, 'SUSPEND', key))));
    expect(new Set(answers.map((a) => a.version))).toEqual(new Set([token.version + 1]));
    expect(await h.gateway.getToken('vts', token.tokenRef)).toEqual(answers[0]);
  });

  it('device binding and device approval keys are answered alike', async () => {
    const outcome = await h.gateway.provision(provisionRequest('vts', { deviceId: 'phone', forcedDecision: 'YELLOW' }));
    if (!outcome.approved) throw new Error('expected approval');
    const { tokenRef } = outcome.token;
    const approveKey = randomUUID();
    const approved = await h.gateway.approveLatestInactiveDevice({ network: 'vts', tokenRef, method: 'BANK_APP', idempotencyKey: approveKey });
    expect(await h.gateway.approveLatestInactiveDevice({ network: 'vts', tokenRef, method: 'BANK_APP', idempotencyKey: approveKey })).toEqual(approved);
    const removal = {
      network: 'vts',
      tokenRef,
      deviceId: 'phone',
      deviceIndex: 0,
      action: 'REMOVE',
      reason: 'LOST_DEVICE',
      idempotencyKey: randomUUID(),
    } as const;
    const removed = await h.gateway.deviceBinding(removal);
    expect(removed.devices).toEqual([]);
    // Without the key this would be refused: the device is gone.
    expect(await h.gateway.deviceBinding(removal)).toEqual(removed);
  });

  it('the status look-up: the token as the network holds it; undefined for a token it does not know', async () => {
    const token = await tokenIn(h.gateway, 'mdes', 'SUSPENDED');
    expect(await h.gateway.getToken('mdes', token.tokenRef)).toEqual(token);
    expect(await h.gateway.getToken('vts', token.tokenRef)).toBeUndefined();
    expect(await h.gateway.getToken('mdes', 'DWSPMC000000000000000000000000000000000000000000')).toBeUndefined();
  });
});

describe.each(ENGINES)('idempotency keys kept with the simulator state on %s', (engine) => {
  let database: TestDatabase;
  const stores: Store[] = [];
  beforeAll(() => {
    database = freshDatabase(engine);
  });
  afterAll(async () => {
    for (const store of stores) await store.close();
    await database.drop();
  });

  /** A simulator on the database, as `tessera network-sim --database` runs one (each call: a new process's). */
  async function simulatorOnDatabase() {
    const store = await openStore(database.config, { migrate: false });
    stores.push(store);
    return createSimulator({ callbacks: fakeIssuer().callbacks, store: await openDatabaseSimulatorStore(store), panReferenceKey: Buffer.alloc(32, 7) });
  }

  it('a restarted simulator answers a key with its first answer (applied or refused), and applies nothing again', async () => {
    const first = await simulatorOnDatabase();
    const token = await tokenIn(first, 'vts', 'ACTIVE');
    const suspendKey = randomUUID();
    const refuseKey = randomUUID();
    const suspended = await first.lifecycle(lifecycle(token, 'SUSPEND', suspendKey));
    const refused = await failureOf(first.lifecycle(lifecycle(token, 'ACTIVATE', refuseKey)));
    await first.close();

    const second = await simulatorOnDatabase();
    expect(await second.lifecycle(lifecycle(token, 'SUSPEND', suspendKey))).toEqual(suspended);
    expect(await failureOf(second.lifecycle(lifecycle(token, 'ACTIVATE', refuseKey)))).toMatchObject({ mode: 'bad_request', message: refused.message });
    expect(await second.getToken('vts', token.tokenRef)).toEqual(suspended);
    await second.close();
  });

  it('two simulators sharing the database (two instances) apply one key once', async () => {
    const [one, two] = [await simulatorOnDatabase(), await simulatorOnDatabase()];
    const token = await tokenIn(one, 'mdes', 'ACTIVE');
    const key = randomUUID();
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? one : two).lifecycle(lifecycle(token, 'SUSPEND', key))));
    expect(new Set(answers.map((a) => a.version))).toEqual(new Set([token.version + 1]));
    expect((await one.getToken('mdes' as PaymentNetwork, token.tokenRef))?.version).toBe(token.version + 1);
    await one.close();
    await two.close();
  });
});
