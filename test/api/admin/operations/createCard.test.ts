/**
 * createCard, `POST /admin/v1/accounts/{account_id}/cards`: a card of the account, answered by id only; 400,
 * 404, 409 and 401 in the admin envelope. (Every invalid field: test/issuer/admin-sandbox.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { assertMatchesSchema } from '../../../support/contract.js';
import { ENGINES } from '../../../support/engines.js';
import { useIssuerServer } from '../../../support/fixture.js';
import { request } from '../../../support/http.js';
import { createAccount, EXPIRY, expectAdminError, visaPan } from '../../../support/issuer.js';

describe.each(ENGINES)('createCard on %s', (engine) => {
  const env = useIssuerServer(engine);
  const { api } = env;
  const card = (pan: string) => ({ pan, ...EXPIRY, cardholder_name: 'Jane Doe' });

  it('answers 201 with only a card_id, which the account then lists', async () => {
    const account = await createAccount(api);
    const pan = visaPan();
    const res = await api.createCard(account.accountId, card(pan));
    expect(res.status, res.text).toBe(201);
    assertMatchesSchema('admin', 'CreateCardResponse', res.body);
    expect(Object.keys(res.body)).toEqual(['card_id']);
    expect(res.text).not.toContain(pan);
    expect((await api.listTokens(account.jwt, res.body.card_id)).status).toBe(200);
  });

  it('answers 400 with body.pan for a PAN failing the Luhn check', async () => {
    const account = await createAccount(api);
    const pan = visaPan();
    const broken = pan.slice(0, -1) + String((Number(pan.slice(-1)) + 1) % 10);
    const res = await api.createCard(account.accountId, card(broken));
    expectAdminError(res, 400, 'invalid_request');
    expect(res.body.details).toHaveProperty(['body.pan']);
  });

  it('answers 409 for a PAN already on file, 404 for an unknown account and 401 without the admin token', async () => {
    const account = await createAccount(api);
    const pan = visaPan();
    expect((await api.createCard(account.accountId, card(pan))).status).toBe(201);
    expectAdminError(await api.createCard(account.accountId, card(pan)), 409, 'conflict');
    expectAdminError(await api.createCard(123456789, card(visaPan())), 404, 'not_found');
    const anonymous = await request(env.server.baseUrl, 'POST', `/admin/v1/accounts/${account.accountId}/cards`, { body: card(visaPan()) });
    expectAdminError(anonymous, 401, 'unauthorized');
  });
});
