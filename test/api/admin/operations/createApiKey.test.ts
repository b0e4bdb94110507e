/**
 * createApiKey, `POST /admin/v1/merchants/{merchant_id}/api-keys`: another API key of the merchant, working beside
 * the first; 404, 400 and 401 in the admin envelope.
 */
import { describe, expect, it } from 'vitest';
import { assertMatchesSchema } from '../../../support/contract.js';
import { ENGINES } from '../../../support/engines.js';
import { useMerchant, useTestServer } from '../../../support/fixture.js';
import { request } from '../../../support/http.js';
import { expectAdminError, IssuerApi } from '../../../support/issuer.js';

const UNKNOWN_MERCHANT = '00000000-0000-4000-8000-000000000000';

describe.each(ENGINES)('createApiKey on %s', (engine) => {
  const server = useTestServer(engine);
  const merchant = useMerchant(server);
  const api = new IssuerApi(server);
  const getAs = (basic: { id: string; secret: string }) => request(server.baseUrl, 'GET', '/oidc/api/v2/card/0123456789abcdef0123456789abcdef', { basic });

  it('answers 201 with a new key; both it and the first key authenticate', async () => {
    const res = await api.admin('POST', `/admin/v1/merchants/${merchant.merchantId}/api-keys`);
    expect(res.status, res.text).toBe(201);
    assertMatchesSchema('admin', 'ApiKey', res.body);
    expect(res.body.id).not.toBe(merchant.basic.id);
    // Authenticated: an unknown token is 404, where a wrong key would be 401.
    expect((await getAs(res.body)).status).toBe(404);
    expect((await getAs(merchant.basic)).status).toBe(404);
  });

  it('answers 404 for an unknown merchant and 400 for a malformed merchant id', async () => {
    expectAdminError(await api.admin('POST', `/admin/v1/merchants/${UNKNOWN_MERCHANT}/api-keys`), 404, 'not_found');
    expectAdminError(await api.admin('POST', '/admin/v1/merchants/not-a-uuid/api-keys'), 400, 'invalid_request');
  });

  it('answers 401 without the admin token', async () => {
    expectAdminError(await request(server.baseUrl, 'POST', `/admin/v1/merchants/${merchant.merchantId}/api-keys`), 401, 'unauthorized');
  });
});
