/**
 * The admin API's answers, byte for byte: the exact bodies of its success and error answers, as they were
 * before /admin/v1 moved to one edge with one file per operation (this file passes on both trees).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestServer } from '../../support/fixture.js';
import { request } from '../../support/http.js';

const UNKNOWN_MERCHANT = '00000000-0000-4000-8000-000000000000';

describe('admin API answers', () => {
  const server = useTestServer('sqlite');
  let merchantId: string;
  const admin = (method: string, path: string, body?: unknown) =>
    request(server.baseUrl, method, path, { bearer: server.adminToken, ...(body !== undefined ? { body } : {}) });

  beforeAll(async () => {
    merchantId = (await admin('POST', '/admin/v1/merchants', { name: 'answers' })).body.merchant_id;
  });

  it('401 without or with a wrong admin token, on merchant and issuer operations alike', async () => {
    const expected = '{"error_code":"unauthorized","message":"a valid admin token is required (Authorization: Bearer …)"}';
    for (const [method, path] of [
      ['POST', '/admin/v1/merchants'],
      ['GET', `/admin/v1/merchants/${merchantId}/capture-keys`],
      ['POST', '/admin/v1/accounts'],
    ] as const) {
      const none = await request(server.baseUrl, method, path);
      expect([none.status, none.text]).toEqual([401, expected]);
      const wrong = await request(server.baseUrl, method, path, { bearer: `${server.adminToken}x` });
      expect([wrong.status, wrong.text]).toEqual([401, expected]);
    }
  });

  it('400 on a domain refusal, with the body.<snake_case> field', async () => {
    const blank = await admin('POST', '/admin/v1/merchants', { name: '   ' });
    expect([blank.status, blank.text]).toEqual([
      400,
      '{"error_code":"invalid_request","message":"invalid parameters","details":{"body.name":"must be 1 to 200 characters"}}',
    ]);
    const scope = await admin('POST', `/admin/v1/merchants/${merchantId}/token-scopes`, { name: '   ' });
    expect([scope.status, scope.text]).toEqual([
      400,
      '{"error_code":"invalid_request","message":"invalid parameters","details":{"body.name":"must be 1 to 200 characters"}}',
    ]);
    const algorithm = await admin('POST', `/admin/v1/merchants/${merchantId}/capture-keys`, { algorithm: 'dsa' });
    expect([algorithm.status, algorithm.text]).toEqual([
      400,
      '{"error_code":"invalid_request","message":"invalid parameters","details":{"body.algorithm":"must be one of curve25519, rsa3072"}}',
    ]);
  });

  it('400 on a schema refusal', async () => {
    const missing = await admin('POST', '/admin/v1/merchants', {});
    expect([missing.status, missing.text]).toEqual([
      400,
      '{"error_code":"invalid_request","message":"invalid parameters","details":{"body.name":"is required"}}',
    ]);
    const badId = await admin('POST', '/admin/v1/merchants/not-a-uuid/api-keys');
    expect([badId.status, badId.text]).toEqual([
      400,
      '{"error_code":"invalid_request","message":"invalid parameters","details":{"params.merchant_id":"must be a valid uuid"}}',
    ]);
  });

  it('404 with the object named as before', async () => {
    const key = await admin('DELETE', `/admin/v1/merchants/${merchantId}/api-keys/ak_nope`);
    expect([key.status, key.text]).toEqual([404, '{"error_code":"not_found","message":"api key not found"}']);
    const merchant = await admin('POST', `/admin/v1/merchants/${UNKNOWN_MERCHANT}/api-keys`);
    expect([merchant.status, merchant.text]).toEqual([404, '{"error_code":"not_found","message":"merchant not found"}']);
    const list = await admin('GET', `/admin/v1/merchants/${UNKNOWN_MERCHANT}/capture-keys`);
    expect([list.status, list.text]).toEqual([404, '{"error_code":"not_found","message":"merchant not found"}']);
    const account = await admin('POST', '/admin/v1/accounts/123456789/access-tokens');
    expect([account.status, account.text]).toEqual([404, '{"error_code":"not_found","message":"account not found"}']);
  });

  it('success bodies keep their shape and key order', async () => {
    const key = await admin('POST', `/admin/v1/merchants/${merchantId}/api-keys`);
    expect(key.status).toBe(201);
    expect(Object.keys(key.body)).toEqual(['id', 'secret']);
    const created = await admin('POST', '/admin/v1/merchants', { name: 'shape' });
    expect(Object.keys(created.body)).toEqual(['merchant_id', 'api_key']);
    expect(Object.keys(created.body.api_key)).toEqual(['id', 'secret']);
    const scope = await admin('POST', `/admin/v1/merchants/${merchantId}/token-scopes`, { name: 'web' });
    expect([scope.status, Object.keys(scope.body)]).toEqual([201, ['token_scope']]);
    const revoked = await admin('DELETE', `/admin/v1/merchants/${merchantId}/api-keys/${key.body.id}`);
    expect([revoked.status, revoked.text]).toEqual([204, '']);
    const capture = await request(server.baseUrl, 'POST', `/admin/v1/merchants/${merchantId}/capture-keys`, { bearer: server.adminToken });
    expect([capture.status, Object.keys(capture.body)]).toEqual([201, ['public_key_alias', 'public_key', 'algorithm', 'created_at']]);
    const list = await admin('GET', `/admin/v1/merchants/${merchantId}/capture-keys`);
    expect([list.status, list.body.public_keys.length]).toEqual([200, 1]);
    // The account body is optional: a request without one gets every default.
    const account = await request(server.baseUrl, 'POST', '/admin/v1/accounts', { bearer: server.adminToken });
    expect([account.status, Object.keys(account.body)]).toEqual([201, ['account_id', 'org_id', 'program_id']]);
    const token = await admin('POST', `/admin/v1/accounts/${account.body.account_id}/access-tokens`);
    expect([token.status, Object.keys(token.body).sort()]).toEqual([201, ['access_token', 'expires_in']]);
  });
});
