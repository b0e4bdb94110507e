/**
 * GET /oidc/api/v2/card/{id}: the TokenResponse, and 404 / 400 for ids that are not the caller's token.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { assertMatchesSchema } from '../../../support/contract.js';
import { ENGINES } from '../../../support/engines.js';
import { useMerchant, useTestServer } from '../../../support/fixture.js';
import { controlledClock, expectBadRequest, expectNotFound, makePan, MerchantApi } from '../../../merchant/helpers.js';

describe.each(ENGINES)('GET /oidc/api/v2/card/{id} on %s', (engine) => {
  const clock = controlledClock();
  const server = useTestServer(engine, { clock: clock.clock });
  const merchant = useMerchant(server);
  const api = new MerchantApi(server, merchant, clock);
  const otherApi = new MerchantApi(server, useMerchant(server), clock);

  it('answers a TokenResponse with what PUT stored, and brand / issuer fields at top level', async () => {
    const pan = makePan('40000566');
    const put = await api.create({ cardNumber: pan, expiryMonth: 4, expiryYear: 2033, cardholderName: 'Grace Hopper' });
    const res = await api.get(put.reuse_token);
    expect(res.status, res.text).toBe(200);
    assertMatchesSchema('verifone', 'TokenResponse', res.body);
    expect(res.body).toMatchObject({
      reuse_token: put.reuse_token,
      reuse_token_type: 'INTERNAL',
      token_scope: merchant.scope,
      token_status: 'ACTIVE',
      bin: pan.slice(0, 8),
      last_four: pan.slice(-4),
      expiry_month: 4,
      expiry_year: 2033,
      card_holder_name: 'Grace Hopper',
      brand: 'VISA',
      issuer_name: 'Albion Test Bank',
      issuer_country: 'GBR',
      type: 'DEBIT',
      variant: 'SIGNATURE',
      currency: 'GBP',
      created_at: clock.today(),
      updated_at: clock.today(),
      token_expiry_date: put.token_expiry_date,
    });
    expect(res.body.bin_details).toEqual(put.bin_details);
    expect(res.text).not.toContain(pan);
  });

  it('answers the same body on repeated reads', async () => {
    const put = await api.create({ cardNumber: makePan('45') });
    const a = await api.get(put.reuse_token);
    const b = await api.get(put.reuse_token);
    expect(b.body).toEqual(a.body);
  });

  it('returns no analytics token for a REUSE token, and the analytics token for REUSE_AND_ANALYTICS', async () => {
    const reuse = await api.create({ cardNumber: makePan('45') });
    expect((await api.get(reuse.reuse_token)).body).not.toHaveProperty('analytics_token');
    const both = await api.create({ cardNumber: makePan('45') }, { token_type: 'REUSE_AND_ANALYTICS' });
    expect((await api.get(both.reuse_token)).body.analytics_token).toBe(both.analytics_token);
  });

  it('unknown id → 404 NotFoundV2Docs', async () => {
    expectNotFound(await api.get(randomBytes(16).toString('hex')));
    expectNotFound(await api.get('00000000000000'));
  });

  it("another merchant's token → 404, exactly like an unknown id", async () => {
    const put = await api.create({ cardNumber: makePan('45') });
    const foreign = await otherApi.get(put.reuse_token);
    expectNotFound(foreign);
    const unknown = await otherApi.get(randomBytes(16).toString('hex'));
    expect(foreign.body.details).toEqual(unknown.body.details);
    expect(foreign.text).not.toContain(put.last_four);
  });

  it('an id shorter than 14 characters → 400 params.id', async () => {
    expectBadRequest(await api.get('0123456789abc'), ['params.id']);
  });

  // BUG (src/http/server.ts, not fixed here): Fastify's router refuses path parameters over 100 characters
  // (maxParamLength) with its own 414 body before our schema and envelope run, although the contract allows ids
  // of up to 255 characters. Fix: `routerOptions: { maxParamLength: 300 }` (or more) in createHttpServer.
  // These two tests state the contract and are expected to fail until then.
  it('an id of 200 characters (allowed by the contract) → 404 envelope', async () => {
    expectNotFound(await api.get('a'.repeat(200)));
  });

  it('an id longer than 255 characters → 400 params.id', async () => {
    expectBadRequest(await api.get('a'.repeat(256)), ['params.id']);
  });

  it('an id of 100 characters → 404 envelope', async () => {
    expectNotFound(await api.get('a'.repeat(100)));
  });

  it('the reuse token is case-sensitive: the upper-cased token is not found', async () => {
    const put = await api.create({ cardNumber: makePan('45') });
    expectNotFound(await api.get(String(put.reuse_token).toUpperCase()));
  });
});
