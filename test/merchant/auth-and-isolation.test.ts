/**
 * HTTP Basic authentication of every operation, API key lifecycle, and isolation between merchants.
 */
import { describe, expect, it } from 'vitest';
import { ENGINES } from '../support/engines.js';
import { useMerchant, useTestServer } from '../support/fixture.js';
import { request, type HttpResult } from '../support/http.js';
import {
  addApiKey,
  controlledClock,
  countTokens,
  expectBadRequest,
  expectNotFound,
  expectUnauthorized,
  makePan,
  MerchantApi,
  revokeApiKey,
} from './helpers.js';

type Operation = 'PUT' | 'GET' | 'PATCH' | 'DELETE' | 'SUSPEND' | 'ACTIVATE';
const OPERATIONS: Operation[] = ['PUT', 'GET', 'PATCH', 'DELETE', 'SUSPEND', 'ACTIVATE'];

describe.each(ENGINES)('authentication and merchant isolation on %s', (engine) => {
  const clock = controlledClock();
  const server = useTestServer(engine, { clock: clock.clock });
  const merchant = useMerchant(server);
  const other = useMerchant(server);
  const api = new MerchantApi(server, merchant, clock);
  const otherApi = new MerchantApi(server, other, clock);

  /** One operation with a raw Authorization header (or none), on a token of `merchant`, with a valid body. */
  async function call(op: Operation, token: string, authorization: string | undefined): Promise<HttpResult> {
    const headers: Record<string, string> = authorization === undefined ? {} : { authorization };
    const base = server.baseUrl;
    switch (op) {
      case 'PUT':
        return request(base, 'PUT', '/oidc/api/v2/card', {
          headers,
          body: { token_scope: merchant.scope, public_key_alias: merchant.alias, encrypted_card: await api.blob({ cardNumber: makePan('45') }) },
        });
      case 'GET':
        return request(base, 'GET', `/oidc/api/v2/card/${token}`, { headers });
      case 'PATCH':
        return request(base, 'PATCH', `/oidc/api/v2/card/${token}`, { headers, body: { card_holder_name: 'Intruder' } });
      case 'DELETE':
        return request(base, 'DELETE', `/oidc/api/v2/card/${token}`, { headers });
      case 'SUSPEND':
        return request(base, 'PATCH', `/oidc/api/v2/card/${token}/suspend`, { headers });
      case 'ACTIVATE':
        return request(base, 'PATCH', `/oidc/api/v2/card/${token}/activate`, { headers });
    }
  }

  const basic = (user: string, secret: string) => 'Basic ' + Buffer.from(`${user}:${secret}`).toString('base64');

  const BAD_AUTH: Array<[string, () => string | undefined]> = [
    ['no Authorization header', () => undefined],
    ['a wrong secret', () => basic(merchant.basic.id, merchant.basic.secret + 'x')],
    ["another merchant's secret", () => basic(merchant.basic.id, other.basic.secret)],
    ['an unknown key id', () => basic('ak_000000000000000000000000', merchant.basic.secret)],
    ['an empty secret', () => basic(merchant.basic.id, '')],
    ['Basic without a colon', () => 'Basic ' + Buffer.from(merchant.basic.id).toString('base64')],
    ['Basic with non-base64', () => 'Basic !!!not-base64!!!'],
    ['Basic with nothing', () => 'Basic '],
    ['a Bearer token', () => `Bearer ${server.adminToken}`],
    ['the credentials unencoded', () => `Basic ${merchant.basic.id}:${merchant.basic.secret}`],
  ];

  describe.each(OPERATIONS)('%s', (op) => {
    it.each(BAD_AUTH)('with %s → 401 UnauthorizedV2Docs, and nothing changes', async (_label, authorization) => {
      const put = await api.create({ cardNumber: makePan('45'), cardholderName: 'Owner' });
      const before = (await api.get(put.reuse_token)).body;
      const tokens = await countTokens(server, merchant.merchantId);
      const res = await call(op, put.reuse_token, authorization());
      expectUnauthorized(res);
      expect(res.text).not.toContain(put.last_four + '"');
      expect((await api.get(put.reuse_token)).body).toEqual(before);
      expect(await countTokens(server, merchant.merchantId)).toBe(tokens);
    });
  });

  it('authentication comes before validation: an invalid request without credentials is a 401, not a 400', async () => {
    expectUnauthorized(await request(server.baseUrl, 'PUT', '/oidc/api/v2/card', { body: {} }));
    expectUnauthorized(await request(server.baseUrl, 'PUT', '/oidc/api/v2/card', { rawBody: '{not json' }));
    expectUnauthorized(await request(server.baseUrl, 'GET', '/oidc/api/v2/card/abc'));
  });

  it('the admin API does not take merchant credentials', async () => {
    const res = await request(server.baseUrl, 'POST', '/admin/v1/merchants', { basic: merchant.basic, body: { name: 'x' } });
    expect(res.status).toBe(401);
  });

  describe('API keys', () => {
    it('a second API key of the merchant works on every operation and sees the tokens of the first', async () => {
      const key = await addApiKey(server, merchant.merchantId);
      const second = api.as(key);
      const put = await api.create({ cardNumber: makePan('45') });
      expect((await second.get(put.reuse_token)).status).toBe(200);
      expect((await second.patch(put.reuse_token, { card_holder_name: 'Second Key' })).status).toBe(200);
      expect((await second.suspend(put.reuse_token)).status).toBe(204);
      expect((await second.activate(put.reuse_token)).status).toBe(204);
      const again = await second.put({ cardNumber: makePan('45') });
      expect(again.status, again.text).toBe(200);
      expect((await second.remove(put.reuse_token)).status).toBe(204);
      expect((await api.get(put.reuse_token)).body.token_status).toBe('DELETED');
    });

    it('a revoked API key gets 401 on every operation at once; the other key keeps working', async () => {
      const key = await addApiKey(server, merchant.merchantId);
      const revoked = api.as(key);
      const put = await api.create({ cardNumber: makePan('45') });
      // Used first, so that a cached verification would be in place.
      expect((await revoked.get(put.reuse_token)).status).toBe(200);

      await revokeApiKey(server, merchant.merchantId, key.id);
      const auth = basic(key.id, key.secret);
      for (const op of OPERATIONS) expectUnauthorized(await call(op, put.reuse_token, auth));
      expect((await api.get(put.reuse_token)).body.token_status).toBe('ACTIVE');
      expect((await api.put({ cardNumber: makePan('45') })).status).toBe(200);
    });

    it("a merchant cannot revoke through the admin API another merchant's key", async () => {
      const key = await addApiKey(server, merchant.merchantId);
      const res = await request(server.baseUrl, 'DELETE', `/admin/v1/merchants/${other.merchantId}/api-keys/${key.id}`, { bearer: server.adminToken });
      expect(res.status).toBe(404);
      expect((await api.as(key).put({ cardNumber: makePan('45') })).status).toBe(200);
    });
  });

  describe('isolation between merchants', () => {
    it.each(OPERATIONS.filter((op) => op !== 'PUT'))("%s on another merchant's token → 404, and the token is unchanged", async (op) => {
      const put = await api.create({ cardNumber: makePan('45'), cardholderName: 'Owner Name' });
      const before = (await api.get(put.reuse_token)).body;
      const res = await call(op, put.reuse_token, basic(other.basic.id, other.basic.secret));
      expectNotFound(res);
      expect(res.text).not.toContain('Owner Name');
      expect((await api.get(put.reuse_token)).body).toEqual(before);
      const row = await server.app.core.store.db
        .selectFrom('card_tokens')
        .select(['status', 'card_sealed'])
        .where('reuse_token', '=', put.reuse_token)
        .executeTakeFirstOrThrow();
      expect(row.status).toBe('ACTIVE');
      expect(row.card_sealed).not.toBeNull();
    });

    it("another merchant's 404 is indistinguishable from an unknown token's", async () => {
      const put = await api.create({ cardNumber: makePan('45') });
      const mine = await otherApi.get(put.reuse_token);
      const none = await otherApi.get('0123456789abcdef0123456789abcdef');
      expect(mine.status).toBe(none.status);
      expect(mine.body.details).toEqual(none.body.details);
      expect(mine.body.message).toBe(none.body.message);
    });

    it("PUT into another merchant's scope, or with its capture key, is refused and creates nothing", async () => {
      const before = await countTokens(server, merchant.merchantId);
      const intoForeignScope = await otherApi.put({ cardNumber: makePan('45') }, { token_scope: merchant.scope });
      expectBadRequest(intoForeignScope, ['body.token_scope']);
      const withForeignAlias = await otherApi.put({ cardNumber: makePan('45') }, { public_key_alias: merchant.alias });
      expectBadRequest(withForeignAlias, ['body.public_key_alias']);
      expect(await countTokens(server, merchant.merchantId)).toBe(before);
    });

    it('the same card at two merchants gives two independent tokens', async () => {
      const pan = makePan('45');
      const mine = await api.create({ cardNumber: pan, cardholderName: 'Mine' });
      const theirs = await otherApi.create({ cardNumber: pan, cardholderName: 'Theirs' });
      expect(theirs.reuse_token).not.toBe(mine.reuse_token);
      expect((await otherApi.remove(theirs.reuse_token)).status).toBe(204);
      const stillMine = (await api.get(mine.reuse_token)).body;
      expect(stillMine.token_status).toBe('ACTIVE');
      expect(stillMine.card_holder_name).toBe('Mine');
    });
  });
});
