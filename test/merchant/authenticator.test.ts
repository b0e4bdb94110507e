/**
 * The merchant authenticator on a real store with real scrypt hashes: concurrent requests that miss the cache
 * share one verification, a wrong secret never shares a right one's, and a revocation is never undone by a
 * verification that was already running.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OperationNodeTransformer, type KyselyPlugin, type RootOperationNode } from 'kysely';
import { openStore, type Store } from '../../src/store/database.js';
import { createMerchantAdmin } from '../../src/admin/merchant-admin.js';
import { createMerchantAuthenticator, type MerchantAuthenticator } from '../../src/auth/merchant-basic.js';
import { createMerchantDal } from '../../src/merchant/dal.js';
import { createAdminDal } from '../../src/admin/dal.js';
import { systemClock } from '../../src/clock.js';
import { createChangeFeed } from '../../src/store/change-feed.js';
import { Unauthorized } from '../../src/errors.js';
import { freshDatabase } from '../support/engines.js';

/** Counts the queries that reach the database: each credential verification reads the api_keys row once. */
function queryCounter(): KyselyPlugin & { count: number } {
  const transformer = new OperationNodeTransformer();
  const counter = {
    count: 0,
    transformQuery({ node }: { node: RootOperationNode }) {
      counter.count++;
      return transformer.transformNode(node);
    },
    async transformResult<R>({ result }: { result: R }) {
      return result;
    },
  };
  return counter;
}

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

let store: Store;
const database = freshDatabase('sqlite');
const merchantAdmin = () =>
  createMerchantAdmin({
    dal: createAdminDal(store.db),
    transact: store.transact,
    clock: systemClock,
    changes: createChangeFeed({
      db: store.db,
      transact: store.transact,
      database: database.config,
      log: { warn: () => undefined, info: () => undefined },
      clock: systemClock,
    }),
  });
let merchantId: string;
let key: { id: string; secret: string };
let now = Date.parse('2026-12-01T12:00:00Z');
const clock = () => new Date(now);

beforeAll(async () => {
  store = await openStore(database.config);
  const admin = merchantAdmin();
  const created = await admin.createMerchant('auth-tests');
  merchantId = created.merchant_id;
  key = created.api_key;
});

afterAll(async () => {
  await store?.close();
});

function fresh(): { authenticator: MerchantAuthenticator; counter: ReturnType<typeof queryCounter> } {
  const counter = queryCounter();
  const dal = createMerchantDal(store.db.withPlugin(counter));
  // The DAL compiles its hot-path queries once when it is made (store/compiled-query.ts): count only what runs after.
  counter.count = 0;
  return { authenticator: createMerchantAuthenticator({ findApiKey: dal.findApiKeyCredential, clock }), counter };
}

describe('merchant authenticator', () => {
  it('verifies 64 concurrent requests with the same credentials once, and again once when the cache entry expires', async () => {
    const { authenticator, counter } = fresh();
    const callers = await Promise.all(Array.from({ length: 64 }, () => authenticator.authenticate(basic(key.id, key.secret))));
    expect(callers.every((caller) => caller.merchantId === merchantId && caller.apiKeyId === key.id)).toBe(true);
    expect(counter.count).toBe(1);

    await authenticator.authenticate(basic(key.id, key.secret));
    expect(counter.count).toBe(1);

    now += 61_000;
    await Promise.all(Array.from({ length: 64 }, () => authenticator.authenticate(basic(key.id, key.secret))));
    expect(counter.count).toBe(2);
  });

  it('does not let a wrong secret share a right one’s verification', async () => {
    const { authenticator, counter } = fresh();
    const [right, wrong] = await Promise.allSettled([
      authenticator.authenticate(basic(key.id, key.secret)),
      authenticator.authenticate(basic(key.id, `${key.secret}x`)),
    ]);
    expect(right.status).toBe('fulfilled');
    expect(wrong.status === 'rejected' && wrong.reason).toBeInstanceOf(Unauthorized);
    expect(counter.count).toBe(2);
  });

  it('does not cache a key revoked while its verification was running', async () => {
    const { authenticator, counter } = fresh();
    const admin = merchantAdmin();
    const doomed = await admin.createApiKey(merchantId);
    const running = authenticator.authenticate(basic(doomed.id, doomed.secret));
    await admin.revokeApiKey(merchantId, doomed.id);
    authenticator.forget(doomed.id);
    await running; // began before the revocation: may succeed
    await expect(authenticator.authenticate(basic(doomed.id, doomed.secret))).rejects.toBeInstanceOf(Unauthorized);
    expect(counter.count).toBe(2);
  });

  it('forgetAll (a change heard from another instance, subject unknown) drops every remembered verification', async () => {
    const { authenticator, counter } = fresh();
    await authenticator.authenticate(basic(key.id, key.secret));
    await authenticator.authenticate(basic(key.id, key.secret));
    expect(counter.count).toBe(1);
    authenticator.forgetAll();
    await authenticator.authenticate(basic(key.id, key.secret));
    expect(counter.count).toBe(2);
  });
});
