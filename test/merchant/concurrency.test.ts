/**
 * Concurrent requests: one card tokenized by many simultaneous PUTs still has exactly one token.
 * All requests are built (and their cards encrypted) first, then sent at once.
 */
import { describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/app.js';
import { ENGINES } from '../support/engines.js';
import { useTestServer } from '../support/fixture.js';
import { request } from '../support/http.js';
import { bootstrapMerchant, type TestMerchant } from '../support/merchant.js';
import { controlledClock, countTokens, makePan, MerchantApi } from './helpers.js';

const N = 20;

describe.each(ENGINES)('concurrency on %s', (engine) => {
  const clock = controlledClock();
  const server = useTestServer(engine, { clock: clock.clock });
  let api: MerchantApi;

  /** A fresh merchant per test, so row counts belong to that test alone. */
  async function freshMerchant(options: { token_ttl_days?: number } = {}): Promise<{ merchant: TestMerchant; api: MerchantApi }> {
    const merchant = await bootstrapMerchant(server, options);
    api = new MerchantApi(server, merchant, clock);
    return { merchant, api };
  }

  /** The server's logged unexpected errors, to explain a 500 in a failure message. */
  const serverErrors = () =>
    server.logs
      .filter((line) => line.includes('unexpected error'))
      .slice(-3)
      .map((line) => line.slice(0, 1200))
      .join('\n');

  const putAll = (merchant: TestMerchant, blobs: string[], extra: Record<string, unknown> = {}) =>
    Promise.all(
      blobs.map((encrypted_card) =>
        request(server.baseUrl, 'PUT', '/oidc/api/v2/card', {
          basic: merchant.basic,
          body: { token_scope: merchant.scope, public_key_alias: merchant.alias, encrypted_card, ...extra },
        }),
      ),
    );

  it(`${N} concurrent PUTs of the same new PAN → all 200, one reuse token, one row`, async () => {
    const { merchant, api } = await freshMerchant();
    const pan = makePan('45');
    const blobs = await Promise.all(Array.from({ length: N }, (_, i) => api.blob({ cardNumber: pan, cardholderName: `Holder ${i}` })));
    const results = await putAll(merchant, blobs);
    for (const res of results) expect(res.status, `${res.text}\n${serverErrors()}`).toBe(200);
    const tokens = new Set(results.map((r) => r.body.reuse_token));
    expect(tokens.size).toBe(1);
    expect([...tokens][0]).toMatch(/^[0-9a-f]{32}$/);
    expect(await countTokens(server, merchant.merchantId)).toBe(1);

    const created = await server.app.core.store.db
      .selectFrom('audit_log')
      .select('id')
      .where('action', '=', 'merchant.token.created')
      .where('actor', 'like', `merchant:${merchant.merchantId}/%`)
      .execute();
    expect(created).toHaveLength(1);
    // The surviving holder name is one of the names sent.
    const get = await api.get([...tokens][0]!);
    expect(get.body.card_holder_name).toMatch(/^Holder \d+$/);
  });

  it(`${N} concurrent PUTs of the same PAN with REUSE_AND_ANALYTICS → one reuse token and one analytics token`, async () => {
    const { merchant, api } = await freshMerchant();
    const pan = makePan('53');
    const blobs = await Promise.all(Array.from({ length: N }, () => api.blob({ cardNumber: pan })));
    const results = await putAll(merchant, blobs, { token_type: 'REUSE_AND_ANALYTICS' });
    for (const res of results) expect(res.status, `${res.text}\n${serverErrors()}`).toBe(200);
    expect(new Set(results.map((r) => r.body.reuse_token)).size).toBe(1);
    expect(new Set(results.map((r) => r.body.analytics_token)).size).toBe(1);
    expect(await countTokens(server, merchant.merchantId)).toBe(1);
  });

  /** Concurrent PUTs of one card that was first tokenized ANALYTICS-only, alternating REUSE and ANALYTICS. */
  async function mixedTypeRace(merchant: TestMerchant, api: MerchantApi, servers: TestServer[]) {
    const pan = makePan('45');
    const first = await api.put({ cardNumber: pan }, { token_type: 'ANALYTICS' });
    expect(first.status, first.text).toBe(200);
    const types = Array.from({ length: N }, (_, i) => (i % 2 === 0 ? 'REUSE' : 'ANALYTICS'));
    const blobs = await Promise.all(types.map(() => api.blob({ cardNumber: pan })));
    const results = await Promise.all(
      blobs.map((encrypted_card, i) =>
        request(servers[i % servers.length]!.baseUrl, 'PUT', '/oidc/api/v2/card', {
          basic: merchant.basic,
          body: { token_scope: merchant.scope, public_key_alias: merchant.alias, encrypted_card, token_type: types[i] },
        }),
      ),
    );
    for (const res of results) expect(res.status, `${res.text}\n${serverErrors()}`).toBe(200);
    const reuseTokens = new Set(results.filter((_, i) => types[i] === 'REUSE').map((r) => r.body.reuse_token));
    expect(reuseTokens.size, [...reuseTokens].join(', ')).toBe(1);
    // Every reuse token a PUT handed out still works, on every instance, and the card kept its PAN.
    for (const target of servers) {
      const read = await request(target.baseUrl, 'GET', `/oidc/api/v2/card/${[...reuseTokens][0]}`, { basic: merchant.basic });
      expect(read.status, read.text).toBe(200);
      expect(read.body.analytics_token).toBe(first.body.analytics_token);
      expect(read.body.last_four).toBe(pan.slice(-4));
    }
    expect(await countTokens(servers[0]!, merchant.merchantId)).toBe(1);
  }

  it(`${N} concurrent PUTs of an ANALYTICS-only card, alternating REUSE and ANALYTICS → one reuse token that stays valid`, async () => {
    const { merchant, api } = await freshMerchant();
    await mixedTypeRace(merchant, api, [server]);
  });

  // Two instances in one process cannot share an SQLite file (each would block the thread the other needs while
  // waiting for its lock); PostgreSQL is how Tessera scales out, so that is where the cross-instance race is shown.
  if (engine === 'postgres') {
    it('the same race across two instances on one database → one reuse token that stays valid', async () => {
      const { merchant, api } = await freshMerchant();
      const second = await startTestServer(engine, { clock: clock.clock, sharing: server });
      try {
        await mixedTypeRace(merchant, api, [server, second]);
      } finally {
        await second.close();
      }
    });
  }

  it(`${N} concurrent PUTs of ${N} different PANs → ${N} distinct tokens, ${N} rows`, async () => {
    const { merchant, api } = await freshMerchant();
    const pans = new Set<string>();
    while (pans.size < N) pans.add(makePan('45'));
    const list = [...pans];
    const blobs = await Promise.all(list.map((pan) => api.blob({ cardNumber: pan })));
    const results = await putAll(merchant, blobs);
    for (const res of results) expect(res.status, `${res.text}\n${serverErrors()}`).toBe(200);
    expect(new Set(results.map((r) => r.body.reuse_token)).size).toBe(N);
    for (const [i, res] of results.entries()) expect(res.body.last_four).toBe(list[i]!.slice(-4));
    expect(await countTokens(server, merchant.merchantId)).toBe(N);
  });

  it('concurrent PUTs of one PAN in two scopes → exactly one token per scope', async () => {
    const { merchant, api } = await freshMerchant();
    const res = await request(server.baseUrl, 'POST', `/admin/v1/merchants/${merchant.merchantId}/token-scopes`, {
      bearer: server.adminToken,
      body: { name: 'second' },
    });
    const scope2: string = res.body.token_scope;
    const pan = makePan('45');
    const blobs = await Promise.all(Array.from({ length: N }, () => api.blob({ cardNumber: pan })));
    const results = await Promise.all(
      blobs.map((encrypted_card, i) =>
        request(server.baseUrl, 'PUT', '/oidc/api/v2/card', {
          basic: merchant.basic,
          body: { token_scope: i % 2 === 0 ? merchant.scope : scope2, public_key_alias: merchant.alias, encrypted_card },
        }),
      ),
    );
    for (const res of results) expect(res.status, `${res.text}\n${serverErrors()}`).toBe(200);
    const first = new Set(results.filter((_, i) => i % 2 === 0).map((r) => r.body.reuse_token));
    const second = new Set(results.filter((_, i) => i % 2 === 1).map((r) => r.body.reuse_token));
    expect(first.size).toBe(1);
    expect(second.size).toBe(1);
    expect([...first][0]).not.toBe([...second][0]);
    expect(await countTokens(server, merchant.merchantId)).toBe(2);
  });

  it('concurrent suspend and activate calls all answer 204 and leave a valid status', async () => {
    const { api } = await freshMerchant();
    const put = await api.create({ cardNumber: makePan('45') });
    const results = await Promise.all(Array.from({ length: N }, (_, i) => (i % 2 === 0 ? api.suspend(put.reuse_token) : api.activate(put.reuse_token))));
    for (const res of results) expect(res.status, res.text).toBe(204);
    expect(['ACTIVE', 'SUSPENDED']).toContain((await api.get(put.reuse_token)).body.token_status);
  });

  it('concurrent DELETEs of one token all answer 204 and leave it DELETED', async () => {
    const { api } = await freshMerchant();
    const put = await api.create({ cardNumber: makePan('45') });
    const results = await Promise.all(Array.from({ length: 10 }, () => api.remove(put.reuse_token)));
    for (const res of results) expect(res.status, res.text).toBe(204);
    expect((await api.get(put.reuse_token)).body.token_status).toBe('DELETED');
  });
});
