/**
 * Issuer bootstrap through the admin API (accounts, cards, account tokens) and the sandbox's provisioning
 * through the simulated networks (GREEN / YELLOW / RED), as an operator and a wallet would drive them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { assertMatchesSchema } from '../support/contract.js';
import { ENGINES } from '../support/engines.js';
import { request } from '../support/http.js';
import {
  EXPIRY,
  NETWORKS,
  createAccount,
  createCard,
  expectAdminError,
  makePan,
  mastercardPan,
  panFor,
  startIssuerServer,
  visaPan,
  type IssuerApi,
  type IssuerServer,
} from '../support/issuer.js';

const ORG_ID = /^TN-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe.each(ENGINES)('issuer admin and sandbox on %s', (engine) => {
  let env: IssuerServer;
  let api: IssuerApi;

  beforeAll(async () => {
    env = await startIssuerServer(engine);
    api = env.api;
  });
  afterAll(() => env.close());

  describe('accounts', () => {
    it('creates an account with a numeric account_id, a TN-<uuid> org_id and a program_id', async () => {
      const res = await api.createAccount();
      expect(res.status, res.text).toBe(201);
      assertMatchesSchema('admin', 'Account', res.body);
      expect(Number.isSafeInteger(res.body.account_id)).toBe(true);
      expect(res.body.account_id).toBeGreaterThan(0);
      expect(res.body.org_id).toMatch(ORG_ID);
      expect(res.body.program_id).toMatch(/^[0-9]{1,10}$/);
      const other = await api.createAccount();
      expect(other.body.account_id).not.toBe(res.body.account_id);
      expect(other.body.org_id).not.toBe(res.body.org_id);
    });

    it('keeps a given org_id and program_id, and refuses malformed ones with 400', async () => {
      const orgId = 'TN-542d1ef4-ed10-4be2-a4e1-4ac123456789';
      const res = await api.createAccount({ org_id: orgId, program_id: '11234' });
      expect(res.status, res.text).toBe(201);
      expect(res.body).toMatchObject({ org_id: orgId, program_id: '11234' });

      const badOrg = await api.createAccount({ org_id: 'ACME' });
      expectAdminError(badOrg, 400, 'invalid_request');
      assertMatchesSchema('admin', 'Error', badOrg.body);
      expect(badOrg.body.details).toHaveProperty(['body.org_id']);
      const badProgram = await api.createAccount({ program_id: 'x1' });
      expectAdminError(badProgram, 400, 'invalid_request');
      expect(badProgram.body.details).toHaveProperty(['body.program_id']);
    });

    it('refuses an unknown field or a body that is not an object with 400, creating nothing', async () => {
      const count = async () =>
        Number(
          (
            await env.server.app.core.store.db
              .selectFrom('accounts')
              .select((eb) => eb.fn.countAll().as('n'))
              .executeTakeFirstOrThrow()
          ).n,
        );
      const before = await count();
      for (const body of [{ bogus: 1 }, { org_id: 'TN-542d1ef4-ed10-4be2-a4e1-4ac123456789', programme: '1' }, [1], 'x']) {
        const res = await api.createAccount(body as never);
        expectAdminError(res, 400, 'invalid_request');
        assertMatchesSchema('admin', 'Error', res.body);
      }
      expect(await count()).toBe(before);
    });
  });

  describe('cards', () => {
    it('creates a Visa and a Mastercard card, answering only a card_id (no card data)', async () => {
      const account = await createAccount(api);
      for (const pan of [visaPan(), mastercardPan()]) {
        const res = await api.createCard(account.accountId, { pan, ...EXPIRY, cardholder_name: 'Jane Doe' });
        expect(res.status, res.text).toBe(201);
        assertMatchesSchema('admin', 'CreateCardResponse', res.body);
        expect(Object.keys(res.body)).toEqual(['card_id']);
        expect(res.text).not.toContain(pan);
      }
    });

    const invalid: [string, Record<string, unknown>, string][] = [
      ['a PAN failing Luhn', { pan: '4895370012003479' }, 'body.pan'],
      ['a PAN too short', { pan: '48953700120' }, 'body.pan'],
      ['a PAN too long', { pan: '48953700120034780000' }, 'body.pan'],
      ['a PAN with letters', { pan: '4895370O12003478' }, 'body.pan'],
      ['a PAN as a number', { pan: 4895370012003478 }, 'body.pan'],
      ['an expired card', { expiry_month: 1, expiry_year: 2020 }, 'body.expiry_year'],
      ['a month 13', { expiry_month: 13 }, 'body.expiry_month'],
      ['an empty cardholder name', { cardholder_name: '' }, 'body.cardholder_name'],
      ['a blank cardholder name', { cardholder_name: '   ' }, 'body.cardholder_name'],
      ['an unknown field', { cvv: '123' }, 'body.cvv'],
    ];
    it.each(invalid)('refuses %s with 400 in the admin envelope', async (_label, override, field) => {
      const account = await createAccount(api);
      const res = await api.createCard(account.accountId, { pan: visaPan(), ...EXPIRY, cardholder_name: 'Jane Doe', ...override });
      expectAdminError(res, 400, 'invalid_request');
      assertMatchesSchema('admin', 'Error', res.body);
      expect(Object.keys(res.body.details)).toContain(field);
      if (typeof override.pan === 'string') expect(res.text).not.toContain(override.pan);
    });

    it('refuses a PAN already on file with 409, in the same or another account', async () => {
      const a = await createAccount(api);
      const b = await createAccount(api);
      const pan = visaPan();
      expect((await api.createCard(a.accountId, { pan, ...EXPIRY, cardholder_name: 'Jane Doe' })).status).toBe(201);
      for (const account of [a, b]) {
        const dup = await api.createCard(account.accountId, { pan, ...EXPIRY, cardholder_name: 'John Doe' });
        expectAdminError(dup, 409, 'conflict');
        expect(dup.text).not.toContain(pan);
      }
    });

    it('answers 404 for a card of an unknown account', async () => {
      const res = await api.createCard(999_999_999, { pan: visaPan(), ...EXPIRY, cardholder_name: 'Jane Doe' });
      expectAdminError(res, 404, 'not_found');
    });
  });

  describe('account tokens', () => {
    it('issues an EdDSA JWT carrying account-id, tenant_id (org_id), sub and a 10-minute exp', async () => {
      const account = await createAccount(api);
      const res = await api.accessToken(account.accountId);
      expect(res.status, res.text).toBe(201);
      assertMatchesSchema('admin', 'AccessToken', res.body);
      expect(res.body.expires_in).toBe(600);
      expect(decodeProtectedHeader(res.body.access_token)).toMatchObject({ alg: 'EdDSA', typ: 'JWT' });
      const claims = decodeJwt(res.body.access_token);
      expect(claims['account-id']).toBe(account.accountId);
      expect(claims.tenant_id).toBe(account.orgId);
      expect(claims.sub).toBe(`account:${account.accountId}`);
      expect(claims.iss).toBe('tessera');
      expect(claims.exp! - claims.iat!).toBe(600);
    });

    it('answers 404 for an unknown account and 400 for a malformed account id', async () => {
      expectAdminError(await api.accessToken(999_999_998), 404, 'not_found');
      const bad = await api.admin('POST', '/admin/v1/accounts/abc/access-tokens');
      expectAdminError(bad, 400, 'invalid_request');
    });
  });

  describe('provisioning', () => {
    it.each(NETWORKS)('GREEN on %s makes an ACTIVE token, YELLOW an INACTIVE one, both listed', async (network) => {
      const account = await createAccount(api);
      const card = await createCard(api, account, network);
      const green = await api.provision({ card_id: card.cardId, network, wallet: 'APPLE_PAY', decision: 'GREEN' });
      expect(green.status, green.text).toBe(201);
      assertMatchesSchema('admin', 'ProvisionResponse', green.body);
      expect(green.body).toMatchObject({ status: 'ACTIVE', payment_network: network });
      const yellow = await api.provision({ card_id: card.cardId, network, wallet: 'GOOGLE_PAY', decision: 'YELLOW' });
      expect(yellow.status, yellow.text).toBe(201);
      expect(yellow.body).toMatchObject({ status: 'INACTIVE', payment_network: network });
      // One card, one PAN reference on the network; two tokens.
      expect(yellow.body.pan_ref).toBe(green.body.pan_ref);
      expect(yellow.body.token_ref).not.toBe(green.body.token_ref);
      expect(green.text).not.toContain(card.pan);

      const list = await api.listTokens(account.jwt, card.cardId);
      expect(list.status, list.text).toBe(200);
      const byId = new Map(list.body.tokens.map((t: any) => [t.token_id, t.status]));
      expect(byId).toEqual(
        new Map([
          [green.body.token_id, 'ACTIVE'],
          [yellow.body.token_id, 'INACTIVE'],
        ]),
      );
    });

    it.each(NETWORKS)('RED on %s answers 422 and leaves no token', async (network) => {
      const account = await createAccount(api);
      const card = await createCard(api, account, network);
      const red = await api.provision({ card_id: card.cardId, network, wallet: 'APPLE_PAY', decision: 'RED' });
      expectAdminError(red, 422, 'declined');
      assertMatchesSchema('admin', 'Error', red.body);
      const list = await api.listTokens(account.jwt, card.cardId);
      expect(list.status).toBe(200);
      expect(list.body.tokens).toEqual([]);
    });

    it('without a forced decision, the issuer decides GREEN for a good card', async () => {
      for (const network of NETWORKS) {
        const account = await createAccount(api);
        const card = await createCard(api, account, network);
        const res = await api.provision({ card_id: card.cardId, wallet: 'CARD_ON_FILE' });
        expect(res.status, res.text).toBe(201);
        expect(res.body.status).toBe('ACTIVE');
      }
    });

    it('picks the network from the card brand when none is given', async () => {
      const account = await createAccount(api);
      const visa = await createCard(api, account, 'vts');
      const mc = await createCard(api, account, 'mdes');
      const v = await api.provision({ card_id: visa.cardId, wallet: 'APPLE_PAY' });
      const m = await api.provision({ card_id: mc.cardId, wallet: 'APPLE_PAY' });
      expect(v.status, v.text).toBe(201);
      expect(m.status, m.text).toBe(201);
      expect(v.body.payment_network).toBe('vts');
      expect(v.body.token_ref).toMatch(/^DNITHE[0-9]{18}$/);
      expect(m.body.payment_network).toBe('mdes');
      expect(m.body.token_ref).toMatch(/^[A-Z]{6}[0-9a-f]{42}$/);
    });

    it('refuses a network that does not carry the brand (400), and brands no simulated network carries', async () => {
      const account = await createAccount(api);
      const visa = await createCard(api, account, 'vts');
      const mc = await createCard(api, account, 'mdes');
      for (const [card, network] of [
        [visa, 'mdes'],
        [mc, 'vts'],
      ] as const) {
        const res = await api.provision({ card_id: card.cardId, network, wallet: 'APPLE_PAY' });
        expectAdminError(res, 400, 'invalid_request');
        expect(res.body.details).toHaveProperty(['body.network']);
      }
      const amex = await api.createCard(account.accountId, { pan: makePan('37', 15), ...EXPIRY, cardholder_name: 'Jane Doe' });
      expect(amex.status, amex.text).toBe(201);
      const res = await api.provision({ card_id: amex.body.card_id, wallet: 'APPLE_PAY' });
      expectAdminError(res, 400, 'invalid_request');
      for (const card of [visa, mc]) expect((await api.listTokens(account.jwt, card.cardId)).body.tokens).toEqual([]);
    });

    it('answers 404 for an unknown card and 400 for a malformed request', async () => {
      expectAdminError(await api.provision({ card_id: 99_999_999, wallet: 'APPLE_PAY' }), 404, 'not_found');
      const account = await createAccount(api);
      const card = await createCard(api, account, 'vts');
      for (const body of [
        { card_id: card.cardId },
        { card_id: card.cardId, wallet: 'PAYPAL' },
        { card_id: card.cardId, wallet: 'APPLE_PAY', decision: 'BLUE' },
        { card_id: card.cardId, wallet: 'APPLE_PAY', network: 'amex' },
        { card_id: String(card.cardId), wallet: 'APPLE_PAY' },
      ]) {
        expectAdminError(await api.provision(body), 400, 'invalid_request');
      }
      expect((await api.listTokens(account.jwt, card.cardId)).body.tokens).toEqual([]);
    });
  });

  describe('wallet events', () => {
    it('answers the token id, the stored status and the network status', async () => {
      const account = await createAccount(api);
      const card = await createCard(api, account, 'mdes');
      const token = await api.provision({ card_id: card.cardId, wallet: 'GOOGLE_PAY' });
      const res = await api.walletEvent({ token_id: token.body.token_id, event: 'SUSPEND', entity: 'CARDHOLDER' });
      expect(res.status, res.text).toBe(200);
      expect(res.body).toEqual({ token_id: token.body.token_id, status: 'SUSPENDED', network_status: 'SUSPENDED' });
      const get = await api.getToken(account.jwt, card.cardId, token.body.token_id);
      expect(get.body.status).toBe('SUSPENDED');
      expect(Object.keys(get.body.network_data.Suspenders)).toEqual(['CARDHOLDER']);
    });

    it("refuses incomplete events with 400, an unknown token with 404, and relays the network's refusals as 400", async () => {
      const account = await createAccount(api);
      const mc = await createCard(api, account, 'mdes');
      const token = await api.provision({ card_id: mc.cardId, wallet: 'GOOGLE_PAY' });
      const tokenId: string = token.body.token_id;
      expectAdminError(await api.walletEvent({ token_id: tokenId, event: 'SUSPEND' }), 400, 'invalid_request');
      expectAdminError(await api.walletEvent({ token_id: tokenId, event: 'DEVICE_BINDING_REQUEST' }), 400, 'invalid_request');
      expectAdminError(await api.walletEvent({ token_id: tokenId, event: 'SUSPEND', entity: 'ISSUER' }), 400, 'invalid_request');
      expectAdminError(await api.walletEvent({ token_id: tokenId, event: 'FREEZE', entity: 'CARDHOLDER' }), 400, 'invalid_request');
      expectAdminError(await api.walletEvent({ token_id: '1234567890', event: 'DELETE' }), 404, 'not_found');
      // Device binding is Visa only; resuming what the cardholder never suspended is refused by the network.
      const mdesBinding = await api.walletEvent({ token_id: tokenId, event: 'DEVICE_BINDING_REQUEST', device_id: 'phone' });
      expectAdminError(mdesBinding, 400, 'invalid_request');
      expectAdminError(await api.walletEvent({ token_id: tokenId, event: 'RESUME', entity: 'CARDHOLDER' }), 400, 'invalid_request');
      expect((await api.getToken(account.jwt, mc.cardId, tokenId)).body.status).toBe('ACTIVE');
    });
  });

  describe('admin authentication', () => {
    const routes: [string, string, unknown][] = [
      ['POST', '/admin/v1/accounts', {}],
      ['POST', '/admin/v1/accounts/123456789/cards', { pan: '4895370012003478', ...EXPIRY, cardholder_name: 'Jane Doe' }],
      ['POST', '/admin/v1/accounts/123456789/access-tokens', undefined],
      ['POST', '/sandbox/v1/provision', { card_id: 12345678, wallet: 'APPLE_PAY' }],
      ['POST', '/sandbox/v1/faults', { network: 'vts', mode: 'error_500' }],
      ['POST', '/sandbox/v1/wallet-events', { token_id: '1234567890', event: 'DELETE' }],
    ];
    it.each(routes)('%s %s answers 401 without the admin token, or with a wrong one, or with an account token', async (method, path, body) => {
      const account = await createAccount(api);
      for (const bearer of [undefined, 'not-the-admin-token-0123456789', account.jwt]) {
        const res = await request(env.server.baseUrl, method, path, { ...(bearer ? { bearer } : {}), ...(body !== undefined ? { body } : {}) });
        expectAdminError(res, 401, 'unauthorized');
        assertMatchesSchema('admin', 'Error', res.body);
      }
    });

    it('a fault refused for lack of the admin token is not queued', async () => {
      const account = await createAccount(api);
      const card = await createCard(api, account, 'vts', panFor('vts'));
      const res = await request(env.server.baseUrl, 'POST', '/sandbox/v1/faults', { body: { network: 'vts', mode: 'error_500' } });
      expect(res.status).toBe(401);
      const provision = await api.provision({ card_id: card.cardId, wallet: 'APPLE_PAY' });
      expect(provision.status, provision.text).toBe(201);
    });
  });
});
