/**
 * Every error in the envelope of its API, and only after authentication (issue 11 points 4 and 8): unknown routes,
 * a wrong method on a known path (405 with Allow), and Fastify's own framework errors (FST_ERR_BAD_URL, a too long
 * URL parameter — answered by Fastify before any hook until now, in its own shape, echoing the URL).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../support/engines.js';
import { useMerchant, useTestServer } from '../support/fixture.js';
import { request, type HttpResult } from '../support/http.js';
import { createAccount, IssuerApi, type TestAccount } from '../support/issuer.js';

const PAN = '4111111111111111';
const LONG = 'x'.repeat(1500);

function expectClean(res: HttpResult): void {
  // Never the URL echoed back (it may carry a PAN), always the answer headers.
  expect(res.text).not.toContain(PAN);
  expect(res.text).not.toContain('%zz');
  expect(res.text).not.toContain('xxxxxxxxxx');
  expect(res.text).not.toContain('FST_');
  expect(res.headers.get('cache-control')).toBe('no-store');
  expect(res.headers.get('x-request-id')).toBeTruthy();
}

function verifone(res: HttpResult, code: number): Record<string, { message: string }> {
  expect(res.status, res.text).toBe(code);
  expect(res.body).toMatchObject({ code, message: expect.any(String), timestamp: expect.any(Number), reversal_status: 'NONE' });
  expectClean(res);
  return (res.body as { details: Record<string, { message: string }> }).details;
}

function pismo(res: HttpResult, status: number, errorCode: string): string {
  expect(res.status, res.text).toBe(status);
  expect(Object.keys(res.body as object).sort()).toEqual(['error_code', 'message']);
  expect((res.body as { error_code: string }).error_code).toBe(errorCode);
  expectClean(res);
  return (res.body as { message: string }).message;
}

function admin(res: HttpResult, status: number, errorCode: string): void {
  expect(res.status, res.text).toBe(status);
  expect(res.body).toMatchObject({ error_code: errorCode, message: expect.any(String) });
  expectClean(res);
}

describe.each(ENGINES)('edge errors on %s', (engine) => {
  const server = useTestServer(engine, { env: { TESSERA_AUTH_FAILURE_DELAY_MS: '0' } });
  const merchant = useMerchant(server);
  let account: TestAccount;

  beforeAll(async () => {
    account = await createAccount(new IssuerApi(server));
  });

  describe('Verifone (/oidc)', () => {
    const cases: Array<[string, string, string]> = [
      ['an unknown route', 'GET', `/oidc/api/v2/nothing/${PAN}`],
      ['a wrong method', 'POST', '/oidc/api/v2/card'],
      ['a bad URL (FST_ERR_BAD_URL)', 'GET', '/oidc/api/v2/card/%zz'],
      ['a too long URL parameter', 'GET', `/oidc/api/v2/card/${LONG}`],
    ];
    it.each(cases)('%s without credentials: 401 in the envelope', async (_label, method, path) => {
      verifone(await request(server.baseUrl, method, path), 401);
    });

    it('an unknown route with credentials: 404 in the envelope', async () => {
      expect(verifone(await request(server.baseUrl, 'GET', `/oidc/api/v2/nothing/${PAN}`, { basic: merchant.basic }), 404)).toEqual({
        path: { message: 'no such operation' },
      });
    });

    it('a wrong method on a known path: 405 in the envelope with Allow', async () => {
      const put = await request(server.baseUrl, 'POST', '/oidc/api/v2/card', { basic: merchant.basic, body: {} });
      verifone(put, 405);
      expect(put.headers.get('allow')).toBe('PUT');
      const byId = await request(server.baseUrl, 'PUT', '/oidc/api/v2/card/0123456789abcdef', { basic: merchant.basic, body: {} });
      verifone(byId, 405);
      expect(byId.headers.get('allow')).toBe('DELETE, GET, HEAD, PATCH');
      const suspend = await request(server.baseUrl, 'POST', '/oidc/api/v2/card/0123456789abcdef/suspend', { basic: merchant.basic });
      verifone(suspend, 405);
      expect(suspend.headers.get('allow')).toBe('PATCH');
    });

    it('framework errors with credentials: 400 in the envelope naming params', async () => {
      expect(verifone(await request(server.baseUrl, 'GET', '/oidc/api/v2/card/%zz', { basic: merchant.basic }), 400)).toEqual({
        params: { message: 'is not a valid URL' },
      });
      expect(verifone(await request(server.baseUrl, 'GET', `/oidc/api/v2/card/${LONG}`, { basic: merchant.basic }), 400)).toEqual({
        params: { message: 'is too long' },
      });
    });
  });

  describe('Pismo (/cards-tokenization)', () => {
    it('without a token: 401 ERR9786 for unknown routes, wrong methods and framework errors', async () => {
      for (const [method, path] of [
        ['GET', '/cards-tokenization/v2/nothing'],
        ['DELETE', '/cards-tokenization/v1/cards/1'],
        ['GET', '/cards-tokenization/v1/cards/%zz/network-tokens'],
        ['GET', `/cards-tokenization/v1/cards/1/network-tokens/${LONG}`],
      ] as const) {
        pismo(await request(server.baseUrl, method, path), 401, 'ERR9786');
      }
    });

    it('with a token: 404, 405 with Allow, and 400 in the Pismo envelope', async () => {
      const bearer = account.jwt;
      expect(pismo(await request(server.baseUrl, 'GET', '/cards-tokenization/v2/nothing', { bearer }), 404, 'ERR4000')).toBe('No such operation');
      const wrong = await request(server.baseUrl, 'DELETE', '/cards-tokenization/v1/cards/1/network-tokens/abc', { bearer });
      expect(pismo(wrong, 405, 'ERR4050')).toBe('Method not allowed');
      expect(wrong.headers.get('allow')).toBe('GET, HEAD, POST');
      expect(pismo(await request(server.baseUrl, 'GET', '/cards-tokenization/v1/cards/%zz/network-tokens', { bearer }), 400, 'ERR4000')).toBe(
        'Invalid request: params is not a valid URL',
      );
      pismo(await request(server.baseUrl, 'GET', `/cards-tokenization/v1/cards/1/network-tokens/${LONG}`, { bearer }), 400, 'ERR4000');
    });
  });

  describe('admin (/admin/v1)', () => {
    it('without the admin token: 401 for unknown routes, wrong methods and framework errors', async () => {
      admin(await request(server.baseUrl, 'GET', '/admin/v1/no-such-thing'), 401, 'unauthorized');
      admin(await request(server.baseUrl, 'GET', '/admin/v1/merchants'), 401, 'unauthorized');
      admin(await request(server.baseUrl, 'GET', '/admin/v1/merchants/%zz/capture-keys'), 401, 'unauthorized');
    });

    it('with it: 404, 405 with Allow, and 400 in the admin envelope', async () => {
      const bearer = server.adminToken;
      admin(await request(server.baseUrl, 'GET', '/admin/v1/no-such-thing', { bearer }), 404, 'not_found');
      const wrong = await request(server.baseUrl, 'PUT', '/admin/v1/merchants', { bearer });
      admin(wrong, 405, 'method_not_allowed');
      expect(wrong.headers.get('allow')).toBe('GET, HEAD, POST');
      const bad = await request(server.baseUrl, 'GET', '/admin/v1/merchants/%zz/capture-keys', { bearer });
      admin(bad, 400, 'invalid_request');
      expect(bad.body).toMatchObject({ details: { params: 'is not a valid URL' } });
    });
  });

  describe('outside every API', () => {
    it('an unknown path: a plain 404 that does not echo it; a bad URL: a plain 400', async () => {
      const unknown = await request(server.baseUrl, 'GET', `/nothing/${PAN}`);
      expect(unknown.status).toBe(404);
      expect(unknown.body).toEqual({ error_code: 'not_found', message: 'no such route' });
      expectClean(unknown);
      const bad = await request(server.baseUrl, 'GET', '/%zz');
      expect(bad.status).toBe(400);
      expectClean(bad);
    });

    it('logs one access line for a framework error, its URL redacted', async () => {
      await request(server.baseUrl, 'GET', `/oidc/${PAN}/%zz`, { basic: merchant.basic });
      await new Promise((resolve) => setTimeout(resolve, 50));
      const lines = server.logs.filter((line) => line.includes('"msg":"request"') && line.includes('%zz'));
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) expect(line).not.toContain(PAN);
    });
  });
});
