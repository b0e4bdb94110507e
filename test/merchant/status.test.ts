/**
 * Token status: PATCH …/suspend, PATCH …/activate and DELETE, their idempotence, and what DELETE destroys.
 */
import { describe, expect, it } from 'vitest';
import { assertMatchesSchema } from '../support/contract.js';
import { ENGINES } from '../support/engines.js';
import { useMerchant, useTestServer } from '../support/fixture.js';
import { request } from '../support/http.js';
import { cardRow, controlledClock, expectBadRequest, expectNotFound, makePan, MerchantApi } from './helpers.js';

describe.each(ENGINES)('token status on %s', (engine) => {
  const clock = controlledClock();
  const server = useTestServer(engine, { clock: clock.clock });
  const merchant = useMerchant(server);
  const api = new MerchantApi(server, merchant, clock);

  const status = async (token: string) => {
    const res = await api.get(token);
    expect(res.status, res.text).toBe(200);
    assertMatchesSchema('verifone', 'TokenResponse', res.body);
    return res.body.token_status as string;
  };

  describe('suspend / activate', () => {
    it('suspend → 204 with no body, GET shows SUSPENDED; activate → 204, GET shows ACTIVE', async () => {
      const put = await api.create({ cardNumber: makePan('45') });
      const suspend = await api.suspend(put.reuse_token);
      expect(suspend.status).toBe(204);
      expect(suspend.text).toBe('');
      expect(await status(put.reuse_token)).toBe('SUSPENDED');

      const activate = await api.activate(put.reuse_token);
      expect(activate.status).toBe(204);
      expect(activate.text).toBe('');
      expect(await status(put.reuse_token)).toBe('ACTIVE');
    });

    it('repeating suspend or activate is harmless (204, same state)', async () => {
      const put = await api.create({ cardNumber: makePan('45') });
      expect((await api.activate(put.reuse_token)).status).toBe(204);
      expect(await status(put.reuse_token)).toBe('ACTIVE');
      expect((await api.suspend(put.reuse_token)).status).toBe(204);
      expect((await api.suspend(put.reuse_token)).status).toBe(204);
      expect(await status(put.reuse_token)).toBe('SUSPENDED');
      expect((await api.activate(put.reuse_token)).status).toBe(204);
      expect((await api.activate(put.reuse_token)).status).toBe(204);
      expect(await status(put.reuse_token)).toBe('ACTIVE');
    });

    it('accepts the status calls with a JSON content type and an empty body, as some clients send them', async () => {
      const put = await api.create({ cardNumber: makePan('45') });
      const res = await request(server.baseUrl, 'PATCH', `/oidc/api/v2/card/${put.reuse_token}/suspend`, {
        basic: merchant.basic,
        headers: { 'content-type': 'application/json' },
        rawBody: '',
      });
      expect(res.status, res.text).toBe(204);
      expect(await status(put.reuse_token)).toBe('SUSPENDED');
    });

    it('a suspended token keeps its card: a PUT of the same card answers the same token, still SUSPENDED', async () => {
      const pan = makePan('45');
      const put = await api.create({ cardNumber: pan });
      await api.suspend(put.reuse_token);
      const again = await api.create({ cardNumber: pan });
      expect(again.reuse_token).toBe(put.reuse_token);
      expect(again.token_status).toBe('SUSPENDED');
    });

    it('a suspended token can still be updated by PATCH and stays SUSPENDED', async () => {
      const put = await api.create({ cardNumber: makePan('45') });
      await api.suspend(put.reuse_token);
      const res = await api.patch(put.reuse_token, { card_holder_name: 'While Suspended' });
      expect(res.status, res.text).toBe(200);
      expect(res.body.token_status).toBe('SUSPENDED');
    });

    it('unknown id → 404; short id → 400 params.id', async () => {
      expectNotFound(await api.suspend('0123456789abcdef0123456789abcdef'));
      expectNotFound(await api.activate('0123456789abcdef0123456789abcdef'));
      expectBadRequest(await api.suspend('abc'), ['params.id']);
      expectBadRequest(await api.activate('abc'), ['params.id']);
    });
  });

  describe('delete', () => {
    it('DELETE → 204; GET shows DELETED; suspend / activate / PATCH then 400; DELETE again 204', async () => {
      const put = await api.create({ cardNumber: makePan('45'), cardholderName: 'To Be Deleted' });
      const del = await api.remove(put.reuse_token);
      expect(del.status).toBe(204);
      expect(del.text).toBe('');

      const get = await api.get(put.reuse_token);
      expect(get.status).toBe(200);
      assertMatchesSchema('verifone', 'TokenResponse', get.body);
      expect(get.body.token_status).toBe('DELETED');
      expect(get.body.last_four).toBe(put.last_four);
      // The sealed card is gone, and with it the holder name.
      expect(get.body).not.toHaveProperty('card_holder_name');

      expectBadRequest(await api.suspend(put.reuse_token), ['params.id']);
      expectBadRequest(await api.activate(put.reuse_token), ['params.id']);
      expectBadRequest(await api.patch(put.reuse_token, { card_holder_name: 'Back' }), ['params.id']);
      expect((await api.remove(put.reuse_token)).status).toBe(204);
      expect(await status(put.reuse_token)).toBe('DELETED');
    });

    it('a suspended token can be deleted', async () => {
      const put = await api.create({ cardNumber: makePan('45') });
      await api.suspend(put.reuse_token);
      expect((await api.remove(put.reuse_token)).status).toBe(204);
      expect(await status(put.reuse_token)).toBe('DELETED');
    });

    it('after DELETE the same card gets a NEW token; the old one stays DELETED', async () => {
      const pan = makePan('45');
      const put = await api.create({ cardNumber: pan });
      await api.remove(put.reuse_token);
      const fresh = await api.create({ cardNumber: pan });
      expect(fresh.reuse_token).not.toBe(put.reuse_token);
      expect(fresh.token_status).toBe('ACTIVE');
      expect(await status(put.reuse_token)).toBe('DELETED');
      expect((await api.create({ cardNumber: pan })).reuse_token).toBe(fresh.reuse_token);
    });

    it('DELETE destroys the ciphertext: card_sealed, key_version and fingerprint are NULL in the database', async () => {
      const put = await api.create({ cardNumber: makePan('45') });
      const before = await cardRow(server, put.reuse_token);
      expect(before.card_sealed).not.toBeNull();
      expect(before.fingerprint).not.toBeNull();
      await api.remove(put.reuse_token);
      const after = await cardRow(server, put.reuse_token);
      expect(after.status).toBe('DELETED');
      expect(after.card_sealed).toBeNull();
      expect(after.key_version).toBeNull();
      expect(after.fingerprint).toBeNull();
    });

    it('unknown id → 404; short id → 400 params.id', async () => {
      expectNotFound(await api.remove('0123456789abcdef0123456789abcdef'));
      expectBadRequest(await api.remove('abc'), ['params.id']);
    });
  });
});
