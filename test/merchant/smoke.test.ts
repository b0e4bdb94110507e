import { describe, expect, it } from 'vitest';
import { ENGINES } from '../support/engines.js';
import { useMerchant, useTestServer } from '../support/fixture.js';
import { tokenize } from '../support/merchant.js';
import { request } from '../support/http.js';
import { assertMatchesSchema } from '../support/contract.js';

describe.each(ENGINES)('merchant smoke on %s', (engine) => {
  const server = useTestServer(engine);
  const merchant = useMerchant(server);

  it('tokenizes and reads back', async () => {
    const put = await tokenize(server, merchant);
    expect(put.status).toBe(200);
    assertMatchesSchema('verifone', 'CardResponse', put.body);
    const get = await request(server.baseUrl, 'GET', `/oidc/api/v2/card/${put.body.reuse_token}`, { basic: merchant.basic });
    expect(get.status).toBe(200);
    assertMatchesSchema('verifone', 'TokenResponse', get.body);
    expect(get.body.last_four).toBe('1111');
  });
});
