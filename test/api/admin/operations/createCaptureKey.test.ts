/**
 * createCaptureKey, `POST /admin/v1/merchants/{merchant_id}/capture-keys`: a capture key whose public half
 * encrypts cards the merchant can tokenize; 400, 404 and 401 in the admin envelope. (rsa3072 keys, whose
 * generation takes seconds: test/capture/capture-keys.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { assertMatchesSchema } from '../../../support/contract.js';
import { ENGINES } from '../../../support/engines.js';
import { useMerchant, useTestServer } from '../../../support/fixture.js';
import { request } from '../../../support/http.js';
import { expectAdminError, IssuerApi } from '../../../support/issuer.js';
import { tokenize } from '../../../support/merchant.js';

const UNKNOWN_MERCHANT = '00000000-0000-4000-8000-000000000000';

describe.each(ENGINES)('createCaptureKey on %s', (engine) => {
  const server = useTestServer(engine);
  const merchant = useMerchant(server);
  const api = new IssuerApi(server);
  const path = () => `/admin/v1/merchants/${merchant.merchantId}/capture-keys`;

  it('answers 201 with a key (curve25519 by default) whose public half captures cards', async () => {
    const res = await api.admin('POST', path(), {});
    expect(res.status, res.text).toBe(201);
    assertMatchesSchema('admin', 'CaptureKey', res.body);
    expect(res.body.algorithm).toBe('curve25519');
    expect(res.body.public_key_alias).not.toBe(merchant.alias);
    const put = await tokenize(server, { ...merchant, alias: res.body.public_key_alias, publicKey: res.body.public_key });
    expect(put.status, put.text).toBe(200);
  });

  it('answers 400 with body.algorithm for an unknown algorithm', async () => {
    const res = await api.admin('POST', path(), { algorithm: 'dsa' });
    expectAdminError(res, 400, 'invalid_request');
    expect(res.body.details).toHaveProperty(['body.algorithm']);
  });

  it('answers 404 for an unknown merchant and 401 without the admin token', async () => {
    expectAdminError(await api.admin('POST', `/admin/v1/merchants/${UNKNOWN_MERCHANT}/capture-keys`, {}), 404, 'not_found');
    expectAdminError(await request(server.baseUrl, 'POST', path(), { body: {} }), 401, 'unauthorized');
  });
});
