/**
 * Managing merchant scheme tokens (issue 10 point 4), over real HTTP, both engines, both simulator deployments:
 * SUSPEND → SUSPENDED, ACTIVATE of a suspended one → VALID, DELETE → DELETED, each through the network and so
 * visible in the issuer's API; illegal transitions are 400 naming `body.scheme_token_action`; deleting the reuse
 * token deletes its scheme token first; a network failure changes nothing and a retry finishes.
 */
import { describe, expect, it } from 'vitest';
import type { PaymentNetwork } from '../../src/network/types.js';
import type { TestServer } from '../support/app.js';
import { assertMatchesSchema } from '../support/contract.js';
import { ENGINES } from '../support/engines.js';
import { useIssuerServer, useMerchant } from '../support/fixture.js';
import { request } from '../support/http.js';
import { createAccount, createCard, DEPLOYMENTS, EXPIRY, NETWORKS, SHORT_TIMEOUT_ENV, type IssuerServer, type TestAccount } from '../support/issuer.js';
import { tokenize, type TestMerchant } from '../support/merchant.js';

const patch = (server: TestServer, merchant: TestMerchant, id: string, body: unknown) =>
  request(server.baseUrl, 'PATCH', `/oidc/api/v2/card/${id}`, { basic: merchant.basic, body });
const get = (server: TestServer, merchant: TestMerchant, id: string) => request(server.baseUrl, 'GET', `/oidc/api/v2/card/${id}`, { basic: merchant.basic });

function expectBadAction(res: { status: number; body: any; text: string }, message: RegExp) {
  expect(res.status, res.text).toBe(400);
  expect(Object.keys(res.body.details)).toEqual(['body.scheme_token_action']);
  expect(res.body.details['body.scheme_token_action'].message).toMatch(message);
}

interface Provisioned {
  id: string;
  account: TestAccount;
  cardId: number;
  issuerTokenId: string;
}

describe.each(ENGINES)('managing merchant scheme tokens on %s', (engine) => {
  describe.each(DEPLOYMENTS)('network %s', (deployment) => {
    const issuer: IssuerServer = useIssuerServer(engine, { deployment, env: SHORT_TIMEOUT_ENV });
    const server = issuer.server;
    const merchant = useMerchant(server, { network_tokens: true, par: true });

    /** A Tessera-issued card, tokenized by the merchant, with a VALID scheme token; its token at the issuer. */
    async function provisioned(network: PaymentNetwork): Promise<Provisioned> {
      // The merchant is its own token requestor on the network (a second registration answers 409: already one).
      const tr = await request(server.baseUrl, 'POST', `/admin/v1/merchants/${merchant.merchantId}/token-requestors`, {
        bearer: server.adminToken,
        body: { network },
      });
      expect([201, 409]).toContain(tr.status);
      const account = await createAccount(issuer.api);
      const issued = await createCard(issuer.api, account, network);
      const put = await tokenize(server, merchant, {
        cardNumber: issued.pan,
        expiryMonth: EXPIRY.expiry_month,
        expiryYear: EXPIRY.expiry_year,
        cvv: '123',
        cardholderName: 'Jane Doe',
      });
      expect(put.status, put.text).toBe(200);
      const id = put.body.reuse_token as string;
      const activated = await patch(server, merchant, id, { scheme_token_action: 'ACTIVATE' });
      expect(activated.status, activated.text).toBe(200);
      const list = await issuer.api.listTokens(account.jwt, issued.cardId);
      expect(list.body.tokens).toHaveLength(1);
      return { id, account, cardId: issued.cardId, issuerTokenId: list.body.tokens[0].token_id };
    }

    async function act(p: Provisioned, action: string, expected: string, issuerStatus: string) {
      const res = await patch(server, merchant, p.id, { scheme_token_action: action });
      expect(res.status, res.text).toBe(200);
      assertMatchesSchema('verifone', 'PatchTokenResponse', res.body);
      expect(res.body.scheme_token.status).toBe(expected);
      const read = await get(server, merchant, p.id);
      assertMatchesSchema('verifone', 'TokenResponse', read.body);
      expect(read.body.scheme_token.status).toBe(expected);
      const seen = await issuer.api.getToken(p.account.jwt, p.cardId, p.issuerTokenId);
      expect(seen.body.status).toBe(issuerStatus);
    }

    describe.each(NETWORKS)('on %s', (network) => {
      it('VALID → SUSPEND → SUSPENDED → ACTIVATE → VALID → DELETE → DELETED, the issuer seeing each; repeats are no-ops, DELETED is final', async () => {
        const p = await provisioned(network);
        await act(p, 'SUSPEND', 'SUSPENDED', 'SUSPENDED');
        await act(p, 'SUSPEND', 'SUSPENDED', 'SUSPENDED');
        await act(p, 'ACTIVATE', 'VALID', 'ACTIVE');
        await act(p, 'DELETE', 'DELETED', 'DEACTIVATED');
        await act(p, 'DELETE', 'DELETED', 'DEACTIVATED');
        expectBadAction(await patch(server, merchant, p.id, { scheme_token_action: 'ACTIVATE' }), /deleted/);
        expectBadAction(await patch(server, merchant, p.id, { scheme_token_action: 'SUSPEND' }), /deleted/);
        // A deleted scheme token shows its status, never its number.
        const deleted = (await get(server, merchant, p.id)).body.scheme_token;
        expect(deleted.status).toBe('DELETED');
        expect(deleted.network_token).toBeUndefined();
      });

      it('SUSPEND or DELETE without a scheme token → 400 on the action', async () => {
        const put = await tokenize(server, merchant, {
          cardNumber: network === 'vts' ? '4242424242424242' : '5105105105105100',
          expiryMonth: 12,
          expiryYear: 2030,
          cvv: '123',
          cardholderName: 'J',
        });
        for (const action of ['SUSPEND', 'DELETE']) {
          expectBadAction(await patch(server, merchant, put.body.reuse_token, { scheme_token_action: action }), /no scheme token/);
        }
      });

      it('ACTIVATE cannot lift a suspension the issuer made (the network refuses): 400, still SUSPENDED', async () => {
        const p = await provisioned(network);
        const op = await issuer.api.operate(p.account.jwt, p.cardId, p.issuerTokenId, { operation_type: 'SUSPEND', operation_reason: 'fraud check' });
        expect(op.status, op.text).toBe(200);
        // The network told the merchant side (lifecycle flowing back): already SUSPENDED, by the issuer only.
        expect((await get(server, merchant, p.id)).body.scheme_token.status).toBe('SUSPENDED');
        expectBadAction(await patch(server, merchant, p.id, { scheme_token_action: 'ACTIVATE' }), /refused/);
        expect((await get(server, merchant, p.id)).body.scheme_token.status).toBe('SUSPENDED');
        expect((await issuer.api.getToken(p.account.jwt, p.cardId, p.issuerTokenId)).body.status).toBe('SUSPENDED');
      });

      it("the merchant lifting its own suspension leaves the issuer's in force", async () => {
        const p = await provisioned(network);
        await act(p, 'SUSPEND', 'SUSPENDED', 'SUSPENDED');
        const op = await issuer.api.operate(p.account.jwt, p.cardId, p.issuerTokenId, { operation_type: 'SUSPEND', operation_reason: 'fraud check' });
        expect(op.status, op.text).toBe(200);
        const resumed = await patch(server, merchant, p.id, { scheme_token_action: 'ACTIVATE' });
        expect(resumed.status, resumed.text).toBe(200);
        expect(resumed.body.scheme_token.status).toBe('SUSPENDED');
        expect((await issuer.api.getToken(p.account.jwt, p.cardId, p.issuerTokenId)).body.status).toBe('SUSPENDED');
      });

      it('deleting the reuse token deletes its scheme token at the network first', async () => {
        const p = await provisioned(network);
        const removed = await request(server.baseUrl, 'DELETE', `/oidc/api/v2/card/${p.id}`, { basic: merchant.basic });
        expect(removed.status, removed.text).toBe(204);
        expect((await issuer.api.getToken(p.account.jwt, p.cardId, p.issuerTokenId)).body.status).toBe('DEACTIVATED');
        expect((await get(server, merchant, p.id)).body.token_status).toBe('DELETED');
      });

      it('a network failure on SUSPEND answers 500 and changes nothing; the retry suspends', async () => {
        const p = await provisioned(network);
        expect((await issuer.api.fault({ network, mode: 'error_500', operation: 'lifecycle' })).status).toBe(204);
        const failed = await patch(server, merchant, p.id, { scheme_token_action: 'SUSPEND' });
        expect(failed.status, failed.text).toBe(500);
        expect((await get(server, merchant, p.id)).body.scheme_token.status).toBe('VALID');
        expect((await issuer.api.getToken(p.account.jwt, p.cardId, p.issuerTokenId)).body.status).toBe('ACTIVE');
        await act(p, 'SUSPEND', 'SUSPENDED', 'SUSPENDED');
      });

      it('a lost answer on DELETE: the reconciler adopts what the network did', async () => {
        const p = await provisioned(network);
        expect((await issuer.api.fault({ network, mode: 'lost_answer', operation: 'lifecycle' })).status).toBe(204);
        expect((await patch(server, merchant, p.id, { scheme_token_action: 'DELETE' })).status).toBe(500);
        await server.app.core.schemeTokens.reconcile({ graceMs: 0 });
        expect((await get(server, merchant, p.id)).body.scheme_token.status).toBe('DELETED');
      });
    });
  });
});
