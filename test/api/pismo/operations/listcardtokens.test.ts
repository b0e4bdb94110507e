/**
 * listcardtokens, `GET /cards-tokenization/v1/cards/{cardId}/network-tokens`: the card's tokens as the GET of each
 * shows them; 401, 404 and 400 in the Pismo envelope `{error_code, message}`.
 */
import { describe, expect, it } from 'vitest';
import { assertMatchesSchema } from '../../../support/contract.js';
import { ENGINES } from '../../../support/engines.js';
import { useIssuerServer } from '../../../support/fixture.js';
import { bootstrapIssuer, createAccount, createCard, expectPismoError, getToken, provisionToken } from '../../../support/issuer.js';

describe.each(ENGINES)('listcardtokens on %s', (engine) => {
  const { api } = useIssuerServer(engine);

  it("lists a card's tokens as {tokens:[…]} (TokenList), each as the GET shows it", async () => {
    const account = await createAccount(api);
    const card = await createCard(api, account, 'vts');
    const other = await createCard(api, account, 'vts');
    const empty = await api.listTokens(account.jwt, card.cardId);
    expect(empty.status, empty.text).toBe(200);
    expect(empty.body).toEqual({ tokens: [] });
    assertMatchesSchema('pismo', 'TokenList', empty.body);

    const a = await provisionToken(api, account, card, { wallet: 'APPLE_PAY' });
    const b = await provisionToken(api, account, card, { wallet: 'GOOGLE_PAY', decision: 'YELLOW' });
    await provisionToken(api, account, other);
    const list = await api.listTokens(account.jwt, card.cardId);
    expect(list.status, list.text).toBe(200);
    assertMatchesSchema('pismo', 'TokenList', list.body);
    expect(Object.keys(list.body)).toEqual(['tokens']);
    expect(list.body.tokens).toHaveLength(2);
    const byId = Object.fromEntries(list.body.tokens.map((t: any) => [t.token_id, t]));
    expect(byId[a.tokenId]).toEqual(await getToken(api, a));
    expect(byId[b.tokenId]).toEqual(await getToken(api, b));
    expect(list.text).not.toContain(card.pan);
  });

  it('answers 401 ERR9786 without an account token or with a forged one', async () => {
    const token = await bootstrapIssuer(api, 'vts');
    expectPismoError(await api.issuer(undefined, 'GET', `/v1/cards/${token.card.cardId}/network-tokens`), 401, 'ERR9786', 'Access token is missing or invalid');
    expectPismoError(await api.listTokens(`${token.account.jwt}x`, token.card.cardId), 401, 'ERR9786');
  });

  it("answers 404 ERR4090 for an unknown card and for another account's card", async () => {
    const token = await bootstrapIssuer(api, 'vts');
    const stranger = await createAccount(api);
    expectPismoError(await api.listTokens(token.account.jwt, 12345678), 404, 'ERR4090', 'Card not found');
    expectPismoError(await api.listTokens(stranger.jwt, token.card.cardId), 404, 'ERR4090', 'Card not found');
  });

  it('answers 400 ERR4000 for a malformed card id', async () => {
    const token = await bootstrapIssuer(api, 'vts');
    expectPismoError(await api.issuer(token.account.jwt, 'GET', '/v1/cards/x1/network-tokens'), 400, 'ERR4000');
  });
});
