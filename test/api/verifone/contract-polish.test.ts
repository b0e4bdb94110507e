/**
 * Contract polish of the Verifone edge (issue 11 point 8):
 * - BIN-table values outside the contract's enums are mapped (a replaced code to its replacement) or omitted,
 *   never emitted; every body still matches its response schema;
 * - a co-badged Carte Bancaires card tokenized without `card_brand` is answered CB when the BIN table says CB
 *   (DOMAIN.md §2), on PUT, GET and a PATCH that relinks the token;
 * - unknown fields inside `encrypted_card` are ignored (see also put.test.ts).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENGINES } from '../../support/engines.js';
import { useMerchant, useTestServer } from '../../support/fixture.js';
import { assertMatchesSchema } from '../../support/contract.js';
import { controlledClock, encryptPlaintext, makePan, MerchantApi } from '../../merchant/helpers.js';

const BIN_TABLE = [
  'bin,brand,issuer_name,issuer_country,type,variant,currency',
  // Outside both enums: omitted.
  '411112,VISA,Nowhere Bank,XQZ,CREDIT,CLASSIC,QQQ',
  // Withdrawn codes with a replacement: ROM → ROU; VEF → VES where the response lists VES (PUT, PATCH), VEF kept
  // where it lists VEF (GET's TokenResponse has an older list of its own).
  '411113,VISA,Old Codes Bank,ROM,DEBIT,CLASSIC,VEF',
  // A currency only the newer list has: omitted from GET, answered on PUT.
  '411114,VISA,New Codes Bank,BLR,DEBIT,CLASSIC,BYN',
  // Co-badged Carte Bancaires on a Visa and on a Mastercard range.
  '497010,CB,Banque Exemple,FRA,DEBIT,CLASSIC,EUR',
  '513100,CB,Banque Exemple,FRA,CREDIT,CLASSIC,EUR',
].join('\n');

describe.each(ENGINES)('Verifone contract polish on %s', (engine) => {
  const clock = controlledClock();
  const server = useTestServer(engine, () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-bins-'));
    const path = join(dir, 'bins.csv');
    writeFileSync(path, BIN_TABLE);
    return { clock: clock.clock, env: { TESSERA_BIN_TABLE: path } };
  });
  const merchant = useMerchant(server);
  const api = new MerchantApi(server, merchant, clock);

  async function putAndGet(prefix: string, extra: Record<string, unknown> = {}) {
    const put = await api.put({ cardNumber: makePan(prefix) }, extra);
    expect(put.status, put.text).toBe(200);
    assertMatchesSchema('verifone', 'CardResponse', put.body);
    const get = await api.get(put.body.reuse_token);
    expect(get.status, get.text).toBe(200);
    assertMatchesSchema('verifone', 'TokenResponse', get.body);
    return { put: put.body, get: get.body };
  }

  it('omits a country and a currency outside the enums (and still answers the rest of the BIN details)', async () => {
    const { put, get } = await putAndGet('411112');
    for (const body of [put, get]) {
      expect(body.issuer_country).toBeUndefined();
      expect(body.currency).toBeUndefined();
      expect(body.bin_details.issuer_country).toBeUndefined();
      expect(body.bin_details).toMatchObject({ issuer_name: 'Nowhere Bank', type: 'CREDIT', variant: 'CLASSIC', brand: 'VISA' });
      expect(JSON.stringify(body)).not.toMatch(/XQZ|QQQ/);
    }
  });

  it('maps a withdrawn code to its replacement, per the list of each response', async () => {
    const { put, get } = await putAndGet('411113');
    expect(put.issuer_country).toBe('ROU');
    expect(put.bin_details.issuer_country).toBe('ROU');
    expect(put.currency).toBe('VES');
    expect(get.issuer_country).toBe('ROU');
    expect(get.currency).toBe('VEF');
    const patched = await api.patch(put.reuse_token, { card_holder_name: 'Someone' });
    expect(patched.status, patched.text).toBe(200);
    assertMatchesSchema('verifone', 'PatchTokenResponse', patched.body);
    expect(patched.body.currency).toBe('VES');
  });

  it('a currency only the newer list has is answered where it is allowed and omitted where it is not', async () => {
    const { put, get } = await putAndGet('411114');
    expect(put.currency).toBe('BYN');
    expect(get.currency).toBeUndefined();
  });

  it.each([
    ['a Visa range', '497010'],
    ['a Mastercard range', '513100'],
  ])('a co-badged CB card on %s without card_brand is answered CB, as the BIN table says', async (_label, prefix) => {
    const { put, get } = await putAndGet(prefix);
    expect(put.bin_details.brand).toBe('CB');
    expect(get.brand).toBe('CB');
    expect(get.bin_details.brand).toBe('CB');
  });

  it('the caller may still name the network brand of a co-badged card', async () => {
    const { get } = await putAndGet('497010', { card_brand: 'VISA' });
    expect(get.brand).toBe('VISA');
  });

  it('a PATCH that relinks a token to a CB card answers CB', async () => {
    const first = await api.create({ cardNumber: makePan('411112') });
    const relinked = await api.patch(first.reuse_token, {
      public_key_alias: merchant.alias,
      encrypted_card: await api.blob({ cardNumber: makePan('497010') }),
    });
    expect(relinked.status, relinked.text).toBe(200);
    expect(relinked.body.bin_details.brand).toBe('CB');
    expect((await api.get(first.reuse_token)).body.brand).toBe('CB');
  });

  it('an unknown field inside encrypted_card is ignored', async () => {
    const plaintext = JSON.stringify({
      cardNumber: makePan('497010'),
      expiryMonth: 12,
      expiryYear: 2030,
      cvv: '123',
      captureTime: clock.now.toISOString(),
      sdkAddedField: { nested: true },
    });
    const res = await api.putBody({
      token_scope: merchant.scope,
      public_key_alias: merchant.alias,
      encrypted_card: await encryptPlaintext(plaintext, merchant.publicKey),
    });
    expect(res.status, res.text).toBe(200);
    expect(res.text).not.toContain('sdkAddedField');
  });
});
