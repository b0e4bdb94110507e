/**
 * A rolling master-key rotation across two instances survives with zero failed requests (issue 8, point 3).
 *
 * Two real `tessera serve` child processes share one PostgreSQL database (several instances need PostgreSQL:
 * SQLite is single-instance by design). While merchant traffic runs against both (create a merchant, its token
 * scope and capture key on one instance; tokenize and read the card on the other; tokenize and read again for
 * merchants of earlier phases), the procedure of README "Rotating the master key" is carried out, one instance
 * restarted at a time:
 *   1. every instance gets the new key as an unwrap-only key (TESSERA_PREVIOUS_MASTER_KEYS), still wrapping
 *      with the old one;
 *   2. every instance switches its current key to the new one, keeping the old one as previous;
 *   3. `tessera rewrap` moves every data key under the new key (traffic continues meanwhile);
 *   4. every instance drops the old key.
 *
 * The load driver acts as a load balancer does in a rolling restart: before an instance is stopped it is taken out
 * of rotation (its requests in flight finish), and it is put back once it answers its health check; a connection
 * refused is retried on the other instance. Neither is a failed request. A failed request is any other error or
 * any unexpected status, and there must be none. The test also proves the interesting traffic happened: during
 * phase 2, merchants whose data keys were made by the instance on the new key were served by the instance still
 * on the old key, and the other way round.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encryptCard } from '../../src/client/encrypt-card.js';
import { openStore, type Store } from '../../src/store/database.js';
import { masterKeyId } from '../../src/vault/keyring.js';
import { runCli, startChildServer, type ChildServer } from '../support/child-server.js';
import { ENGINES, freshDatabase, type TestDatabase } from '../support/engines.js';

const WORKERS = 3;
/** Flows every phase must complete with both instances in rotation (so each phase sees real traffic). */
const FLOWS_PER_STEP = 6;

interface Merchant {
  id: string;
  basic: string;
  scope: string;
  alias: string;
  publicKey: string;
  /** The master key (label) that was current on the instance that created it. */
  createdUnder: string;
}

interface Instance {
  name: string;
  server: ChildServer;
  /** In the load balancer's rotation. */
  inRotation: boolean;
  inFlight: number;
  /** Label of its current master key ('old' or 'new'). */
  current: string;
}

class ConnectionRefused extends Error {}

/** Drives merchant traffic at both instances, as a load balancer in front of them would route it. */
class LoadDriver {
  readonly failures: string[] = [];
  flows = 0;
  /** HTTP answers received (a refused connection is not one). */
  requests = 0;
  rerouted = 0;
  /** `${creator key}→${server key}` for every card tokenized and read: which key pairs met. */
  readonly crossings = new Set<string>();
  private readonly merchants: Merchant[] = [];
  private running = true;
  private next = 0;
  private workers: Promise<void>[] = [];

  constructor(
    private readonly instances: Instance[],
    private readonly adminToken: string,
  ) {}

  start(): void {
    this.workers = Array.from({ length: WORKERS }, (_, i) => this.work(i));
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.workers);
  }

  /** Waits until `count` more flows have completed. */
  async moreFlows(count: number): Promise<void> {
    const target = this.flows + count;
    while (this.flows < target) {
      if (this.failures.length > 20) throw new Error(`too many failures:\n${this.failures.join('\n')}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Takes an instance out of rotation and waits for its requests in flight to finish. */
  async drain(instance: Instance): Promise<void> {
    instance.inRotation = false;
    while (instance.inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 20));
  }

  private pick(avoid?: Instance): Instance {
    const up = this.instances.filter((instance) => instance.inRotation);
    const others = up.filter((instance) => instance !== avoid);
    const pool = others.length > 0 ? others : up;
    if (pool.length === 0) throw new Error('no instance in rotation');
    return pool[this.next++ % pool.length]!;
  }

  /** One HTTP call through the "load balancer": to `preferred`, or the other instance if the connection is refused. */
  private async call(
    preferred: Instance,
    method: string,
    path: string,
    auth: string,
    body?: unknown,
  ): Promise<{ instance: Instance; status: number; json: any }> {
    const attempt = async (instance: Instance) => {
      instance.inFlight++;
      try {
        const response = await fetch(`${instance.server.url}${path}`, {
          method,
          headers: { authorization: auth, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        });
        const text = await response.text();
        this.requests++;
        return { instance, status: response.status, json: text ? JSON.parse(text) : undefined, text };
      } catch (error) {
        const code = (error as { cause?: { code?: string } }).cause?.code;
        if (code === 'ECONNREFUSED') throw new ConnectionRefused(instance.name);
        throw error;
      } finally {
        instance.inFlight--;
      }
    };
    try {
      return await attempt(preferred);
    } catch (error) {
      if (!(error instanceof ConnectionRefused)) throw error;
      this.rerouted++;
      return attempt(this.pick(preferred));
    }
  }

  private async expectStatus(what: string, expected: number, call: Promise<{ instance: Instance; status: number; json: any }>) {
    const result = await call;
    if (result.status !== expected) throw new Error(`${what} on ${result.instance.name}: HTTP ${result.status} ${JSON.stringify(result.json)}`);
    return result;
  }

  private async createMerchant(worker: number): Promise<{ merchant: Merchant; creator: Instance }> {
    const admin = `Bearer ${this.adminToken}`;
    const creator = this.pick();
    // The creator's key at the time of the writes that make the merchant's data keys (its capture key).
    const createdUnder = creator.current;
    const made = await this.expectStatus('create merchant', 201, this.call(creator, 'POST', '/admin/v1/merchants', admin, { name: `Rolling ${worker}` }));
    const id: string = made.json.merchant_id;
    const scope = await this.expectStatus(
      'create token scope',
      201,
      this.call(made.instance, 'POST', `/admin/v1/merchants/${id}/token-scopes`, admin, { name: 'web' }),
    );
    const key = await this.expectStatus(
      'create capture key',
      201,
      this.call(made.instance, 'POST', `/admin/v1/merchants/${id}/capture-keys`, admin, { algorithm: 'curve25519' }),
    );
    const basic = `Basic ${Buffer.from(`${made.json.api_key.id}:${made.json.api_key.secret}`).toString('base64')}`;
    const merchant: Merchant = {
      id,
      basic,
      scope: scope.json.token_scope,
      alias: key.json.public_key_alias,
      publicKey: key.json.public_key,
      createdUnder: key.instance === creator ? createdUnder : key.instance.current,
    };
    return { merchant, creator: key.instance };
  }

  /** Tokenizes a card of `merchant` on an instance other than `avoid` and reads it back there. */
  private async tokenizeAndRead(merchant: Merchant, avoid?: Instance): Promise<void> {
    const server = this.pick(avoid);
    const serverKey = server.current;
    const card = {
      cardNumber: `4111${String(Math.floor(Math.random() * 1e11)).padStart(11, '0')}`,
      expiryMonth: 12,
      expiryYear: 2031,
      cvv: '123',
      cardholderName: 'Rolling Rotation',
    };
    const digits = card.cardNumber.split('').map(Number);
    // A valid Luhn check digit for the random card number.
    let sum = 0;
    for (let i = 0; i < digits.length; i++) {
      let d = digits[digits.length - 1 - i]!;
      if (i % 2 === 0) d *= 2;
      sum += d > 9 ? d - 9 : d;
    }
    card.cardNumber += String((10 - (sum % 10)) % 10);
    const encrypted_card = await encryptCard(card, merchant.publicKey);
    const put = await this.expectStatus(
      'tokenize',
      200,
      this.call(server, 'PUT', '/oidc/api/v2/card', merchant.basic, { token_scope: merchant.scope, public_key_alias: merchant.alias, encrypted_card }),
    );
    await this.expectStatus('read token', 200, this.call(put.instance, 'GET', `/oidc/api/v2/card/${put.json.reuse_token}`, merchant.basic));
    if (put.instance === server) this.crossings.add(`${merchant.createdUnder}→${serverKey}`);
  }

  private async work(worker: number): Promise<void> {
    while (this.running) {
      try {
        const { merchant, creator } = await this.createMerchant(worker);
        this.merchants.push(merchant);
        await this.tokenizeAndRead(merchant, creator);
        // A merchant of an earlier moment (possibly an earlier phase, made under the other key).
        const earlier = this.merchants[Math.floor(Math.random() * this.merchants.length)]!;
        await this.tokenizeAndRead(earlier);
        this.flows++;
      } catch (error) {
        this.failures.push(error instanceof Error ? error.message : String(error));
      }
    }
  }
}

describe.each(ENGINES.filter((engine) => engine === 'postgres'))('a rolling master-key rotation of two instances on %s', (engine) => {
  const oldKey = randomBytes(32).toString('base64');
  const newKey = randomBytes(32).toString('base64');
  const adminToken = randomBytes(24).toString('base64url');
  let database: TestDatabase;
  let store: Store;
  const instances: Instance[] = [];

  beforeAll(async () => {
    database = freshDatabase(engine);
    // Migrated once before the instances start (each would otherwise race to do it).
    store = await openStore(database.config);
    for (const name of ['A', 'B']) {
      const server = await startChildServer({
        database: database.config,
        env: { TESSERA_MASTER_KEY: oldKey, TESSERA_ADMIN_TOKEN: adminToken, TESSERA_RECONCILE_INTERVAL_MS: '0' },
      });
      instances.push({ name, server, inRotation: true, inFlight: 0, current: 'old' });
    }
  }, 300_000);
  afterAll(async () => {
    for (const instance of instances) await instance.server.stop();
    await store?.close();
    await database?.drop();
  });

  it('completes phases 1-4 under continuous traffic with zero failed requests', async () => {
    const driver = new LoadDriver(instances, adminToken);
    driver.start();
    const outputs = () => instances.map((i) => `--- ${i.name}\n${i.server.output().slice(-3000)}`).join('\n');
    try {
      await driver.moreFlows(FLOWS_PER_STEP);

      /** Restarts every instance in turn onto `env`, each out of rotation while it restarts. */
      const rollingRestart = async (env: Record<string, string>, current: string) => {
        for (const instance of instances) {
          await driver.drain(instance);
          await instance.server.stop();
          await instance.server.restart(env);
          instance.current = current;
          instance.inRotation = true;
          await driver.moreFlows(FLOWS_PER_STEP);
        }
      };

      // Phase 1: the new key is known everywhere (unwrap only) before anyone wraps with it.
      await rollingRestart({ TESSERA_MASTER_KEY: oldKey, TESSERA_PREVIOUS_MASTER_KEYS: newKey }, 'old');
      // Phase 2: the new key becomes current, one instance at a time; the old one stays as previous.
      await rollingRestart({ TESSERA_MASTER_KEY: newKey, TESSERA_PREVIOUS_MASTER_KEYS: oldKey }, 'new');
      // Phase 3: every data key moves under the new key, while traffic goes on.
      const rewrap = await runCli(['rewrap', '--batch-size', '10'], { ...instances[0]!.server.env });
      expect(rewrap.code, rewrap.stderr).toBe(0);
      expect(JSON.parse(rewrap.stdout)).toMatchObject({ complete: true, remaining: 0, unreadable: 0 });
      await driver.moreFlows(FLOWS_PER_STEP);
      // Phase 4: the old key is dropped.
      await rollingRestart({ TESSERA_MASTER_KEY: newKey, TESSERA_PREVIOUS_MASTER_KEYS: '' }, 'new');
    } finally {
      await driver.stop();
    }

    // Figures, not assertions.
    console.info(
      `[rolling-rotation] ${driver.requests} requests in ${driver.flows} flows, ${driver.failures.length} failed, ${driver.rerouted} refused connections re-routed; key pairs met: ${[...driver.crossings].join(', ')}`,
    );
    expect(driver.failures, `${driver.failures.join('\n')}\n${outputs()}`).toEqual([]);
    expect(driver.flows).toBeGreaterThanOrEqual(FLOWS_PER_STEP * 8);
    // Merchants made under the new key were served by an instance still on the old one, and the other way round.
    expect(driver.crossings).toContain('new→old');
    expect(driver.crossings).toContain('old→new');
    // Every data key, those created during the rotation included, is now wrapped by the new key alone.
    const wrappedBy = await store.db.selectFrom('data_keys').select('master_key_id').distinct().execute();
    expect(wrappedBy.map((row) => row.master_key_id)).toEqual([masterKeyId(Buffer.from(newKey, 'base64'))]);
  }, 1_200_000);
});
