/**
 * createTokenScope, `POST /admin/v1/merchants/{merchant_id}/token-scopes`: a scope the merchant can tokenize
 * under; 400, 404 and 401 in the admin envelope.
 */
import { describe, expect, it } from 'vitest';
import { assertMatchesSchema } from '../../../support/contract.js';
import { ENGINES } from '../../../support/engines.js';
import { useMerchant, useTestServer } from '../../../support/fixture.js';
import { request } from '../../../support/http.js';
import { expectAdminError, IssuerApi } from '../../../support/issuer.js';
import { tokenize } from '../../../support/merchant.js';

const UNKNOWN_MERCHANT = '00000000-0000-4000-8000-000000000000';

describe.each(ENGINES)('createTokenScope on %s', (engine) => {
  const server = useTestServer(engine);
  const merchant = useMerchant(server);
  const api = new IssuerApi(server);
  const path = () => `/admin/v1/merchants/${merchant.merchantId}/token-scopes`;

  it('answers 201 with a scope the merchant then tokenizes under', async () => {
    const res = await api.admin('POST', path(), { name: 'app', token_ttl_days: 30 });
    expect(res.status, res.text).toBe(201);
    assertMatchesSchema('admin', 'CreateTokenScopeResponse', res.body);
    expect(res.body.token_scope).not.toBe(merchant.scope);
    const put = await tokenize(server, merchant, undefined, { token_scope: res.body.token_scope });
    expect(put.status, put.text).toBe(200);
    expect(put.body.token_scope).toBe(res.body.token_scope);
  });

  it('answers 400 for a missing name, an unknown field or a lifetime out of range', async () => {
    for (const body of [{}, { name: 'x', colour: 'red' }, { name: 'x', token_ttl_days: 0 }]) {
      expectAdminError(await api.admin('POST', path(), body), 400, 'invalid_request');
    }
  });

  it('answers 404 for an unknown merchant and 401 without the admin token', async () => {
    expectAdminError(await api.admin('POST', `/admin/v1/merchants/${UNKNOWN_MERCHANT}/token-scopes`, { name: 'x' }), 404, 'not_found');
    expectAdminError(await request(server.baseUrl, 'POST', path(), { body: { name: 'x' } }), 401, 'unauthorized');
  });
});
