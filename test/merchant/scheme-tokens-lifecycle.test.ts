/**
 * Lifecycle flowing back (issue 10 point 5, without card reissue): when the issuer suspends, resumes or deletes a
 * merchant's card-on-file token (token or card-level operation), or a wallet / cardholder event changes it, the
 * network notifies the token requestor and the merchant's `scheme_token.status` follows, audited and evented on
 * the merchant side as the issuer side audits its own. Real HTTP, both engines, both simulator deployments.
 */
import { describe, expect, it } from 'vitest';
import type { PaymentNetwork } from '../../src/network/types.js';
import type { TestServer } from '../support/app.js';
import { assertMatchesSchema } from '../support/contract.js';
import { ENGINES } from '../support/engines.js';
import { useIssuerServer, useMerchant } from '../support/fixture.js';
import { request } from '../support/http.js';
import { auditRowsOf, createAccount, createCard, DEPLOYMENTS, EXPIRY, NETWORKS, type IssuerServer, type TestAccount } from '../support/issuer.js';
import { tokenize, type TestMerchant } from '../support/merchant.js';

const get = (server: TestServer, merchant: TestMerchant, id: string) => request(server.baseUrl, 'GET', `/oidc/api/v2/card/${id}`, { basic: merchant.basic });

interface Provisioned {
  id: string;
  account: TestAccount;
  cardId: number;
  issuerTokenId: string;
}

async function merchantRecords(server: TestServer, action: string): Promise<{ audits: number; events: number }> {
  const db = server.app.core.store.db;
  const audits = await db.selectFrom('audit_log').select('id').where('action', '=', action).where('object_type', '=', 'scheme_token').execute();
  const events = await db.selectFrom('events').select('id').where('type', '=', action).execute();
  return { audits: audits.length, events: events.length };
}

describe.each(ENGINES)('scheme token lifecycle from the issuer side on %s', (engine) => {
  describe.each(DEPLOYMENTS)('network %s', (deployment) => {
    const issuer: IssuerServer = useIssuerServer(engine, { deployment });
    const server = issuer.server;
    const merchant = useMerchant(server, { network_tokens: true });

    async function provisioned(network: PaymentNetwork): Promise<Provisioned> {
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
      return { id, account, cardId: issued.cardId, issuerTokenId: list.body.tokens[0].token_id };
    }

    async function merchantStatus(p: Provisioned): Promise<string> {
      const read = await get(server, merchant, p.id);
      assertMatchesSchema('verifone', 'TokenResponse', read.body);
      return read.body.scheme_token.status;
    }

    describe.each(NETWORKS)('on %s', (network) => {
      it('issuer SUSPEND → SUSPENDED, RESUME → VALID, DELETE → DELETED at the merchant, audited and evented there', async () => {
        const p = await provisioned(network);
        const before = await merchantRecords(server, 'merchant.scheme_token.network_update');
        const op = (operation_type: string) =>
          issuer.api.operate(p.account.jwt, p.cardId, p.issuerTokenId, { operation_type, operation_reason: 'issuer decision' });
        expect((await op('SUSPEND')).status).toBe(200);
        expect(await merchantStatus(p)).toBe('SUSPENDED');
        expect((await op('RESUME')).status).toBe(200);
        expect(await merchantStatus(p)).toBe('VALID');
        expect((await op('DELETE')).status).toBe(200);
        expect(await merchantStatus(p)).toBe('DELETED');
        const after = await merchantRecords(server, 'merchant.scheme_token.network_update');
        expect(after.audits - before.audits).toBe(3);
        expect(after.events - before.events).toBe(3);
        // The issuer side audited its own operations on the same token.
        const issuerActions = (await auditRowsOf(server, p.issuerTokenId)).map((row) => row.action);
        expect(issuerActions).toEqual(expect.arrayContaining(['token.suspend', 'token.resume', 'token.delete']));
      });

      it('a card-level SUSPEND reaches the merchant', async () => {
        const p = await provisioned(network);
        const op = await issuer.api.operateCard(p.account.jwt, p.cardId, { operation_type: 'SUSPEND', operation_reason: 'card lost' });
        expect(op.status, op.text).toBe(200);
        expect(await merchantStatus(p)).toBe('SUSPENDED');
      });

      it('wallet / cardholder events reach the merchant', async () => {
        const p = await provisioned(network);
        expect((await issuer.api.walletEvent({ token_id: p.issuerTokenId, event: 'SUSPEND', entity: 'CARDHOLDER' })).status).toBe(200);
        expect(await merchantStatus(p)).toBe('SUSPENDED');
        expect((await issuer.api.walletEvent({ token_id: p.issuerTokenId, event: 'RESUME', entity: 'CARDHOLDER' })).status).toBe(200);
        expect(await merchantStatus(p)).toBe('VALID');
        expect((await issuer.api.walletEvent({ token_id: p.issuerTokenId, event: 'DELETE' })).status).toBe(200);
        expect(await merchantStatus(p)).toBe('DELETED');
      });
    });
  });
});
