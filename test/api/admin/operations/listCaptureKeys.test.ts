/**
 * listCaptureKeys, `GET /admin/v1/merchants/{merchant_id}/capture-keys`: the public halves of the merchant's
 * capture keys, and only its own; 404, 400 and 401 in the admin envelope.
 */
import { describe, expect, it } from 'vitest';
import { assertMatchesSchema } from '../../../support/contract.js';
import { ENGINES } from '../../../support/engines.js';
import { useMerchant, useTestServer } from '../../../support/fixture.js';
import { request } from '../../../support/http.js';
import { expectAdminError, IssuerApi } from '../../../support/issuer.js';

const UNKNOWN_MERCHANT = '00000000-0000-4000-8000-000000000000';

describe.each(ENGINES)('listCaptureKeys on %s', (engine) => {
  const server = useTestServer(engine);
  const merchant = useMerchant(server);
  const other = useMerchant(server);
  const api = new IssuerApi(server);
  const path = (merchantId: string) => `/admin/v1/merchants/${merchantId}/capture-keys`;

  it("answers 200 with the merchant's public keys, a new one included, and none of another merchant's", async () => {
    const created = await api.admin('POST', path(merchant.merchantId), { algorithm: 'curve25519' });
    expect(created.status, created.text).toBe(201);
    const res = await api.admin('GET', path(merchant.merchantId));
    expect(res.status, res.text).toBe(200);
    assertMatchesSchema('admin', 'CaptureKeyList', res.body);
    const aliases = res.body.public_keys.map((key: { public_key_alias: string }) => key.public_key_alias);
    expect(aliases.sort()).toEqual([merchant.alias, created.body.public_key_alias].sort());
    expect(aliases).not.toContain(other.alias);
  });

  it('answers 404 for an unknown merchant, 400 for a malformed id and 401 without the admin token', async () => {
    expectAdminError(await api.admin('GET', path(UNKNOWN_MERCHANT)), 404, 'not_found');
    expectAdminError(await api.admin('GET', path('not-a-uuid')), 400, 'invalid_request');
    expectAdminError(await request(server.baseUrl, 'GET', path(merchant.merchantId)), 401, 'unauthorized');
  });
});
