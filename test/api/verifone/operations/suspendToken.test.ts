/**
 * suspendToken, `PATCH /oidc/api/v2/card/{id}/suspend`: 204 and the token SUSPENDED; 401, 404 and 400 in the
 * Verifone envelope. (Idempotence and what a suspended token still allows: test/merchant/status.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { ENGINES } from '../../../support/engines.js';
import { useMerchant, useTestServer } from '../../../support/fixture.js';
import { request } from '../../../support/http.js';
import { expectBadRequest, expectNotFound, expectUnauthorized, makePan, MerchantApi } from '../../../merchant/helpers.js';

const UNKNOWN_ID = '0123456789abcdef0123456789abcdef';

describe.each(ENGINES)('suspendToken on %s', (engine) => {
  const server = useTestServer(engine);
  const merchant = useMerchant(server);
  const api = new MerchantApi(server, merchant);
  const otherApi = new MerchantApi(server, useMerchant(server));

  it('answers 204 with no body; the token is then SUSPENDED', async () => {
    const { reuse_token } = await api.create({ cardNumber: makePan('411111') });
    const res = await api.suspend(reuse_token);
    expect(res.status, res.text).toBe(204);
    expect(res.text).toBe('');
    expect((await api.get(reuse_token)).body.token_status).toBe('SUSPENDED');
  });

  it('answers 401 without credentials or with a wrong secret, and suspends nothing', async () => {
    const { reuse_token } = await api.create({ cardNumber: makePan('411111') });
    expectUnauthorized(await request(server.baseUrl, 'PATCH', `/oidc/api/v2/card/${reuse_token}/suspend`));
    expectUnauthorized(await api.as({ id: merchant.basic.id, secret: `${merchant.basic.secret}x` }).suspend(reuse_token));
    expect((await api.get(reuse_token)).body.token_status).toBe('ACTIVE');
  });

  it("answers 404 for an unknown id and for another merchant's token, which stays ACTIVE", async () => {
    const { reuse_token } = await api.create({ cardNumber: makePan('411111') });
    expectNotFound(await api.suspend(UNKNOWN_ID));
    expectNotFound(await otherApi.suspend(reuse_token));
    expect((await api.get(reuse_token)).body.token_status).toBe('ACTIVE');
  });

  it('answers 400 params.id for a malformed id', async () => {
    expectBadRequest(await api.suspend('abc'), ['params.id']);
  });
});
