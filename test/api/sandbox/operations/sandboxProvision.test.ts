/**
 * sandboxProvision, `POST /sandbox/v1/provision`: a wallet's provisioning through the simulated network, GREEN
 * (ACTIVE), YELLOW (INACTIVE) or RED (422); 404, 400 and 401 in the admin envelope. (Brands, networks and the
 * decisions in depth: test/issuer/admin-sandbox.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { assertMatchesSchema } from '../../../support/contract.js';
import { ENGINES } from '../../../support/engines.js';
import { useIssuerServer } from '../../../support/fixture.js';
import { request } from '../../../support/http.js';
import { createAccount, createCard, expectAdminError, NETWORKS } from '../../../support/issuer.js';

describe.each(ENGINES)('sandboxProvision on %s', (engine) => {
  const env = useIssuerServer(engine);
  const { api } = env;

  it.each(NETWORKS)('answers 201 on %s: GREEN makes an ACTIVE token, YELLOW an INACTIVE one, RED 422 and none', async (network) => {
    const account = await createAccount(api);
    const card = await createCard(api, account, network);
    const green = await api.provision({ card_id: card.cardId, network, wallet: 'APPLE_PAY', decision: 'GREEN' });
    expect(green.status, green.text).toBe(201);
    assertMatchesSchema('admin', 'ProvisionResponse', green.body);
    expect(green.body).toMatchObject({ status: 'ACTIVE', payment_network: network });
    const yellow = await api.provision({ card_id: card.cardId, wallet: 'GOOGLE_PAY', decision: 'YELLOW' });
    expect([yellow.status, yellow.body.status]).toEqual([201, 'INACTIVE']);
    expectAdminError(await api.provision({ card_id: card.cardId, wallet: 'SAMSUNG_PAY', decision: 'RED' }), 422, 'declined');
    const ids = (await api.listTokens(account.jwt, card.cardId)).body.tokens.map((t: { token_id: string }) => t.token_id);
    expect(ids.sort()).toEqual([green.body.token_id, yellow.body.token_id].sort());
  });

  it('answers 404 for an unknown card and 400 for a malformed request, provisioning nothing', async () => {
    expectAdminError(await api.provision({ card_id: 99_999_999, wallet: 'APPLE_PAY' }), 404, 'not_found');
    const account = await createAccount(api);
    const card = await createCard(api, account, 'vts');
    expectAdminError(await api.provision({ card_id: card.cardId, wallet: 'PAYPAL' }), 400, 'invalid_request');
    expect((await api.listTokens(account.jwt, card.cardId)).body.tokens).toEqual([]);
  });

  it('answers 401 without the admin token, provisioning nothing', async () => {
    const account = await createAccount(api);
    const card = await createCard(api, account, 'vts');
    const res = await request(env.server.baseUrl, 'POST', '/sandbox/v1/provision', { body: { card_id: card.cardId, wallet: 'APPLE_PAY' } });
    expectAdminError(res, 401, 'unauthorized');
    expect((await api.listTokens(account.jwt, card.cardId)).body.tokens).toEqual([]);
  });
});
