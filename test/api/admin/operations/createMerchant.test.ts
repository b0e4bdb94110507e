/**
 * createMerchant, `POST /admin/v1/merchants`: a merchant with its first API key, which then authenticates on
 * the merchant API; 400 and 401 in the admin envelope.
 */
import { describe, expect, it } from 'vitest';
import { assertMatchesSchema } from '../../../support/contract.js';
import { ENGINES } from '../../../support/engines.js';
import { useTestServer } from '../../../support/fixture.js';
import { request } from '../../../support/http.js';
import { expectAdminError, IssuerApi } from '../../../support/issuer.js';

describe.each(ENGINES)('createMerchant on %s', (engine) => {
  const server = useTestServer(engine);
  const api = new IssuerApi(server);

  it('answers 201 with the merchant id and an API key that authenticates on the merchant API', async () => {
    const res = await api.admin('POST', '/admin/v1/merchants', { name: 'Acme' });
    expect(res.status, res.text).toBe(201);
    assertMatchesSchema('admin', 'CreateMerchantResponse', res.body);
    // Authenticated: an unknown token is 404, where a wrong key would be 401.
    const get = await request(server.baseUrl, 'GET', '/oidc/api/v2/card/0123456789abcdef0123456789abcdef', { basic: res.body.api_key });
    expect(get.status, get.text).toBe(404);
  });

  it('answers 400 with body.name for a blank or missing name', async () => {
    const blank = await api.admin('POST', '/admin/v1/merchants', { name: '   ' });
    expectAdminError(blank, 400, 'invalid_request');
    expect(blank.body.details).toHaveProperty(['body.name']);
    expectAdminError(await api.admin('POST', '/admin/v1/merchants', {}), 400, 'invalid_request');
  });

  it('answers 401 without the admin token or with a wrong one', async () => {
    expectAdminError(await request(server.baseUrl, 'POST', '/admin/v1/merchants', { body: { name: 'Acme' } }), 401, 'unauthorized');
    const wrong = await request(server.baseUrl, 'POST', '/admin/v1/merchants', { bearer: `${server.adminToken}x`, body: { name: 'Acme' } });
    expectAdminError(wrong, 401, 'unauthorized');
  });
});
