/**
 * Rate limits at the edge (issue 11 point 4): per credential (API key, account-token subject, admin token) and per
 * client address, answered 429 in the envelope of each API with `Retry-After`; failed merchant authentications
 * limited per address and per key id, answered 429 before any lookup once spent. The server's clock is a controlled
 * one, so refills are shown by moving it, never by waiting.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../support/engines.js';
import { useMerchant, useTestServer } from '../support/fixture.js';
import { request, type HttpResult } from '../support/http.js';
import { bootstrapMerchant, type TestMerchant } from '../support/merchant.js';
import { createAccount, IssuerApi, type TestAccount } from '../support/issuer.js';
import { controlledClock } from '../merchant/helpers.js';

const VERIFONE_429 =
  'Too many requests. The number of requests allowed for your credentials or your address has been exceeded: wait for the number of seconds given in the Retry-After header of the response before trying again.';

function expectVerifone429(res: HttpResult, retryAfter: number): void {
  expect(res.status, res.text).toBe(429);
  expect(res.headers.get('retry-after')).toBe(String(retryAfter));
  expect(res.body).toEqual({ code: 429, message: VERIFONE_429, details: {}, timestamp: expect.any(Number), reversal_status: 'NONE' });
  expect(res.headers.get('cache-control')).toBe('no-store');
}

function expectPismo429(res: HttpResult, retryAfter: number): void {
  expect(res.status, res.text).toBe(429);
  expect(res.headers.get('retry-after')).toBe(String(retryAfter));
  expect(res.body).toEqual({ error_code: 'ERR4290', message: 'Too many requests' });
}

function expectAdmin429(res: HttpResult, retryAfter: number): void {
  expect(res.status, res.text).toBe(429);
  expect(res.headers.get('retry-after')).toBe(String(retryAfter));
  expect(res.body).toEqual({ error_code: 'rate_limited', message: `too many requests: retry after ${retryAfter} s` });
}

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
const MINUTE = 60_000;

describe.each(ENGINES)('rate limits per credential on %s', (engine) => {
  const clock = controlledClock();
  // 3 a minute per credential: one token every 20 s, so Retry-After is 20 once a bucket is empty.
  const server = useTestServer(engine, { clock: clock.clock, env: { TESSERA_RATE_LIMIT_PER_CREDENTIAL: '3' } });
  const issuer = new IssuerApi(server);
  // Each bootstrap spends the admin credential's 3 requests; the clock refills it between them.
  const merchant = useMerchant(server);
  let other: TestMerchant;
  let account: TestAccount;
  beforeAll(async () => {
    clock.advanceMs(MINUTE);
    other = await bootstrapMerchant(server);
    clock.advanceMs(MINUTE);
    account = await createAccount(issuer);
    clock.advanceMs(MINUTE);
  });

  const getCard = (m: TestMerchant) => request(server.baseUrl, 'GET', '/oidc/api/v2/card/0123456789abcdef0123456789abcdef', { basic: m.basic });

  it('Verifone: the 4th request of an API key in a minute is a 429 in the Verifone envelope; other keys are not affected; it refills', async () => {
    for (let i = 0; i < 3; i++) expect((await getCard(merchant)).status).toBe(404);
    expectVerifone429(await getCard(merchant), 20);
    // Unknown routes and wrong methods of that key are counted and answered alike.
    expectVerifone429(await request(server.baseUrl, 'GET', '/oidc/nothing-here', { basic: merchant.basic }), 20);
    expect((await getCard(other)).status).toBe(404);
    clock.advanceMs(20_000);
    expect((await getCard(merchant)).status).toBe(404);
    expectVerifone429(await getCard(merchant), 20);
  });

  it('Pismo: the 4th request of an account token subject is a 429 in the Pismo envelope', async () => {
    clock.advanceMs(MINUTE);
    const list = () => issuer.listTokens(account.jwt, 999_999);
    for (let i = 0; i < 3; i++) expect((await list()).status).not.toBe(429);
    expectPismo429(await list(), 20);
    clock.advanceMs(20_000);
    expect((await list()).status).not.toBe(429);
  });

  it('admin: the 4th request with the admin token is a 429 in the admin envelope; without the token it is still a 401', async () => {
    clock.advanceMs(MINUTE);
    for (let i = 0; i < 3; i++) expect((await issuer.admin('GET', `/admin/v1/merchants/${merchant.merchantId}/capture-keys`)).status).toBe(200);
    expectAdmin429(await issuer.admin('GET', `/admin/v1/merchants/${merchant.merchantId}/capture-keys`), 20);
    // The limit is the credential's: a caller without it learns nothing but 401.
    expect((await request(server.baseUrl, 'GET', `/admin/v1/merchants/${merchant.merchantId}/capture-keys`)).status).toBe(401);
  });
});

describe.each(ENGINES)('rate limit per client address on %s', (engine) => {
  const clock = controlledClock();
  const server = useTestServer(engine, { clock: clock.clock, env: { TESSERA_RATE_LIMIT_PER_ADDRESS: '4' } });

  it('counts every API request of the address before authentication, and answers each API in its envelope', async () => {
    for (let i = 0; i < 4; i++) expect((await request(server.baseUrl, 'GET', '/oidc/api/v2/card/abc')).status).toBe(401);
    // 4 a minute: one every 15 s.
    expectVerifone429(await request(server.baseUrl, 'GET', '/oidc/api/v2/card/abc'), 15);
    expectPismo429(await request(server.baseUrl, 'GET', '/cards-tokenization/v1/cards/1/network-tokens'), 15);
    expectAdmin429(await request(server.baseUrl, 'POST', '/admin/v1/merchants', { bearer: server.adminToken, body: { name: 'x' } }), 15);
    // Unknown routes and framework errors of an API too, in its envelope.
    expectAdmin429(await request(server.baseUrl, 'GET', '/admin/v1/no-such-thing'), 15);
    expectVerifone429(await request(server.baseUrl, 'GET', '/oidc/%zz'), 15);
    // Operational endpoints are not an API: probes keep working.
    expect((await request(server.baseUrl, 'GET', '/livez')).status).toBe(200);
    clock.advanceMs(15_000);
    expect((await request(server.baseUrl, 'POST', '/admin/v1/merchants', { bearer: server.adminToken, body: { name: 'x' } })).status).toBe(201);
  });
});

describe.each(ENGINES)('failed merchant authentications on %s', (engine) => {
  const clock = controlledClock();
  const server = useTestServer(engine, {
    clock: clock.clock,
    env: { TESSERA_AUTH_FAILURES_PER_ADDRESS: '1000', TESSERA_AUTH_FAILURES_PER_KEY: '3', TESSERA_AUTH_FAILURE_DELAY_MS: '0' },
  });
  const merchant = useMerchant(server);

  const getWith = (authorization: string) =>
    request(server.baseUrl, 'GET', '/oidc/api/v2/card/0123456789abcdef0123456789abcdef', { headers: { authorization } });

  it('per key id: after 3 failures the next attempt is a 429 at once, for an existing key id and an unknown one alike', async () => {
    // Verified once: the merchant's own credentials are remembered and not held back by an attacker's failures.
    expect((await getWith(basic(merchant.basic.id, merchant.basic.secret))).status).toBe(404);
    for (const id of [merchant.basic.id, 'ak_00000000000000000000000000']) {
      for (let i = 0; i < 3; i++) expect((await getWith(basic(id, `wrong-${i}`))).status).toBe(401);
      // 3 a minute: one every 20 s.
      expectVerifone429(await getWith(basic(id, 'wrong-again')), 20);
    }
    expect((await getWith(basic(merchant.basic.id, merchant.basic.secret))).status).toBe(404);
    clock.advanceMs(20_000);
    expect((await getWith(basic(merchant.basic.id, 'wrong-after-refill'))).status).toBe(401);
    expectVerifone429(await getWith(basic(merchant.basic.id, 'wrong-again')), 20);
  });

  it('a success gives the attempt back: valid credentials never spend the budget', async () => {
    const key = await request(server.baseUrl, 'POST', `/admin/v1/merchants/${merchant.merchantId}/api-keys`, { bearer: server.adminToken });
    expect(key.status, key.text).toBe(201);
    const fresh: { id: string; secret: string } = key.body.api_key ?? key.body;
    // More first verifications than the budget (each new process cache entry is one scrypt): none is refused.
    for (let i = 0; i < 5; i++) expect((await getWith(basic(fresh.id, fresh.secret))).status).toBe(404);
  });
});

describe.each(ENGINES)('failed merchant authentications per address on %s', (engine) => {
  const clock = controlledClock();
  const server = useTestServer(engine, {
    clock: clock.clock,
    env: { TESSERA_AUTH_FAILURES_PER_ADDRESS: '2', TESSERA_AUTH_FAILURE_DELAY_MS: '0' },
  });
  const merchant = useMerchant(server);

  it('after 2 failures from the address, further attempts with any key id are 429 until it refills', async () => {
    const get = (id: string, secret: string) => request(server.baseUrl, 'GET', '/oidc/api/v2/card/0123456789abcdef0123456789abcdef', { basic: { id, secret } });
    expect((await get('ak_aaaaaaaaaaaaaaaaaaaaaaaaaa', 'x')).status).toBe(401);
    expect((await get('ak_bbbbbbbbbbbbbbbbbbbbbbbbbb', 'x')).status).toBe(401);
    expectVerifone429(await get('ak_cccccccccccccccccccccccccc', 'x'), 30);
    // A malformed header costs nothing and is not counted: still a 401.
    expect((await request(server.baseUrl, 'GET', '/oidc/api/v2/card/abc', { headers: { authorization: 'Basic !!!' } })).status).toBe(401);
    clock.advanceMs(30_000);
    expect((await get(merchant.basic.id, merchant.basic.secret)).status).toBe(404);
  });
});
