/**
 * Merchant scheme tokens, provisioning and answers (issue 10 points 2 and 3), over real HTTP, on both engines and
 * both simulator deployments: PATCH `scheme_token_action: ACTIVATE` asks the card's network for a card-on-file
 * token, the network asks the card's issuer (a Tessera issuer account, or the simulated external issuer), and the
 * answer shows `scheme_token` as the merchant may see it (requestor id present / absent × `par` on / off). Declines,
 * unsupported brands, network faults (no half-made token, settled by the reconciler) and concurrent ACTIVATEs.
 */
import { describe, expect, it } from 'vitest';
import { detectBrand } from '../../src/cards/brand.js';
import { isLuhnValid } from '../../src/cards/luhn.js';
import { EXTERNAL_DECLINE_PANS, EXTERNAL_FAILURE_PANS } from '../../src/network/simulator/external-issuer.js';
import type { PaymentNetwork } from '../../src/network/types.js';
import type { TestServer } from '../support/app.js';
import { assertMatchesSchema } from '../support/contract.js';
import { ENGINES } from '../support/engines.js';
import { useIssuerServer, useMerchant } from '../support/fixture.js';
import { request } from '../support/http.js';
import { createAccount, createCard, DEPLOYMENTS, EXPIRY, NETWORKS, SHORT_TIMEOUT_ENV, type IssuerServer } from '../support/issuer.js';
import { tokenize, type TestMerchant } from '../support/merchant.js';
import { makePan } from './helpers.js';

const BRAND: Record<PaymentNetwork, string> = { vts: 'VISA', mdes: 'MASTERCARD' };
const card = (cardNumber: string) => ({ cardNumber, expiryMonth: EXPIRY.expiry_month, expiryYear: EXPIRY.expiry_year, cvv: '123', cardholderName: 'Jane Doe' });

async function registerRequestor(server: TestServer, merchant: TestMerchant, network: PaymentNetwork): Promise<string> {
  const res = await request(server.baseUrl, 'POST', `/admin/v1/merchants/${merchant.merchantId}/token-requestors`, {
    bearer: server.adminToken,
    body: { network },
  });
  expect(res.status, res.text).toBe(201);
  return res.body.token_requestor_id;
}

async function reuseToken(server: TestServer, merchant: TestMerchant, pan: string): Promise<string> {
  // Amex cards have a 4-digit CVV.
  const put = await tokenize(server, merchant, { ...card(pan), ...(detectBrand(pan) === 'AMEX' ? { cvv: '1234' } : {}) });
  expect(put.status, put.text).toBe(200);
  return put.body.reuse_token;
}

const patch = (server: TestServer, merchant: TestMerchant, id: string, body: unknown) =>
  request(server.baseUrl, 'PATCH', `/oidc/api/v2/card/${id}`, { basic: merchant.basic, body });
const get = (server: TestServer, merchant: TestMerchant, id: string) => request(server.baseUrl, 'GET', `/oidc/api/v2/card/${id}`, { basic: merchant.basic });

/** ACTIVATE, checked against the contract on PATCH and GET; the scheme token of both answers (they must agree). */
async function activate(server: TestServer, merchant: TestMerchant, id: string) {
  const res = await patch(server, merchant, id, { scheme_token_action: 'ACTIVATE' });
  expect(res.status, res.text).toBe(200);
  assertMatchesSchema('verifone', 'PatchTokenResponse', res.body);
  const read = await get(server, merchant, id);
  assertMatchesSchema('verifone', 'TokenResponse', read.body);
  expect(read.body.scheme_token).toEqual(res.body.scheme_token);
  return res.body.scheme_token as Record<string, unknown>;
}

function expectBadAction(res: { status: number; body: any; text: string }, message?: RegExp) {
  expect(res.status, res.text).toBe(400);
  expect(Object.keys(res.body.details)).toEqual(['body.scheme_token_action']);
  if (message) expect(res.body.details['body.scheme_token_action'].message).toMatch(message);
}

/** The issuer's tokens of a card (Pismo list), each checked against the contract. */
async function issuerTokens(issuer: IssuerServer, jwt: string, cardId: number): Promise<any[]> {
  const list = await issuer.api.listTokens(jwt, cardId);
  expect(list.status, list.text).toBe(200);
  for (const token of list.body.tokens) assertMatchesSchema('pismo', 'TokenInfoCardTokenResponse', token);
  return list.body.tokens;
}

describe.each(ENGINES)('merchant scheme tokens on %s', (engine) => {
  describe.each(DEPLOYMENTS)('network %s', (deployment) => {
    const issuer = useIssuerServer(engine, { deployment, env: SHORT_TIMEOUT_ENV });
    const server = issuer.server;
    const requestorWithPar = useMerchant(server, { network_tokens: true, par: true });
    const requestorNoPar = useMerchant(server, { network_tokens: true });
    const notRequestor = useMerchant(server, { network_tokens: true, par: true });
    const noNetworkTokens = useMerchant(server, { par: true });

    describe.each(NETWORKS)('on %s', (network) => {
      it('a Tessera-issued card: the issuer decides, the token shows in its API with the merchant as requestor, the merchant sees number, expiry and PAR', async () => {
        const trId = await registerRequestor(server, requestorWithPar, network).catch(async () => {
          const list = await request(server.baseUrl, 'GET', `/admin/v1/merchants/${requestorWithPar.merchantId}/token-requestors`, {
            bearer: server.adminToken,
          });
          return list.body.token_requestors.find((r: { network: string }) => r.network === network).token_requestor_id as string;
        });
        const account = await createAccount(issuer.api);
        const issued = await createCard(issuer.api, account, network);
        const id = await reuseToken(server, requestorWithPar, issued.pan);
        const scheme = await activate(server, requestorWithPar, id);

        expect(scheme.status).toBe('VALID');
        const number = scheme.network_token as string;
        expect(number).toMatch(/^[0-9]{12,16}$/);
        expect(isLuhnValid(number)).toBe(true);
        expect(detectBrand(number)).toBe(BRAND[network]);
        expect(number).not.toBe(issued.pan);
        expect(scheme.expiry_month).toEqual(expect.any(Number));
        expect(scheme.expiry_year).toBeGreaterThanOrEqual(new Date().getUTCFullYear());
        expect(scheme.payment_account_reference).toMatch(/^[0-9A-Z]{29}$/);

        const tokens = await issuerTokens(issuer, account.jwt, issued.cardId);
        expect(tokens).toHaveLength(1);
        const [token] = tokens;
        expect(token.status).toBe('ACTIVE');
        const data = JSON.stringify(token.network_data);
        // The merchant's token requestor id and name, the card-on-file kind, the same PAR as the merchant's; never the number.
        expect(data).toContain(trId);
        expect(data).toContain('Test merchant');
        expect(data).toMatch(/CARD_ON_FILE|ACCOUNT_ON_FILE/);
        expect(data).toContain(scheme.payment_account_reference as string);
        expect(data).not.toContain(number);
        const single = await issuer.api.getToken(account.jwt, issued.cardId, token.token_id);
        assertMatchesSchema('pismo', 'TokenInfoCardTokenResponse', single.body);
        expect(single.body.network_data).toEqual(token.network_data);

        // ACTIVATE on a valid scheme token changes nothing: the same network token.
        expect(await activate(server, requestorWithPar, id)).toEqual(scheme);
        expect(await issuerTokens(issuer, account.jwt, issued.cardId)).toHaveLength(1);
      });

      it('a merchant with a requestor id but no par in the scope sees number and expiry, no PAR', async () => {
        await registerRequestor(server, requestorNoPar, network);
        const id = await reuseToken(server, requestorNoPar, makePan(network === 'vts' ? '4' : '52'));
        const scheme = await activate(server, requestorNoPar, id);
        expect(Object.keys(scheme).sort()).toEqual(['expiry_month', 'expiry_year', 'network_token', 'status']);
      });

      it('a merchant that is no token requestor on the network sees only the status', async () => {
        const id = await reuseToken(server, notRequestor, makePan(network === 'vts' ? '4' : '52'));
        expect(await activate(server, notRequestor, id)).toEqual({ status: 'VALID' });
      });

      it("an external issuer's test cards decline (400 body.scheme_token_action) or fail (500); neither leaves a scheme token", async () => {
        const declined = await reuseToken(server, notRequestor, EXTERNAL_DECLINE_PANS.find((p) => detectBrand(p) === BRAND[network])!);
        expectBadAction(await patch(server, notRequestor, declined, { scheme_token_action: 'ACTIVATE' }), /declined/);
        expect((await get(server, notRequestor, declined)).body.scheme_token).toBeUndefined();

        const failing = await reuseToken(server, notRequestor, EXTERNAL_FAILURE_PANS.find((p) => detectBrand(p) === BRAND[network])!);
        const failed = await patch(server, notRequestor, failing, { scheme_token_action: 'ACTIVATE' });
        expect(failed.status, failed.text).toBe(500);
        assertMatchesSchema('verifone', 'InternalErrorV2Docs', failed.body);
        expect((await get(server, notRequestor, failing)).body.scheme_token).toBeUndefined();
        // Settled: the network answered nothing made, and the pending token is gone for good.
        await server.app.core.schemeTokens.reconcile({ graceMs: 0 });
        expect((await get(server, notRequestor, failing)).body.scheme_token).toBeUndefined();
      });

      it('a Tessera issuer declining (expiry differs: a step-up a card on file cannot do) answers 400 on the action', async () => {
        const account = await createAccount(issuer.api);
        const issued = await createCard(issuer.api, account, network);
        // The merchant's stored expiry differs from the issuer's: the issuer asks for a step-up, which a card on file cannot do.
        const put = await tokenize(server, notRequestor, { ...card(issued.pan), expiryYear: EXPIRY.expiry_year + 1 });
        expectBadAction(await patch(server, notRequestor, put.body.reuse_token, { scheme_token_action: 'ACTIVATE' }), /declined by issuer/);
        expect(await issuerTokens(issuer, account.jwt, issued.cardId)).toEqual([]);
      });

      it('a network error answers 500 and makes nothing; ACTIVATE again succeeds', async () => {
        const id = await reuseToken(server, notRequestor, makePan(network === 'vts' ? '4' : '52'));
        expect((await issuer.api.fault({ network, mode: 'error_500', operation: 'provision' })).status).toBe(204);
        const failed = await patch(server, notRequestor, id, { scheme_token_action: 'ACTIVATE' });
        expect(failed.status, failed.text).toBe(500);
        expect((await get(server, notRequestor, id)).body.scheme_token).toBeUndefined();
        expect(await activate(server, notRequestor, id)).toEqual({ status: 'VALID' });
      });

      it('a lost answer: 500, no scheme token shown until the reconciler adopts the one the network made (one token at the issuer)', async () => {
        await registerRequestor(server, requestorWithPar, network).catch(() => undefined);
        const account = await createAccount(issuer.api);
        const issued = await createCard(issuer.api, account, network);
        const id = await reuseToken(server, requestorWithPar, issued.pan);
        expect((await issuer.api.fault({ network, mode: 'lost_answer', operation: 'provision' })).status).toBe(204);
        const lost = await patch(server, requestorWithPar, id, { scheme_token_action: 'ACTIVATE' });
        expect(lost.status, lost.text).toBe(500);
        expect((await get(server, requestorWithPar, id)).body.scheme_token).toBeUndefined();
        const report = await server.app.core.schemeTokens.reconcile({ graceMs: 0 });
        expect(report.settled).toBeGreaterThanOrEqual(1);
        const read = await get(server, requestorWithPar, id);
        assertMatchesSchema('verifone', 'TokenResponse', read.body);
        expect(read.body.scheme_token.status).toBe('VALID');
        expect(await issuerTokens(issuer, account.jwt, issued.cardId)).toHaveLength(1);
      });

      it('concurrent ACTIVATEs give one network token', async () => {
        await registerRequestor(server, requestorWithPar, network).catch(() => undefined);
        const account = await createAccount(issuer.api);
        const issued = await createCard(issuer.api, account, network);
        const id = await reuseToken(server, requestorWithPar, issued.pan);
        const answers = await Promise.all(Array.from({ length: 5 }, () => patch(server, requestorWithPar, id, { scheme_token_action: 'ACTIVATE' })));
        for (const answer of answers) expect(answer.status, answer.text).toBe(200);
        expect(new Set(answers.map((a) => a.body.scheme_token.network_token)).size).toBe(1);
        expect(await issuerTokens(issuer, account.jwt, issued.cardId)).toHaveLength(1);
      });
    });

    it('other brands and scopes without network tokens are refused on the action', async () => {
      const amex = await reuseToken(server, notRequestor, makePan('34', 15));
      expectBadAction(await patch(server, notRequestor, amex, { scheme_token_action: 'ACTIVATE' }), /Visa .* Mastercard/);
      const plain = await reuseToken(server, noNetworkTokens, makePan('4'));
      expectBadAction(await patch(server, noNetworkTokens, plain, { scheme_token_action: 'ACTIVATE' }), /does not enable network tokens/);
      expect((await get(server, noNetworkTokens, plain)).body.scheme_token).toBeUndefined();
    });
  });
});
