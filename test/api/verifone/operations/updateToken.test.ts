/**
 * PATCH /oidc/api/v2/card/{id}: partial updates, CVV handling, relinking to another card, scheme token actions,
 * and what a deleted or expired token still allows.
 */
import { describe, expect, it } from 'vitest';
import { encryptCard } from '../../../../src/client/encrypt-card.js';
import { isLuhnValid } from '../../../../src/cards/index.js';
import { assertMatchesSchema } from '../../../support/contract.js';
import { ENGINES } from '../../../support/engines.js';
import { useMerchant, useTestServer } from '../../../support/fixture.js';
import { request } from '../../../support/http.js';
import { addScope, breakLuhn, controlledClock, expectBadRequest, expectNotFound, makePan, MerchantApi, openSealedCard } from '../../../merchant/helpers.js';

describe.each(ENGINES)('PATCH /oidc/api/v2/card/{id} on %s', (engine) => {
  const clock = controlledClock();
  const server = useTestServer(engine, { clock: clock.clock });
  const merchant = useMerchant(server);
  const other = useMerchant(server);
  const api = new MerchantApi(server, merchant, clock);

  /** The parts of a GET body a PATCH of `changed` must not touch. */
  const unchangedBy = (body: Record<string, unknown>, changed: string[]) => {
    const copy = { ...body };
    for (const key of ['updated_at', ...changed]) delete copy[key];
    return copy;
  };

  describe('partial update', () => {
    it('card_holder_name: PatchTokenResponse with the new name, every other field unchanged', async () => {
      const pan = makePan('411111');
      const put = await api.create({ cardNumber: pan, cardholderName: 'Old Name' });
      const before = (await api.get(put.reuse_token)).body;

      const res = await api.patch(put.reuse_token, { card_holder_name: 'New Name' });
      expect(res.status, res.text).toBe(200);
      assertMatchesSchema('verifone', 'PatchTokenResponse', res.body);
      expect(res.body.card_holder_name).toBe('New Name');
      expect(res.body).toMatchObject({
        bin: put.bin,
        last_four: put.last_four,
        expiry_month: put.expiry_month,
        expiry_year: put.expiry_year,
        token_expiry_date: put.token_expiry_date,
        token_status: 'ACTIVE',
        created_at: put.created_at,
      });
      expect(res.body.bin_details).toEqual(put.bin_details);
      expect(res.text).not.toContain(pan);

      const after = (await api.get(put.reuse_token)).body;
      expect(after.card_holder_name).toBe('New Name');
      expect(unchangedBy(after, ['card_holder_name'])).toEqual(unchangedBy(before, ['card_holder_name']));
    });

    it('card_holder_email: returned by PATCH and kept for later PATCHes', async () => {
      const put = await api.create({ cardNumber: makePan('45') });
      const res = await api.patch(put.reuse_token, { card_holder_email: 'jane@example.com' });
      expect(res.status, res.text).toBe(200);
      expect(res.body.card_holder_email).toBe('jane@example.com');
      const next = await api.patch(put.reuse_token, { card_holder_name: 'Jane Roe' });
      expect(next.body.card_holder_email).toBe('jane@example.com');
      expect(next.body.card_holder_name).toBe('Jane Roe');
    });

    it('expiry_month / expiry_year: updated, the card itself unchanged', async () => {
      const put = await api.create({ cardNumber: makePan('45'), expiryMonth: 12, expiryYear: 2030 });
      const res = await api.patch(put.reuse_token, { expiry_month: 3, expiry_year: 2034 });
      expect(res.status, res.text).toBe(200);
      expect(res.body).toMatchObject({ expiry_month: 3, expiry_year: 2034, last_four: put.last_four, bin: put.bin });
      const month = await api.patch(put.reuse_token, { expiry_month: 9 });
      expect(month.body).toMatchObject({ expiry_month: 9, expiry_year: 2034 });
      const get = (await api.get(put.reuse_token)).body;
      expect(get).toMatchObject({ expiry_month: 9, expiry_year: 2034, card_holder_name: put.card_holder_name });
    });

    it('token_expiry_date: updated; today allowed, past refused', async () => {
      const put = await api.create({ cardNumber: makePan('45') });
      const res = await api.patch(put.reuse_token, { token_expiry_date: clock.daysFromNow(10) });
      expect(res.status, res.text).toBe(200);
      expect(res.body.token_expiry_date).toBe(clock.daysFromNow(10));
      expect((await api.get(put.reuse_token)).body.token_expiry_date).toBe(clock.daysFromNow(10));
      expect((await api.patch(put.reuse_token, { token_expiry_date: clock.today() })).status).toBe(200);
      expectBadRequest(await api.patch(put.reuse_token, { token_expiry_date: clock.daysFromNow(-1) }), ['body.token_expiry_date']);
      expectBadRequest(await api.patch(put.reuse_token, { token_expiry_date: 'soon' }), ['body.token_expiry_date']);
      expect((await api.get(put.reuse_token)).body.token_expiry_date).toBe(clock.today());
    });

    it('records the update date', async () => {
      const put = await api.create({ cardNumber: makePan('45') });
      const saved = clock.now;
      try {
        clock.advanceDays(3);
        const res = await api.patch(put.reuse_token, { card_holder_name: 'Later' });
        expect(res.body.updated_at).toBe(clock.today());
        expect(res.body.created_at).toBe(put.created_at);
      } finally {
        clock.now = saved;
      }
    });

    it.each([
      [{ card_holder_email: 'not-an-email' }, 'body.card_holder_email'],
      [{ card_holder_name: 'A'.repeat(31) }, 'body.card_holder_name'],
      [{ card_holder_name: '   ' }, 'body.card_holder_name'],
      [{ expiry_month: 13 }, 'body.expiry_month'],
      [{ expiry_month: 0 }, 'body.expiry_month'],
      [{ expiry_month: '12' }, 'body.expiry_month'],
      [{ expiry_year: 2150 }, 'body.expiry_year'],
      [{ expiry_year: 2020 }, 'body.expiry_year'],
      [{ scheme_token_action: 'EXPLODE' }, 'body.scheme_token_action'],
    ] as const)('%o → 400 %s, token unchanged', async (patch, field) => {
      const put = await api.create({ cardNumber: makePan('45'), cardholderName: 'Stays' });
      const before = (await api.get(put.reuse_token)).body;
      expectBadRequest(await api.patch(put.reuse_token, patch), [field]);
      expect((await api.get(put.reuse_token)).body).toEqual(before);
    });

    it('an invalid field fails the whole PATCH: the valid fields sent with it are not applied', async () => {
      const put = await api.create({ cardNumber: makePan('45'), cardholderName: 'Stays' });
      expectBadRequest(await api.patch(put.reuse_token, { card_holder_name: 'Changed', expiry_month: 13 }), ['body.expiry_month']);
      expect((await api.get(put.reuse_token)).body.card_holder_name).toBe('Stays');
    });

    it('a PATCH without a body → 400', async () => {
      const put = await api.create({ cardNumber: makePan('45') });
      expectBadRequest(await request(server.baseUrl, 'PATCH', `/oidc/api/v2/card/${put.reuse_token}`, { basic: merchant.basic }), []);
      expectBadRequest(await request(server.baseUrl, 'PATCH', `/oidc/api/v2/card/${put.reuse_token}`, { basic: merchant.basic, rawBody: 'null' }), []);
    });

    it('unknown id → 404; short id → 400 params.id', async () => {
      expectNotFound(await api.patch('0123456789abcdef0123456789abcdef', { card_holder_name: 'X' }));
      expectBadRequest(await api.patch('short', { card_holder_name: 'X' }), ['params.id']);
    });
  });

  describe('cvv', () => {
    it('a valid CVV is accepted and neither returned nor stored', async () => {
      const pan = makePan('45');
      const put = await api.create({ cardNumber: pan, cvv: undefined });
      const res = await api.patch(put.reuse_token, { cvv: '847' });
      expect(res.status, res.text).toBe(200);
      // As a JSON value: the random token id may contain the digits 847 by chance.
      expect(res.text).not.toContain('"847"');
      expect(res.body).not.toHaveProperty('cvv');
      const sealed = await openSealedCard(server, put.reuse_token);
      expect(sealed).not.toBeNull();
      expect(sealed!.pan).toBe(pan);
      expect(JSON.stringify(sealed)).not.toMatch(/cvv|847/i);
    });

    it.each([
      ['45', 16, '12'],
      ['45', 16, '1234'],
      ['45', 16, 'abc'],
      ['34', 15, '123'],
      ['34', 15, '12345'],
    ] as const)('a %s… token refuses CVV %s → 400 body.cvv', async (prefix, length, cvv) => {
      const put = await api.create({ cardNumber: makePan(prefix, length), cvv: prefix === '34' ? '1234' : '123' });
      expectBadRequest(await api.patch(put.reuse_token, { cvv }), ['body.cvv']);
    });

    it('an Amex token takes a 4-digit CVV', async () => {
      const put = await api.create({ cardNumber: makePan('34', 15), cvv: '1234' });
      expect((await api.patch(put.reuse_token, { cvv: '9876' })).status).toBe(200);
    });
  });

  describe('relink to another card', () => {
    /** Another Luhn-valid card number with the same first six and last four digits and length. */
    const sameEnds = (pan: string): string => {
      for (;;) {
        let middle = '';
        for (let i = 0; i < pan.length - 10; i++) middle += String(Math.floor(Math.random() * 10));
        const candidate = pan.slice(0, 6) + middle + pan.slice(-4);
        if (isLuhnValid(candidate)) return candidate;
      }
    };

    it('encrypted_card with expiry_year: the expiry checked is the one the token ends up with', async () => {
      const saved = clock.now;
      clock.now = new Date('2027-06-15T12:00:00Z');
      try {
        const put = await api.create({ cardNumber: makePan('45'), expiryMonth: 12, expiryYear: 2029 });
        const blob = await api.blob({ cardNumber: makePan('45'), expiryMonth: 1, expiryYear: 2029 });
        // 12/2027 (stored month) would be fine; 01/2027 (the new card's month) has passed.
        const res = await api.patch(put.reuse_token, { encrypted_card: blob, public_key_alias: merchant.alias, expiry_year: 2027 });
        expectBadRequest(res, ['body.expiry_year']);
        expect((await api.get(put.reuse_token)).body).toMatchObject({ last_four: put.last_four, expiry_month: 12, expiry_year: 2029 });
      } finally {
        clock.now = saved;
      }
    });

    it('a new encrypted_card relinks the token: bin / last four change, the old card is free, the new card maps here', async () => {
      const oldPan = makePan('411111');
      const newPan = makePan('555555');
      const put = await api.create({ cardNumber: oldPan, cardholderName: 'Relinked' });

      const res = await api.patch(put.reuse_token, {
        encrypted_card: await api.blob({ cardNumber: newPan, expiryMonth: 5, expiryYear: 2033 }),
        public_key_alias: merchant.alias,
      });
      expect(res.status, res.text).toBe(200);
      assertMatchesSchema('verifone', 'PatchTokenResponse', res.body);
      expect(res.body).toMatchObject({ bin: newPan.slice(0, 8), last_four: newPan.slice(-4), expiry_month: 5, expiry_year: 2033 });
      expect(res.body.bin_details).toMatchObject({ brand: 'MASTERCARD', issuer_name: 'Albion Test Bank' });
      expect(res.text).not.toContain(newPan);

      const get = (await api.get(put.reuse_token)).body;
      expect(get).toMatchObject({ last_four: newPan.slice(-4), bin: newPan.slice(0, 8), brand: 'MASTERCARD' });
      expect((await openSealedCard(server, put.reuse_token))?.pan).toBe(newPan);

      const again = await api.create({ cardNumber: newPan });
      expect(again.reuse_token).toBe(put.reuse_token);
      const old = await api.create({ cardNumber: oldPan });
      expect(old.reuse_token).not.toBe(put.reuse_token);
      expect(old.last_four).toBe(oldPan.slice(-4));
    });

    it('encrypted_card without public_key_alias → 400 body.public_key_alias, token unchanged', async () => {
      const put = await api.create({ cardNumber: makePan('45') });
      const res = await api.patch(put.reuse_token, { encrypted_card: await api.blob({ cardNumber: makePan('53') }) });
      expectBadRequest(res, ['body.public_key_alias']);
      expect((await api.get(put.reuse_token)).body.last_four).toBe(put.last_four);
    });

    it('relink to a card that already has a token in the scope → 400, both tokens unchanged', async () => {
      const a = await api.create({ cardNumber: makePan('45') });
      const bPan = makePan('45');
      const b = await api.create({ cardNumber: bPan });
      const res = await api.patch(a.reuse_token, { encrypted_card: await api.blob({ cardNumber: bPan }), public_key_alias: merchant.alias });
      expectBadRequest(res, ['body.encrypted_card']);
      expect(res.text).not.toContain(bPan);
      expect((await api.get(a.reuse_token)).body.last_four).toBe(a.last_four);
      expect((await api.get(b.reuse_token)).body.last_four).toBe(b.last_four);
      expect((await api.create({ cardNumber: bPan })).reuse_token).toBe(b.reuse_token);
    });

    it('relink with a blob for another merchant key or a bad card → 400, token unchanged', async () => {
      const put = await api.create({ cardNumber: makePan('45') });
      const foreign = await encryptCard(api.card({ cardNumber: makePan('53') }), other.publicKey);
      expectBadRequest(await api.patch(put.reuse_token, { encrypted_card: foreign, public_key_alias: merchant.alias }), ['body.encrypted_card']);
      expectBadRequest(await api.patch(put.reuse_token, { encrypted_card: foreign, public_key_alias: other.alias }), ['body.public_key_alias']);
      const luhn = await api.blob({ cardNumber: breakLuhn(makePan('53')) });
      expectBadRequest(await api.patch(put.reuse_token, { encrypted_card: luhn, public_key_alias: merchant.alias }), ['body.encrypted_card.cardNumber']);
      expect((await api.get(put.reuse_token)).body.last_four).toBe(put.last_four);
    });

    it("with a relink the CVV is checked against the NEW card's brand", async () => {
      const put = await api.create({ cardNumber: makePan('45') });
      const amex = makePan('34', 15);
      const three = await api.patch(put.reuse_token, {
        encrypted_card: await api.blob({ cardNumber: amex, cvv: '1234' }),
        public_key_alias: merchant.alias,
        cvv: '123',
      });
      expectBadRequest(three, ['body.cvv']);
      expect((await api.get(put.reuse_token)).body.last_four).toBe(put.last_four);
      const four = await api.patch(put.reuse_token, {
        encrypted_card: await api.blob({ cardNumber: amex, cvv: '1234' }),
        public_key_alias: merchant.alias,
        cvv: '1234',
      });
      expect(four.status, four.text).toBe(200);
      expect(four.body.bin_details.brand).toBe('AMEX');
      expect(four.body.last_four).toBe(amex.slice(-4));
    });

    it('a CHASE token relinks only to a card with its first six and last four digits, keeping its identifier', async () => {
      const pan = makePan('45');
      const chase = await api.create({ cardNumber: pan }, { reuse_token_type: 'CHASE', token_context: { entity_id: '3fa85f64-5717-4562-b3fc-2c963f66afa6' } });
      const elsewhere = makePan('53');
      const refused = await api.patch(chase.reuse_token, { encrypted_card: await api.blob({ cardNumber: elsewhere }), public_key_alias: merchant.alias });
      expectBadRequest(refused, ['body.encrypted_card']);
      expect(refused.text).not.toContain(elsewhere);
      expect((await api.get(chase.reuse_token)).body.last_four).toBe(pan.slice(-4));

      let reissued = pan;
      while (reissued === pan) reissued = sameEnds(pan);
      const res = await api.patch(chase.reuse_token, { encrypted_card: await api.blob({ cardNumber: reissued }), public_key_alias: merchant.alias });
      expect(res.status, res.text).toBe(200);
      expect((await openSealedCard(server, chase.reuse_token))?.pan).toBe(reissued);
    });

    it('relinking an INTERNAL token keeps its identifier', async () => {
      const put = await api.create({ cardNumber: makePan('45') });
      await api.patch(put.reuse_token, { encrypted_card: await api.blob({ cardNumber: makePan('45') }), public_key_alias: merchant.alias });
      expect((await api.get(put.reuse_token)).status).toBe(200);
    });
  });

  describe('scheme_token_action', () => {
    it.each(['ACTIVATE', 'SUSPEND', 'DELETE'])('%s on a scope without network tokens → 400 body.scheme_token_action', async (action) => {
      const put = await api.create({ cardNumber: makePan('45') });
      expectBadRequest(await api.patch(put.reuse_token, { scheme_token_action: action }), ['body.scheme_token_action']);
      expect((await api.get(put.reuse_token)).body.token_status).toBe('ACTIVE');
    });
  });

  describe('deleted and expired tokens', () => {
    it('PATCH of a deleted token → 400 params.id', async () => {
      const put = await api.create({ cardNumber: makePan('45') });
      expect((await api.remove(put.reuse_token)).status).toBe(204);
      expectBadRequest(await api.patch(put.reuse_token, { card_holder_name: 'Too Late' }), ['params.id']);
      expect((await api.get(put.reuse_token)).body.token_status).toBe('DELETED');
    });

    it('an expired token refuses PATCH / suspend / activate with 400 while GET still answers and DELETE still works', async () => {
      const scope = await addScope(server, merchant.merchantId, { token_ttl_days: 2 });
      const put = await api.create({ cardNumber: makePan('45') }, { token_scope: scope });
      const saved = clock.now;
      try {
        clock.advanceDays(2);
        // Still valid on its expiry date itself.
        expect((await api.patch(put.reuse_token, { card_holder_name: 'Last Day' })).status).toBe(200);
        clock.advanceDays(1);
        expectBadRequest(await api.patch(put.reuse_token, { card_holder_name: 'Expired' }), ['params.id']);
        expectBadRequest(await api.suspend(put.reuse_token), ['params.id']);
        expectBadRequest(await api.activate(put.reuse_token), ['params.id']);
        const get = await api.get(put.reuse_token);
        expect(get.status).toBe(200);
        expect(get.body.card_holder_name).toBe('Last Day');
        expect(get.body.token_expiry_date).toBe(put.token_expiry_date);
        expect((await api.remove(put.reuse_token)).status).toBe(204);
        expect((await api.get(put.reuse_token)).body.token_status).toBe('DELETED');
      } finally {
        clock.now = saved;
      }
    });

    it('PUT of the card of an expired token creates a fresh token; the expired one still answers GET', async () => {
      const pan = makePan('45');
      const put = await api.create({ cardNumber: pan }, { token_expiry_date: clock.daysFromNow(1) });
      const saved = clock.now;
      try {
        clock.advanceDays(2);
        const fresh = await api.create({ cardNumber: pan });
        expect(fresh.reuse_token).not.toBe(put.reuse_token);
        expect(fresh.token_status).toBe('ACTIVE');
        expect((await api.get(put.reuse_token)).status).toBe(200);
        // The new token is the one the card maps to from now on.
        expect((await api.create({ cardNumber: pan })).reuse_token).toBe(fresh.reuse_token);
      } finally {
        clock.now = saved;
      }
    });
  });
});
