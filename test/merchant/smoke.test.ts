import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../support/engines.js';
import { startTestServer, type TestServer } from '../support/app.js';
import { bootstrapMerchant, tokenize, type TestMerchant } from '../support/merchant.js';
import { request } from '../support/http.js';
import { assertMatchesSchema } from '../support/contract.js';

describe.each(ENGINES)('merchant smoke on %s', (engine) => {
  let server: TestServer;
  let merchant: TestMerchant;
  beforeAll(async () => {
    server = await startTestServer(engine);
    merchant = await bootstrapMerchant(server);
  });
  afterAll(() => server.close());

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
