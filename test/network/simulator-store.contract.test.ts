/**
 * The contract every simulator store keeps (network/simulator/store.ts), run against each of them: in memory, and
 * in a database on every engine (SQLite, PostgreSQL), in Tessera's database or in one of its own.
 */
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PanReferences, SimulatorRecord } from '../../src/network/record.js';
import { openDatabaseSimulatorStore } from '../../src/network/simulator/database-store.js';
import { createSimulator } from '../../src/network/simulator/simulator.js';
import { createMemorySimulatorStore, type IdempotentAnswer, type SimulatorStore } from '../../src/network/simulator/store.js';
import { openStore, type Store } from '../../src/store/database.js';
import { ENGINES, freshDatabase, type TestDatabase } from '../support/engines.js';
import { fakeIssuer, provisionRequest } from './helpers.js';

interface StoreUnderTest {
  store: SimulatorStore;
  /** A second store over the same data (another instance, or the same one after a restart); undefined in memory. */
  reopen?(): Promise<SimulatorStore>;
  close(): Promise<void>;
}

async function databaseStore(engine: (typeof ENGINES)[number], productSchema: boolean): Promise<StoreUnderTest> {
  const database: TestDatabase = freshDatabase(engine);
  // Without the product's migrations: the simulator in a database of its own creates everything it needs.
  const opened: Store[] = [await openStore(database.config, { migrate: productSchema })];
  return {
    store: await openDatabaseSimulatorStore(opened[0]!),
    async reopen() {
      const again = await openStore(database.config, { migrate: productSchema });
      opened.push(again);
      return openDatabaseSimulatorStore(again);
    },
    async close() {
      for (const store of opened) await store.close();
      await database.drop();
    },
  };
}

const STORES: [string, () => Promise<StoreUnderTest>][] = [
  ['memory', async () => ({ store: createMemorySimulatorStore(), close: async () => undefined })],
  ...ENGINES.flatMap((engine): [string, () => Promise<StoreUnderTest>][] => [
    [`${engine} (Tessera's database)`, () => databaseStore(engine, true)],
    [`${engine} (a database of its own)`, () => databaseStore(engine, false)],
  ]),
];

let serial = 0;
function record(overrides: { tokenRef?: string; version?: number } = {}): SimulatorRecord {
  serial += 1;
  const at = '2026-03-15T10:00:00.000Z';
  return {
    token: {
      network: 'vts',
      tokenRef: overrides.tokenRef ?? `DNITHE${String(serial).padStart(18, '0')}`,
      panRef: `V-${String(serial).padStart(22, '0')}`,
      tokenLastFour: '1234',
      tokenExpiryMonth: 3,
      tokenExpiryYear: 2029,
      status: 'ACTIVE',
      suspenders: [],
      walletId: '40010030273',
      tokenRequestorId: '40010030273',
      tokenRequestorName: 'APPLE_PAY',
      paymentAppInstanceId: '',
      trackingId: '',
      par: 'V001AAAAAAAAAAAAAAAAAAAAAAAAA',
      devices: [{ deviceId: 'phone', deviceIndex: 0, status: 'ACTIVE', updatedAt: at }],
      version: overrides.version ?? 1,
      networkData: { panReferenceID: 'x' },
      updatedAt: at,
    },
    meta: {
      wallet: 'APPLE_PAY',
      decision: 'GREEN',
      panLastFour: '1111',
      tokenLength: 16,
      correlationId: '',
      walletAccountHash: 'AB',
      createdAt: at,
      statusChangedAt: at,
      activatedAt: at,
      entityOfLastAction: 'TOKEN_REQUESTOR',
      suspendedAt: {},
      deletedFromConsumerApp: false,
      provisioningDeviceId: 'phone',
    },
  };
}

const refs = (n: number): PanReferences => ({ panRef: `V-${String(n).padStart(22, '0')}`, par: `V001${String(n).padStart(25, '0')}` });

describe.each(STORES)('simulator store: %s', (_name, make) => {
  let subject: StoreUnderTest;
  let store: SimulatorStore;
  beforeAll(async () => {
    subject = await make();
    store = subject.store;
  });
  afterAll(() => subject.close());

  it('knows nothing of a token it was never given', async () => {
    expect(await store.get('DNITHE000000000000000000')).toBeUndefined();
  });

  it('gives back a stored token as it was stored, and a copy the caller cannot change it through', async () => {
    const stored = record();
    await store.insert(stored);
    const read = await store.get(stored.token.tokenRef);
    expect(read).toEqual(stored);
    read!.token.status = 'DEACTIVATED';
    stored.token.status = 'SUSPENDED';
    expect((await store.get(stored.token.tokenRef))!.token.status).toBe('ACTIVE');
  });

  it('replaces a token only from the version it was read at', async () => {
    const stored = record({ version: 3 });
    await store.insert(stored);
    const next = structuredClone(stored);
    next.token.version = 4;
    next.token.status = 'SUSPENDED';
    next.token.suspenders = ['ISSUER'];
    expect(await store.update(next, 3)).toBe(true);
    expect(await store.get(stored.token.tokenRef)).toEqual(next);

    // A writer that read version 3 too lost the race: nothing of its change is kept.
    const stale = structuredClone(stored);
    stale.token.version = 4;
    stale.token.status = 'DEACTIVATED';
    expect(await store.update(stale, 3)).toBe(false);
    expect(await store.get(stored.token.tokenRef)).toEqual(next);
  });

  it('does not create a token through an update', async () => {
    const never = record();
    expect(await store.update(never, 0)).toBe(false);
    expect(await store.get(never.token.tokenRef)).toBeUndefined();
  });

  it('forgets a removed token, and removing an unknown one is harmless', async () => {
    const stored = record();
    await store.insert(stored);
    await store.remove(stored.token.tokenRef);
    expect(await store.get(stored.token.tokenRef)).toBeUndefined();
    await expect(store.remove(stored.token.tokenRef)).resolves.toBeUndefined();
  });

  it("mints a card's references once and keeps them", async () => {
    let minted = 0;
    const mint = () => refs(++minted + 1000);
    const first = await store.panReferences('vts:card-a', mint);
    expect(first).toEqual(refs(1001));
    expect(await store.panReferences('vts:card-a', mint)).toEqual(first);
    expect(minted).toBe(1);
    expect(await store.panReferences('vts:card-b', mint)).toEqual(refs(1002));
  });

  it('gives concurrent first sights of one card the same references', async () => {
    let minted = 0;
    const answers = await Promise.all(Array.from({ length: 5 }, () => store.panReferences('vts:card-c', () => refs(++minted + 2000))));
    for (const answer of answers) expect(answer).toEqual(answers[0]);
    expect(await store.panReferences('vts:card-c', () => refs(9999))).toEqual(answers[0]);
  });

  const answer = (stored: SimulatorRecord, key: string, outcome: 'applied' | 'refused' = 'applied'): IdempotentAnswer => ({
    key,
    network: 'vts',
    tokenRef: stored.token.tokenRef,
    request: `lifecycle:vts:${stored.token.tokenRef}:SUSPEND`,
    outcome,
    ...(outcome === 'applied' ? { token: stored.token } : { message: 'cannot suspend a token in status INACTIVE' }),
    at: '2026-03-15T10:00:00.000Z',
  });

  it("keeps an idempotency key's first answer with the change it made, both or neither", async () => {
    const stored = record({ version: 1 });
    await store.insert(stored);
    const next = structuredClone(stored);
    next.token.version = 2;
    next.token.status = 'SUSPENDED';
    const key = `key-${serial}-a`;
    expect(await store.answerOf(key)).toBeUndefined();
    expect(await store.update(next, 1, answer(next, key))).toBe(true);
    expect(await store.answerOf(key)).toEqual(answer(next, key));
    expect(await store.get(stored.token.tokenRef)).toEqual(next);

    // The same key again, even from the current version: refused, and the change is not made.
    const again = structuredClone(next);
    again.token.version = 3;
    again.token.status = 'DEACTIVATED';
    expect(await store.update(again, 2, answer(again, key))).toBe(false);
    expect(await store.get(stored.token.tokenRef)).toEqual(next);
    expect(await store.answerOf(key)).toEqual(answer(next, key));

    // A lost version race keeps no answer either.
    const other = `key-${serial}-b`;
    expect(await store.update(again, 1, answer(again, other))).toBe(false);
    expect(await store.answerOf(other)).toBeUndefined();
  });

  it('remembers a refusal once: the first answer to a key wins', async () => {
    const stored = record();
    const key = `key-${serial}-refused`;
    expect(await store.rememberAnswer(answer(stored, key, 'refused'))).toEqual(answer(stored, key, 'refused'));
    expect(await store.rememberAnswer(answer(stored, key, 'applied'))).toEqual(answer(stored, key, 'refused'));
    const concurrent = await Promise.all(
      Array.from({ length: 5 }, (_, i) => store.rememberAnswer(answer(stored, `${key}-${i % 2}`, i < 2 ? 'refused' : 'applied'))),
    );
    // Concurrent first answers to one key: whichever was kept, every caller is told that one.
    for (const suffix of ['-0', '-1']) {
      const told = concurrent.filter((a) => a.key === `${key}${suffix}`);
      for (const each of told) expect(each).toEqual(told[0]);
      expect(await store.answerOf(`${key}${suffix}`)).toEqual(told[0]);
    }
  });

  it('carries a simulator through provisioning and a lifecycle change', async () => {
    const sim = createSimulator({ callbacks: fakeIssuer().callbacks, store });
    const outcome = await sim.provision(provisionRequest('mdes'));
    if (!outcome.approved) throw new Error('declined');
    const suspended = await sim.lifecycle({ network: 'mdes', tokenRef: outcome.token.tokenRef, action: 'SUSPEND', entity: 'ISSUER', reason: 'FRAUD' });
    expect(suspended).toMatchObject({ status: 'SUSPENDED', version: outcome.token.version + 1 });
    expect((await store.get(outcome.token.tokenRef))!.token).toEqual(suspended);
    await sim.close();
  });

  it('keeps everything for another instance over the same data (or after a restart)', async (context) => {
    if (!subject.reopen) return context.skip();
    const stored = record();
    await store.insert(stored);
    await store.panReferences('vts:card-d', () => refs(3000));
    // Opening again applies the simulator's migrations again: a no-op on a migrated database.
    const other = await subject.reopen();
    expect(await other.get(stored.token.tokenRef)).toEqual(stored);
    expect(await other.panReferences('vts:card-d', () => refs(3001))).toEqual(refs(3000));
    const key = `key-${serial}-kept`;
    await store.rememberAnswer(answer(stored, key, 'refused'));
    expect(await other.answerOf(key)).toEqual(answer(stored, key, 'refused'));
  });
});

describe.each(ENGINES)('simulator schema on %s', (engine) => {
  it("adopts the tables the product's former migration 0003_network_simulator created, rows included", async () => {
    const database = freshDatabase(engine);
    const product = await openStore(database.config, { migrate: false });
    try {
      // The DDL of that migration, as databases migrated before the simulator owned its schema hold it.
      const db = product.db as unknown as Kysely<unknown>;
      await db.schema
        .createTable('network_sim_tokens')
        .addColumn('token_ref', 'text', (c) => c.primaryKey())
        .addColumn('network', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('record', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('network_sim_pan_refs')
        .addColumn('fingerprint', 'text', (c) => c.primaryKey())
        .addColumn('pan_ref', 'text', (c) => c.notNull())
        .addColumn('par', 'text', (c) => c.notNull())
        .execute();
      const old = record();
      await sql`insert into network_sim_tokens (token_ref, network, version, record) values (${old.token.tokenRef}, 'vts', 1, ${JSON.stringify(old)})`.execute(
        db,
      );
      await sql`insert into network_sim_pan_refs (fingerprint, pan_ref, par) values ('vts:old', ${refs(7).panRef}, ${refs(7).par})`.execute(db);

      const store = await openDatabaseSimulatorStore(product);
      expect(await store.get(old.token.tokenRef)).toEqual(old);
      expect(await store.panReferences('vts:old', () => refs(8))).toEqual(refs(7));
    } finally {
      await product.close();
      await database.drop();
    }
  });
});
