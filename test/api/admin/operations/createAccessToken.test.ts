/**
 * createAccessToken, `POST /admin/v1/accounts/{account_id}/access-tokens`: an account token (JWT) that the
 * issuer API accepts for that account only; 404, 400 and 401 in the admin envelope.
 */
import { describe, expect, it } from 'vitest';
import { assertMatchesSchema } from '../../../support/contract.js';
import { ENGINES } from '../../../support/engines.js';
import { useIssuerServer } from '../../../support/fixture.js';
import { request } from '../../../support/http.js';
import { createAccount, createCard, expectAdminError, expectPismoError } from '../../../support/issuer.js';

describe.each(ENGINES)('createAccessToken on %s', (engine) => {
  const env = useIssuerServer(engine);
  const { api } = env;

  it("answers 201 with a token the issuer API accepts for the account's cards, and not for another's", async () => {
    const account = await createAccount(api);
    const card = await createCard(api, account, 'vts');
    const stranger = await createCard(api, await createAccount(api), 'vts');
    const res = await api.accessToken(account.accountId);
    expect(res.status, res.text).toBe(201);
    assertMatchesSchema('admin', 'AccessToken', res.body);
    expect(res.body.expires_in).toBeGreaterThan(0);
    expect((await api.listTokens(res.body.access_token, card.cardId)).status).toBe(200);
    expectPismoError(await api.listTokens(res.body.access_token, stranger.cardId), 404, 'ERR4090');
  });

  it('answers 404 for an unknown account, 400 for a malformed id and 401 without the admin token', async () => {
    expectAdminError(await api.accessToken(123456789), 404, 'not_found');
    expectAdminError(await api.admin('POST', '/admin/v1/accounts/0x1/access-tokens'), 400, 'invalid_request');
    const account = await createAccount(api);
    expectAdminError(await request(env.server.baseUrl, 'POST', `/admin/v1/accounts/${account.accountId}/access-tokens`), 401, 'unauthorized');
  });
});
