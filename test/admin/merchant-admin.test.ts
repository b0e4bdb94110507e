/**
 * The admin domain without HTTP: every change commits with its audit record, in one transaction, at the time
 * of the injected clock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdminDal } from '../../src/admin/dal.js';
import { createMerchantAdmin } from '../../src/admin/merchant-admin.js';
import type { Clock } from '../../src/clock.js';
import { InvalidInput, NotFound } from '../../src/errors.js';
import { openStore, type Store } from '../../src/store/database.js';
import { createChangeFeed } from '../../src/store/change-feed.js';
import { ENGINES, freshDatabase, type TestDatabase } from '../support/engines.js';

describe.each(ENGINES)('merchant admin on %s', (engine) => {
  let database: TestDatabase;
  let store: Store;
  const fixed = new Date('2031-02-03T04:05:06.000Z');
  const clock: Clock = () => new Date(fixed);
  const silent = { warn: () => undefined, info: () => undefined };
  const changes = () => createChangeFeed({ db: store.db, transact: store.transact, database: database.config, log: silent, clock });
  const admin = () => createMerchantAdmin({ dal: createAdminDal(store.db), transact: store.transact, clock, changes: changes() });
  const audit = (objectId: string) => store.db.selectFrom('audit_log').selectAll().where('object_id', '=', objectId).orderBy('action').execute();

  beforeAll(async () => {
    database = freshDatabase(engine);
    store = await openStore(database.config);
  });
  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  it("creates a merchant with its first API key, each audited, at the clock's time", async () => {
    const created = await admin().createMerchant('  Shop  ');
    const merchant = await store.db.selectFrom('merchants').selectAll().where('id', '=', created.merchant_id).executeTakeFirstOrThrow();
    expect(merchant).toEqual({ id: created.merchant_id, name: 'Shop', created_at: fixed.toISOString() });
    expect((await audit(created.merchant_id)).map((r) => [r.action, r.at])).toEqual([['merchant.created', fixed.toISOString()]]);
    expect((await audit(created.api_key.id)).map((r) => r.action)).toEqual(['api_key.created']);
  });

  it('refuses a blank or too long name on the domain field `name`', async () => {
    for (const name of ['  ', 'x'.repeat(201)]) {
      const error = await admin()
        .createMerchant(name)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidInput);
      expect((error as InvalidInput).issues).toEqual([{ field: 'name', reason: 'invalid', message: 'must be 1 to 200 characters' }]);
    }
  });

  it('revokes an API key and writes its audit record in the same transaction', async () => {
    const { merchant_id: merchantId, api_key: key } = await admin().createMerchant('revocations');
    await admin().revokeApiKey(merchantId, key.id);
    const row = await store.db.selectFrom('api_keys').select('revoked_at').where('id', '=', key.id).executeTakeFirstOrThrow();
    expect(row.revoked_at).toBe(fixed.toISOString());
    expect((await audit(key.id)).map((r) => r.action)).toEqual(['api_key.created', 'api_key.revoked']);
    await expect(admin().revokeApiKey(merchantId, key.id)).rejects.toEqual(new NotFound('api_key'));
  });

  it('a revocation whose audit record fails is not committed either', async () => {
    const { merchant_id: merchantId, api_key: key } = await admin().createMerchant('atomic');
    // The first reading of the clock stamps the revocation; the second (the audit record) fails.
    let readings = 0;
    const failing: Clock = () => {
      if (++readings === 2) throw new Error('audit write failed');
      return new Date(fixed);
    };
    const broken = createMerchantAdmin({ dal: createAdminDal(store.db), transact: store.transact, clock: failing, changes: changes() });
    await expect(broken.revokeApiKey(merchantId, key.id)).rejects.toThrow('audit write failed');
    const row = await store.db.selectFrom('api_keys').select('revoked_at').where('id', '=', key.id).executeTakeFirstOrThrow();
    expect(row.revoked_at).toBeNull();
    expect((await audit(key.id)).map((r) => r.action)).toEqual(['api_key.created']);
  });

  it("another merchant's key, or an unknown merchant, is not found", async () => {
    const a = await admin().createMerchant('a');
    const b = await admin().createMerchant('b');
    await expect(admin().revokeApiKey(b.merchant_id, a.api_key.id)).rejects.toBeInstanceOf(NotFound);
    await expect(admin().createApiKey('00000000-0000-4000-8000-000000000000')).rejects.toEqual(new NotFound('merchant'));
    await expect(admin().createTokenScope('00000000-0000-4000-8000-000000000000', { name: 'web' })).rejects.toEqual(new NotFound('merchant'));
  });

  it('creates a token scope with its flags and lifetime', async () => {
    const { merchant_id: merchantId } = await admin().createMerchant('scopes');
    const { token_scope: id } = await admin().createTokenScope(merchantId, { name: 'web', network_tokens: true, token_ttl_days: 30 });
    const scope = await store.db.selectFrom('token_scopes').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(scope).toMatchObject({ merchant_id: merchantId, name: 'web', network_tokens: 1, par: 0, token_ttl_days: 30, created_at: fixed.toISOString() });
    expect((await audit(id)).map((r) => r.action)).toEqual(['token_scope.created']);
  });
});
