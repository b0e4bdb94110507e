/**
 * revokeApiKey, `DELETE /admin/v1/merchants/{merchant_id}/api-keys/{key_id}`: the key stops authenticating at
 * once, the merchant's other keys keep working; 404 and 401 in the admin envelope.
 */
import { describe, expect, it } from 'vitest';
import { ENGINES } from '../../../support/engines.js';
import { useMerchant, useTestServer } from '../../../support/fixture.js';
import { request } from '../../../support/http.js';
import { expectAdminError, IssuerApi } from '../../../support/issuer.js';
import { expectUnauthorized } from '../../../merchant/helpers.js';

describe.each(ENGINES)('revokeApiKey on %s', (engine) => {
  const server = useTestServer(engine);
  const merchant = useMerchant(server);
  const other = useMerchant(server);
  const api = new IssuerApi(server);
  const getAs = (basic: { id: string; secret: string }) => request(server.baseUrl, 'GET', '/oidc/api/v2/card/0123456789abcdef0123456789abcdef', { basic });
  const newKey = async (merchantId: string): Promise<{ id: string; secret: string }> => {
    const res = await api.admin('POST', `/admin/v1/merchants/${merchantId}/api-keys`);
    expect(res.status, res.text).toBe(201);
    return res.body;
  };

  it('answers 204 with no body; the key then answers 401 while the first key still works', async () => {
    const key = await newKey(merchant.merchantId);
    expect((await getAs(key)).status).toBe(404);
    const res = await api.admin('DELETE', `/admin/v1/merchants/${merchant.merchantId}/api-keys/${key.id}`);
    expect([res.status, res.text]).toEqual([204, '']);
    expectUnauthorized(await getAs(key));
    expect((await getAs(merchant.basic)).status).toBe(404);
  });

  it("answers 404 for an unknown key and for another merchant's key, which keeps working", async () => {
    expectAdminError(await api.admin('DELETE', `/admin/v1/merchants/${merchant.merchantId}/api-keys/ak_000000000000000000000000`), 404, 'not_found');
    const theirs = await newKey(other.merchantId);
    expectAdminError(await api.admin('DELETE', `/admin/v1/merchants/${merchant.merchantId}/api-keys/${theirs.id}`), 404, 'not_found');
    expect((await getAs(theirs)).status).toBe(404);
  });

  it('answers 401 without the admin token, and the key keeps working', async () => {
    const key = await newKey(merchant.merchantId);
    expectAdminError(await request(server.baseUrl, 'DELETE', `/admin/v1/merchants/${merchant.merchantId}/api-keys/${key.id}`), 401, 'unauthorized');
    expect((await getAs(key)).status).toBe(404);
  });
});
