/**
 * Races never surface as errors: concurrent PUTs of one card and concurrent PATCHes of one token, on one instance
 * and (PostgreSQL, how Tessera scales out) on two instances of one database. Every PUT answers 200 with the one
 * token; every PATCH answers 200 with the state it produced (its own change, never "changed concurrently"), and
 * each is recorded once. Several rounds, since a lost race is a matter of chance.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/app.js';
import { ENGINES } from '../support/engines.js';
import { request } from '../support/http.js';
import { bootstrapMerchant } from '../support/merchant.js';
import { countTokens, makePan, MerchantApi } from './helpers.js';

const PUTS = 30;
const PATCHES = 16;
const ROUNDS = 3;

describe.each(ENGINES)('concurrent writes on %s', (engine) => {
  let first: TestServer;
  let second: TestServer | undefined;
  /** One instance on SQLite (single-instance by design), two on PostgreSQL. */
  let servers: TestServer[];

  beforeAll(async () => {
    first = await startTestServer(engine);
    if (engine === 'postgres') second = await startTestServer(engine, { sharing: first });
    servers = second ? [first, second] : [first];
  });
  afterAll(async () => {
    await second?.close();
    await first?.close();
  });

  const unexpected = () =>
    servers
      .flatMap((server) => server.logs)
      .filter((line) => line.includes('unexpected error'))
      .slice(-2)
      .join('\n');

  it(`${PUTS} concurrent PUTs of one card, spread over the instances → all 200 with one token`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const merchant = await bootstrapMerchant(first);
      const api = new MerchantApi(first, merchant);
      const pan = makePan('45');
      const blobs = await Promise.all(Array.from({ length: PUTS }, (_, i) => api.blob({ cardNumber: pan, cardholderName: `Holder ${i}` })));
      const results = await Promise.all(
        blobs.map((encrypted_card, i) =>
          request(servers[i % servers.length]!.baseUrl, 'PUT', '/oidc/api/v2/card', {
            basic: merchant.basic,
            body: { token_scope: merchant.scope, public_key_alias: merchant.alias, encrypted_card },
          }),
        ),
      );
      for (const result of results) expect(result.status, `${result.text}\n${unexpected()}`).toBe(200);
      expect(new Set(results.map((result) => result.body.reuse_token)).size).toBe(1);
      expect(await countTokens(first, merchant.merchantId)).toBe(1);
    }
  });

  it(`${PATCHES} concurrent PATCHes of one token, spread over the instances → each 200 with its own change`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const merchant = await bootstrapMerchant(first);
      const api = new MerchantApi(first, merchant);
      const put = await api.put({ cardNumber: makePan('45') });
      expect(put.status, put.text).toBe(200);
      const token: string = put.body.reuse_token;
      const names = Array.from({ length: PATCHES }, (_, i) => `Patcher ${round}-${i}`);
      const results = await Promise.all(
        names.map((name, i) => new MerchantApi(servers[i % servers.length]!, merchant).patch(token, { card_holder_name: name })),
      );
      for (const [i, result] of results.entries()) {
        expect(result.status, `${result.text}\n${unexpected()}`).toBe(200);
        // The state it produced: its own change applied on top of whatever came before it.
        expect(result.body.card_holder_name).toBe(names[i]);
      }
      const final = await api.get(token);
      expect(names).toContain(final.body.card_holder_name);
      const tokenId = (await first.app.core.store.db.selectFrom('card_tokens').select('id').where('reuse_token', '=', token).executeTakeFirstOrThrow()).id;
      const updates = await first.app.core.store.db
        .selectFrom('audit_log')
        .select('id')
        .where('object_id', '=', tokenId)
        .where('action', '=', 'merchant.token.updated')
        .execute();
      expect(updates).toHaveLength(PATCHES);
    }
  });

  it('concurrent PATCHes, suspends and activations of one token all answer success', async () => {
    const merchant = await bootstrapMerchant(first);
    const api = new MerchantApi(first, merchant);
    const put = await api.put({ cardNumber: makePan('45') });
    const token: string = put.body.reuse_token;
    const calls = Array.from({ length: PATCHES }, (_, i) => {
      const target = new MerchantApi(servers[i % servers.length]!, merchant);
      return i % 3 === 0 ? target.suspend(token) : i % 3 === 1 ? target.activate(token) : target.patch(token, { card_holder_email: `p${i}@example.com` });
    });
    const results = await Promise.all(calls);
    for (const result of results) expect([200, 204], `${result.text}\n${unexpected()}`).toContain(result.status);
    expect(['ACTIVE', 'SUSPENDED']).toContain((await api.get(token)).body.token_status);
  });
});
