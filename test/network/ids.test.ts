import { describe, expect, it } from 'vitest';
import { TOKEN_REQUESTORS, networkTokenNumber, par, randomIds } from '../../src/network/ids.js';
import { correlationId, mdesPanRef, mdesTokenRef, paymentAppInstanceId } from '../../src/network/mdes/ids.js';
import { visaPanRef, visaTokenRef, walletAccountHash } from '../../src/network/vts/ids.js';
import { randomBytes } from 'node:crypto';
import { createPanReferenceRegistry } from '../../src/network/simulator/pan-references.js';
import { createMemorySimulatorStore } from '../../src/network/simulator/store.js';
import { WALLETS } from '../../src/network/types.js';
import { MASTERCARD_PAN, VISA_PAN, luhnOk } from './helpers.js';

const many = <T>(f: () => T, n = 200): T[] => Array.from({ length: n }, f);

describe('identifier formats (DOMAIN.md section 5)', () => {
  it('Visa token and PAN references', () => {
    for (const ref of many(visaTokenRef)) expect(ref).toMatch(/^DNITHE[0-9]{18}$/);
    for (const ref of many(visaPanRef)) expect(ref).toMatch(/^V-[0-9]{22}$/);
  });

  it('MDES token and PAN unique references', () => {
    for (const wallet of WALLETS) {
      for (const ref of many(() => mdesTokenRef(wallet), 50)) {
        expect(ref).toMatch(/^[A-Z]{6}[0-9a-f]{42}$/);
        expect(ref).toHaveLength(48);
      }
    }
    for (const ref of many(mdesPanRef)) expect(ref).toMatch(/^FWSPMC[0-9a-f]{42}$/);
  });

  it('PAR: 29 upper-case alphanumerics led by the network', () => {
    for (const p of many(() => par('vts'))) expect(p).toMatch(/^V001[A-Z0-9]{25}$/);
    for (const p of many(() => par('mdes'))) expect(p).toMatch(/^5001[A-Z0-9]{25}$/);
  });

  it('token requestor ids: 11 digits, Visa 400…, MDES 501…, Apple Pay on VTS is 40010030273', () => {
    expect(TOKEN_REQUESTORS.vts.APPLE_PAY.id).toBe('40010030273');
    for (const wallet of WALLETS) {
      expect(TOKEN_REQUESTORS.vts[wallet].id).toMatch(/^400[0-9]{8}$/);
      expect(TOKEN_REQUESTORS.mdes[wallet].id).toMatch(/^501[0-9]{8}$/);
    }
    const ids = WALLETS.flatMap((w) => [TOKEN_REQUESTORS.vts[w].id, TOKEN_REQUESTORS.mdes[w].id]);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('correlation ids, payment app instance ids, wallet account hashes', () => {
    for (const id of many(correlationId)) expect(id).toMatch(/^D[0-9]{13}$/);
    for (const id of many(paymentAppInstanceId)) expect(id).toMatch(/^[A-Za-z0-9]{48}$/);
    for (const h of many(walletAccountHash)) expect(h).toMatch(/^[0-9A-F]{64}$/);
  });

  it('references are random, not sequential', () => {
    expect(new Set(many(visaTokenRef)).size).toBe(200);
    expect(new Set(many(() => mdesTokenRef('GOOGLE_PAY'))).size).toBe(200);
  });
});

describe('network token number', () => {
  const cards: Array<[string, RegExp]> = [
    [VISA_PAN, /^4[0-9]{15}$/],
    ['4222222222222', /^4[0-9]{12}$/], // 13-digit Visa
    ['4000000000000000006', /^4[0-9]{18}$/], // 19-digit Visa
    [MASTERCARD_PAN, /^5[1-5][0-9]{14}$/],
    ['2223000048400011', /^5[1-5][0-9]{14}$/], // 2-series Mastercard still gets a Mastercard token
  ];

  it.each(cards)('is a Luhn-valid PAN of the same brand and length as %s, and not the PAN', (pan, shape) => {
    expect(luhnOk(pan)).toBe(true);
    for (const token of many(() => networkTokenNumber(pan))) {
      expect(token).toMatch(shape);
      expect(token).toHaveLength(pan.length);
      expect(luhnOk(token)).toBe(true);
      expect(token).not.toBe(pan);
    }
  });

  it('refuses brands the simulated networks do not carry, without echoing the PAN', () => {
    const amex = '378282246310005';
    expect(() => networkTokenNumber(amex)).toThrow(TypeError);
    try {
      networkTokenNumber(amex);
    } catch (err) {
      expect(String(err)).not.toContain(amex);
    }
  });
});

describe('PAN reference registry', () => {
  const registry = (store = createMemorySimulatorStore(), key = randomBytes(32)) => createPanReferenceRegistry(randomIds, store, key);

  it('gives a card the same panRef and PAR every time, different cards different ones', async () => {
    const refs = registry();
    const a1 = await refs.lookup('vts', VISA_PAN);
    const a2 = await refs.lookup('vts', VISA_PAN);
    const b = await refs.lookup('vts', '4012888888881881');
    expect(a2).toEqual(a1);
    expect(b.panRef).not.toBe(a1.panRef);
    expect(b.par).not.toBe(a1.par);
    expect(a1.panRef).toMatch(/^V-[0-9]{22}$/);
    expect((await refs.lookup('mdes', MASTERCARD_PAN)).panRef).toMatch(/^FWSPMC[0-9a-f]{42}$/);
  });

  it('is per network instance: another store or another key gives other references; the same store and key the same', async () => {
    const store = createMemorySimulatorStore();
    const key = randomBytes(32);
    const one = await registry(store, key).lookup('vts', VISA_PAN);
    expect((await registry(store, key).lookup('vts', VISA_PAN)).panRef).toBe(one.panRef);
    expect((await registry(store).lookup('vts', VISA_PAN)).panRef).not.toBe(one.panRef);
    expect((await registry(createMemorySimulatorStore(), key).lookup('vts', VISA_PAN)).panRef).not.toBe(one.panRef);
  });
});
