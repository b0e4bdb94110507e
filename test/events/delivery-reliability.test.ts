/**
 * Delivery under crashes and scale-out. kill -9 of a real `tessera serve` child in the middle of deliveries, then a
 * restart on the same database: every committed event reaches the receiver at least once with the same id, and
 * each token's events first arrive in their commit order (both engines). Two instances on one PostgreSQL database
 * share the work: each event is delivered exactly once in normal operation.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/database.js';
import { startTestServer, type TestServer } from '../support/app.js';
import { startChildServer, type ChildServer } from '../support/child-server.js';
import { ENGINES, freshDatabase, type TestDatabase } from '../support/engines.js';
import { request } from '../support/http.js';
import { bootstrapMerchant, type TestMerchant } from '../support/merchant.js';
import { makePan, MerchantApi } from '../merchant/helpers.js';
import { FAST_DELIVERY_ENV, startReceiver, type Receiver, type Received } from './receiver.js';

const TOKENS = 8;
const KILL_AFTER_RECEIVED = 10;

async function subscribe(server: Pick<TestServer, 'baseUrl' | 'adminToken'>, merchant: TestMerchant, url: string): Promise<void> {
  const res = await request(server.baseUrl, 'POST', '/admin/v1/webhook-endpoints', {
    bearer: server.adminToken,
    body: { merchant_id: merchant.merchantId, url },
  });
  expect(res.status, res.text).toBe(201);
}

/** Create, suspend, activate and delete each of `count` tokens, the tokens concurrently; failures (a crash) ignored. */
async function load(api: MerchantApi, count: number): Promise<void> {
  await Promise.all(
    Array.from({ length: count }, async () => {
      try {
        const token = await api.create({ cardNumber: makePan('45') });
        await api.suspend(token.reuse_token);
        await api.activate(token.reuse_token);
        await api.remove(token.reuse_token);
      } catch {}
    }),
  );
}

/** Per subject, the sequence numbers in the order they first arrived. */
function firstArrivals(received: readonly Received[]): Map<string, number[]> {
  const seen = new Set<string>();
  const bySubject = new Map<string, number[]>();
  for (const r of received) {
    if (seen.has(r.event.id)) continue;
    seen.add(r.event.id);
    bySubject.set(r.event.subject, [...(bySubject.get(r.event.subject) ?? []), Number(r.event.sequence)]);
  }
  return bySubject;
}

describe.each(ENGINES)('delivery across kill -9 on %s', (engine) => {
  let child: ChildServer | undefined;
  let receiver: Receiver | undefined;
  let database: TestDatabase | undefined;
  afterEach(async () => {
    await child?.kill9();
    await receiver?.close();
    await database?.drop();
  });

  it('every committed event arrives at least once, with its id, in per-token order', { timeout: 300_000 }, async () => {
    receiver = await startReceiver();
    database = freshDatabase(engine);
    child = await startChildServer({
      database: database.config,
      env: { ...FAST_DELIVERY_ENV, TESSERA_WEBHOOK_TIMEOUT_MS: '1000', TESSERA_WEBHOOK_LEASE_MS: '1500', TESSERA_WEBHOOK_MAX_ATTEMPTS: '100' },
    });
    const server = { baseUrl: child.url, adminToken: child.adminToken } as TestServer;
    const merchant = await bootstrapMerchant(server);
    await subscribe(server, merchant, receiver.url);
    const api = new MerchantApi(server, merchant);

    const running = load(api, TOKENS);
    await receiver.until((r) => r.length >= KILL_AFTER_RECEIVED, 'deliveries before the kill', 120_000);
    await child.kill9();
    await running;
    const beforeRestart = receiver.received.length;
    await child.restart();

    const store = await openStore(database.config, { migrate: false });
    let committed: { id: string; subject: string; seq: number }[];
    try {
      committed = await store.db.selectFrom('events').select(['id', 'subject', 'seq']).where('owner', '=', `merchant:${merchant.merchantId}`).execute();
    } finally {
      await store.close();
    }
    const ids = new Set(committed.map((e) => e.id));
    await receiver.until((r) => [...ids].every((id) => r.some((x) => x.event.id === id)), `all ${ids.size} committed events`, 180_000);
    console.log(
      `kill -9 on ${engine}: ${committed.length} committed events, ${beforeRestart} received before the restart, ${receiver.received.length} receipts in all`,
    );

    // Nothing arrives that was not committed, and every subject's events first arrive in commit order.
    for (const r of receiver.received) expect(ids.has(r.event.id)).toBe(true);
    for (const [subject, seqs] of firstArrivals(receiver.received)) {
      expect(seqs, subject).toEqual([...seqs].sort((a, b) => a - b));
      expect(seqs, subject).toEqual(
        committed
          .filter((e) => e.subject === subject)
          .map((e) => e.seq)
          .sort((a, b) => a - b),
      );
    }
  });
});

describe.runIf(ENGINES.includes('postgres'))('two instances on one PostgreSQL database', () => {
  it('deliver each event exactly once in normal operation', { timeout: 180_000 }, async () => {
    const receiver = await startReceiver();
    const first = await startTestServer('postgres', { env: FAST_DELIVERY_ENV });
    const second = await startTestServer('postgres', { env: FAST_DELIVERY_ENV, sharing: first });
    try {
      const merchant = await bootstrapMerchant(first);
      await subscribe(first, merchant, receiver.url);
      // Load through both instances.
      await Promise.all([load(new MerchantApi(first, merchant), 6), load(new MerchantApi(second, merchant), 6)]);
      const committed = await first.app.core.store.db.selectFrom('events').select('id').where('owner', '=', `merchant:${merchant.merchantId}`).execute();
      expect(committed).toHaveLength(48);
      const ids = new Set(committed.map((e) => e.id));
      await receiver.until((r) => [...ids].every((id) => r.some((x) => x.event.id === id)), 'every event', 120_000);
      await Promise.all([first.app.relay.runOnce(), second.app.relay.runOnce()]);
      const counts = new Map<string, number>();
      for (const r of receiver.received) counts.set(r.event.id, (counts.get(r.event.id) ?? 0) + 1);
      expect([...counts.values()].every((n) => n === 1)).toBe(true);
      expect(counts.size).toBe(48);
      for (const [subject, seqs] of firstArrivals(receiver.received)) expect(seqs, subject).toEqual([1, 2, 3, 4]);
    } finally {
      await second.close();
      await first.close();
      await receiver.close();
    }
  });
});
