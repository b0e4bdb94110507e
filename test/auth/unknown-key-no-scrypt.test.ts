/**
 * An unknown API key id never reaches scrypt (issue 11 point 4): every unauthenticated attempt with a made-up key id
 * used to cost a decoy scrypt, so 34 random attempts a second slowed every merchant's first authentication from 39 to
 * 659 ms. The vault's verifySecret is wrapped in a counter (vi.mock), and the server is real: real HTTP, real
 * database on both engines. Timing still does not reveal which ids exist: every failure is answered after the same
 * fixed delay (TESSERA_AUTH_FAILURE_DELAY_MS) and failures are limited per address and key id (rate-limits.test.ts).
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';

const scrypt = vi.hoisted(() => ({ calls: 0 }));
vi.mock('../../src/vault/secrets.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../src/vault/secrets.js')>();
  return {
    ...actual,
    verifySecret: async (secret: string, stored: string) => {
      scrypt.calls++;
      return actual.verifySecret(secret, stored);
    },
  };
});

import { ENGINES } from '../support/engines.js';
import { useMerchant, useTestServer } from '../support/fixture.js';
import { request } from '../support/http.js';
import { createMerchantAuthenticator } from '../../src/auth/merchant-basic.js';
import { Unauthorized } from '../../src/errors.js';
import { systemClock } from '../../src/clock.js';
import { hashSecret } from '../../src/vault/secrets.js';

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
const TOKEN_PATH = '/oidc/api/v2/card/0123456789abcdef0123456789abcdef';

describe('the merchant authenticator', () => {
  beforeEach(() => {
    scrypt.calls = 0;
  });

  it('answers an unknown key id after the lookup alone, and a known one with a wrong secret after one scrypt', async () => {
    const stored = await hashSecret('the-right-secret');
    const lookups: string[] = [];
    const auth = createMerchantAuthenticator({
      clock: systemClock,
      findApiKey: async (id) => {
        lookups.push(id);
        return id === 'ak_known' ? { merchant_id: 'm-1', secret_hash: stored, revoked_at: null } : undefined;
      },
    });
    await expect(auth.authenticate(basic('ak_unknown', 'whatever'))).rejects.toBeInstanceOf(Unauthorized);
    expect(lookups).toEqual(['ak_unknown']);
    expect(scrypt.calls).toBe(0);
    await expect(auth.authenticate(basic('ak_known', 'wrong'))).rejects.toBeInstanceOf(Unauthorized);
    expect(scrypt.calls).toBe(1);
    expect(await auth.authenticate(basic('ak_known', 'the-right-secret'))).toEqual({ merchantId: 'm-1', apiKeyId: 'ak_known' });
    expect(scrypt.calls).toBe(2);
  });
});

describe.each(ENGINES)('unknown key ids over HTTP on %s', (engine) => {
  const server = useTestServer(engine, { env: { TESSERA_AUTH_FAILURE_DELAY_MS: '0' } });
  const merchant = useMerchant(server);

  it('50 attempts with made-up key ids: 50 × 401, not one scrypt', async () => {
    scrypt.calls = 0;
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        request(server.baseUrl, 'GET', TOKEN_PATH, { headers: { authorization: basic(`ak_made_up_${i}`, merchant.basic.secret) } }),
      ),
    );
    expect(answers.map((res) => res.status)).toEqual(Array(50).fill(401));
    expect(scrypt.calls).toBe(0);
  });

  it('the same answer as for a known key id with a wrong secret (which costs one scrypt)', async () => {
    scrypt.calls = 0;
    const unknown = await request(server.baseUrl, 'GET', TOKEN_PATH, { headers: { authorization: basic('ak_made_up_x', 'secret') } });
    const wrong = await request(server.baseUrl, 'GET', TOKEN_PATH, { headers: { authorization: basic(merchant.basic.id, 'wrong-secret') } });
    expect(scrypt.calls).toBe(1);
    const shape = (res: typeof unknown) => ({ status: res.status, body: { ...res.body, timestamp: 0 } });
    expect(shape(unknown)).toEqual(shape(wrong));
  });

  it('the right credentials still verify (one scrypt, then the cache)', async () => {
    scrypt.calls = 0;
    for (let i = 0; i < 3; i++) expect((await request(server.baseUrl, 'GET', TOKEN_PATH, { basic: merchant.basic })).status).toBe(404);
    expect(scrypt.calls).toBeLessThanOrEqual(1);
  });
});
