/**
 * getMerchant, `GET /admin/v1/merchants/{merchant_id}`: the merchant by id; 404, 400 and 401 in the admin envelope.
 */
import { describe, expect, it } from 'vitest';
import { assertMatchesSchema } from '../../../support/contract.js';
import { ENGINES } from '../../../support/engines.js';
import { useMerchant, useTestServer } from '../../../support/fixture.js';
import { request } from '../../../support/http.js';
import { expectAdminError, IssuerApi } from '../../../support/issuer.js';

const UNKNOWN_MERCHANT = '00000000-0000-4000-8000-000000000000';

describe.each(ENGINES)('getMerchant on %s', (engine) => {
  const server = useTestServer(engine);
  const merchant = useMerchant(server);
  const api = new IssuerApi(server);
  const path = (merchantId: string) => `/admin/v1/merchants/${merchantId}`;

  it('answers 200 with the merchant', async () => {
    const res = await api.admin('GET', path(merchant.merchantId));
    expect(res.status, res.text).toBe(200);
    assertMatchesSchema('admin', 'Merchant', res.body);
    expect(JSON.stringify(res.body)).toContain(merchant.merchantId);
  });

  it('answers 404 for an unknown merchant, 400 for a malformed id and 401 without the admin token', async () => {
    expectAdminError(await api.admin('GET', path(UNKNOWN_MERCHANT)), 404, 'not_found');
    expectAdminError(await api.admin('GET', path('not-a-uuid')), 400, 'invalid_request');
    expectAdminError(await request(server.baseUrl, 'GET', path(merchant.merchantId)), 401, 'unauthorized');
  });
});
