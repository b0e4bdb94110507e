/**
 * activateToken, `PATCH /oidc/api/v2/card/{id}/activate`: 204 and a suspended token ACTIVE again; 401, 404 and
 * 400 in the Verifone envelope. (Idempotence and expired tokens: test/merchant/status.test.ts, updateToken.)
 */
import { describe, expect, it } from 'vitest';
import { ENGINES } from '../../../support/engines.js';
import { useMerchant, useTestServer } from '../../../support/fixture.js';
import { request } from '../../../support/http.js';
import { expectBadRequest, expectNotFound, expectUnauthorized, makePan, MerchantApi } from '../../../merchant/helpers.js';

const UNKNOWN_ID = '0123456789abcdef0123456789abcdef';

describe.each(ENGINES)('activateToken on %s', (engine) => {
  const server = useTestServer(engine);
  const merchant = useMerchant(server);
  const api = new MerchantApi(server, merchant);
  const otherApi = new MerchantApi(server, useMerchant(server));

  /** A token of this merchant, suspended. */
  const suspended = async (): Promise<string> => {
    const { reuse_token } = await api.create({ cardNumber: makePan('411111') });
    expect((await api.suspend(reuse_token)).status).toBe(204);
    return reuse_token;
  };

  it('answers 204 with no body; the suspended token is then ACTIVE', async () => {
    const token = await suspended();
    const res = await api.activate(token);
    expect(res.status, res.text).toBe(204);
    expect(res.text).toBe('');
    expect((await api.get(token)).body.token_status).toBe('ACTIVE');
  });

  it('answers 400 params.id for a deleted token, which stays DELETED', async () => {
    const { reuse_token } = await api.create({ cardNumber: makePan('411111') });
    expect((await api.remove(reuse_token)).status).toBe(204);
    expectBadRequest(await api.activate(reuse_token), ['params.id']);
    expect((await api.get(reuse_token)).body.token_status).toBe('DELETED');
  });

  it('answers 401 without credentials or with a wrong secret, and activates nothing', async () => {
    const token = await suspended();
    expectUnauthorized(await request(server.baseUrl, 'PATCH', `/oidc/api/v2/card/${token}/activate`));
    expectUnauthorized(await api.as({ id: merchant.basic.id, secret: `${merchant.basic.secret}x` }).activate(token));
    expect((await api.get(token)).body.token_status).toBe('SUSPENDED');
  });

  it("answers 404 for an unknown id and for another merchant's token, which stays SUSPENDED", async () => {
    const token = await suspended();
    expectNotFound(await api.activate(UNKNOWN_ID));
    expectNotFound(await otherApi.activate(token));
    expect((await api.get(token)).body.token_status).toBe('SUSPENDED');
  });

  it('answers 400 params.id for a malformed id', async () => {
    expectBadRequest(await api.activate('abc'), ['params.id']);
  });
});
