/**
 * Paying with a scheme token (issue 10 point 6): `POST /oidc/api/v2/card/{id}/cryptogram` (Tessera extension)
 * gives the network token, its expiry, a single-use cryptogram and the ECI; `POST /sandbox/v1/authorizations`
 * (the network, as the merchant's acquirer would reach it) approves it only when genuine, fresh, unused and bound
 * to this token, requestor and amount. The issuer side sees the authorization on its token. Real HTTP, both
 * engines, both simulator deployments, every answer checked against its document's schemas.
 */
import { describe, expect, it } from 'vitest';
import type { PaymentNetwork } from '../../src/network/types.js';
import type { TestServer } from '../support/app.js';
import { assertMatchesSchema } from '../support/contract.js';
import { ENGINES } from '../support/engines.js';
import { useIssuerServer, useMerchant } from '../support/fixture.js';
import { request } from '../support/http.js';
import { auditRowsOf, createAccount, createCard, DEPLOYMENTS, EXPIRY, eventsOf, mutableClock, NETWORKS, type IssuerServer } from '../support/issuer.js';
import { tokenize, type TestMerchant } from '../support/merchant.js';

const ECI: Record<PaymentNetwork, string> = { vts: '05', mdes: '02' };

interface Paying {
  id: string;
  requestorId: string;
  issuerTokenId: string;
  account: Awaited<ReturnType<typeof createAccount>>;
  cardId: number;
}

function cryptogramOf(server: TestServer, merchant: TestMerchant, id: string, body?: unknown) {
  return request(server.baseUrl, 'POST', `/oidc/api/v2/card/${id}/cryptogram`, { basic: merchant.basic, ...(body !== undefined ? { body } : {}) });
}

function authorize(server: TestServer, body: Record<string, unknown>) {
  return request(server.baseUrl, 'POST', '/sandbox/v1/authorizations', { bearer: server.adminToken, body });
}

/** A cryptogram answer, checked against the extension's schema, as the authorization body it leads to. */
async function payWith(server: TestServer, merchant: TestMerchant, p: Paying, amount = 1250, currency = 'EUR') {
  const res = await cryptogramOf(server, merchant, p.id, { amount, currency });
  expect(res.status, res.text).toBe(200);
  assertMatchesSchema('cryptogram', 'CryptogramResponse', res.body);
  expect(res.body.cryptogram).toHaveLength(28);
  expect(Buffer.from(res.body.cryptogram, 'base64')).toHaveLength(20);
  return {
    network_token: res.body.network_token,
    expiry_month: res.body.expiry_month,
    expiry_year: res.body.expiry_year,
    cryptogram: res.body.cryptogram,
    eci: res.body.eci,
    amount,
    currency,
    token_requestor_id: p.requestorId,
  };
}

async function expectAnswer(server: TestServer, body: Record<string, unknown>, approved: boolean, reason?: string) {
  const res = await authorize(server, body);
  expect(res.status, res.text).toBe(200);
  assertMatchesSchema('admin', 'AuthorizationResponse', res.body);
  expect(res.body.approved).toBe(approved);
  if (reason) expect(res.body.reason).toBe(reason);
  return res.body;
}

describe.each(ENGINES)('cryptograms and authorizations on %s', (engine) => {
  describe.each(DEPLOYMENTS)('network %s', (deployment) => {
    const time = mutableClock();
    const issuer: IssuerServer = useIssuerServer(engine, { deployment, clock: time.clock });
    const server = issuer.server;
    const merchant = useMerchant(server, { network_tokens: true });
    const requestors = new Map<PaymentNetwork, string>();

    async function requestorOf(network: PaymentNetwork): Promise<string> {
      const known = requestors.get(network);
      if (known) return known;
      const res = await request(server.baseUrl, 'POST', `/admin/v1/merchants/${merchant.merchantId}/token-requestors`, {
        bearer: server.adminToken,
        body: { network },
      });
      expect(res.status, res.text).toBe(201);
      requestors.set(network, res.body.token_requestor_id);
      return res.body.token_requestor_id;
    }

    async function paying(network: PaymentNetwork): Promise<Paying> {
      const requestorId = await requestorOf(network);
      const account = await createAccount(issuer.api);
      const issued = await createCard(issuer.api, account, network);
      const put = await tokenize(server, merchant, {
        cardNumber: issued.pan,
        expiryMonth: EXPIRY.expiry_month,
        expiryYear: EXPIRY.expiry_year,
        cvv: '123',
        cardholderName: 'J',
      });
      expect(put.status, put.text).toBe(200);
      const id = put.body.reuse_token as string;
      const res = await request(server.baseUrl, 'PATCH', `/oidc/api/v2/card/${id}`, { basic: merchant.basic, body: { scheme_token_action: 'ACTIVATE' } });
      expect(res.status, res.text).toBe(200);
      const list = await issuer.api.listTokens(account.jwt, issued.cardId);
      return { id, requestorId, issuerTokenId: list.body.tokens[0].token_id, account, cardId: issued.cardId };
    }

    describe.each(NETWORKS)('on %s', (network) => {
      it('a cryptogram is approved once; the same one again declines cryptogram_used; the issuer sees both', async () => {
        const p = await paying(network);
        const body = await payWith(server, merchant, p);
        expect(body.eci).toBe(ECI[network]);
        const approved = await expectAnswer(server, body, true);
        expect(approved.network).toBe(network);
        expect(typeof approved.authorization_id).toBe('string');
        await expectAnswer(server, body, false, 'cryptogram_used');
        const audits = (await auditRowsOf(server, p.issuerTokenId)).filter((row) => row.action === 'token.authorization');
        expect(audits.map((row) => row.detail?.approved)).toEqual([true, false]);
        expect(audits[0]?.detail).toMatchObject({
          amount: 1250,
          currency: 'EUR',
          token_requestor_id: p.requestorId,
          authorization_id: approved.authorization_id,
        });
        const events = (await eventsOf(server, p.issuerTokenId)).filter((event) => event.type === 'token.authorization');
        expect(events).toHaveLength(2);
      });

      it('declines a wrong requestor, a wrong amount or currency, a wrong ECI, a tampered cryptogram', async () => {
        const p = await paying(network);
        const body = await payWith(server, merchant, p);
        await expectAnswer(
          server,
          { ...body, token_requestor_id: body.token_requestor_id.replace(/.$/, (d: string) => String((Number(d) + 1) % 10)) },
          false,
          'requestor_mismatch',
        );
        await expectAnswer(server, { ...body, amount: 1251 }, false, 'amount_mismatch');
        await expectAnswer(server, { ...body, currency: 'USD' }, false, 'amount_mismatch');
        await expectAnswer(server, { ...body, eci: '07' }, false, 'eci_mismatch');
        const bytes = Buffer.from(body.cryptogram, 'base64');
        bytes[19] = (bytes[19] ?? 0) ^ 0x01;
        await expectAnswer(server, { ...body, cryptogram: bytes.toString('base64') }, false, 'cryptogram_invalid');
        await expectAnswer(server, { ...body, cryptogram: 'bm90IGEgY3J5cHRvZ3JhbQ==' }, false, 'cryptogram_invalid');
        // None of those used it up.
        await expectAnswer(server, body, true);
      });

      it('a cryptogram without an amount is approved for any amount; an MIT one carries ECI 07', async () => {
        const p = await paying(network);
        const res = await cryptogramOf(server, merchant, p.id, { transaction_type: 'MIT' });
        expect(res.status, res.text).toBe(200);
        assertMatchesSchema('cryptogram', 'CryptogramResponse', res.body);
        expect(res.body.eci).toBe('07');
        const { network: _network, ...fields } = res.body;
        await expectAnswer(server, { ...fields, amount: 99, currency: 'GBP', token_requestor_id: p.requestorId }, true);
      });

      it('an expired cryptogram declines cryptogram_expired', async () => {
        const p = await paying(network);
        const body = await payWith(server, merchant, p);
        time.advanceMs(5 * 60_000 + 1_000);
        await expectAnswer(server, body, false, 'cryptogram_expired');
      });

      it('a suspended scheme token gets no cryptogram (400 on params.id); one issued before declines token_inactive', async () => {
        const p = await paying(network);
        const body = await payWith(server, merchant, p);
        const op = await issuer.api.operate(p.account.jwt, p.cardId, p.issuerTokenId, { operation_type: 'SUSPEND', operation_reason: 'fraud' });
        expect(op.status, op.text).toBe(200);
        await expectAnswer(server, body, false, 'token_inactive');
        const refused = await cryptogramOf(server, merchant, p.id);
        expect(refused.status, refused.text).toBe(400);
        assertMatchesSchema('cryptogram', 'BadRequestV2Docs', refused.body);
        expect(refused.body.details['params.id'].message).toMatch(/suspended/);
      });
    });

    it('a token without a scheme token gets no cryptogram; a bad body is a 400 naming the field; no credentials is a 401', async () => {
      const account = await createAccount(issuer.api);
      const issued = await createCard(issuer.api, account, 'vts');
      const put = await tokenize(server, merchant, {
        cardNumber: issued.pan,
        expiryMonth: EXPIRY.expiry_month,
        expiryYear: EXPIRY.expiry_year,
        cvv: '123',
        cardholderName: 'J',
      });
      const id = put.body.reuse_token as string;
      const none = await cryptogramOf(server, merchant, id);
      expect(none.status, none.text).toBe(400);
      expect(none.body.details['params.id'].message).toMatch(/no scheme token/);
      const bad = await cryptogramOf(server, merchant, id, { amount: -1, currency: 'EUR' });
      expect(bad.status, bad.text).toBe(400);
      expect(Object.keys(bad.body.details)).toEqual(['body.amount']);
      const half = await cryptogramOf(server, merchant, id, { amount: 5 });
      expect(half.status, half.text).toBe(400);
      expect(Object.keys(half.body.details)).toEqual(['body.currency']);
      const anonymous = await request(server.baseUrl, 'POST', `/oidc/api/v2/card/${id}/cryptogram`, { body: {} });
      expect(anonymous.status).toBe(401);
      const unguarded = await request(server.baseUrl, 'POST', '/sandbox/v1/authorizations', { body: {} });
      expect(unguarded.status).toBe(401);
    });
  });
});
