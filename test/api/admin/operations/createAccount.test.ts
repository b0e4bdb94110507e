/**
 * createAccount, `POST /admin/v1/accounts`: an issuer account with every default or the ids given; 400 and 401
 * in the admin envelope. (More refusals: test/issuer/admin-sandbox.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { assertMatchesSchema } from '../../../support/contract.js';
import { ENGINES } from '../../../support/engines.js';
import { useIssuerServer } from '../../../support/fixture.js';
import { request } from '../../../support/http.js';
import { expectAdminError } from '../../../support/issuer.js';

describe.each(ENGINES)('createAccount on %s', (engine) => {
  const env = useIssuerServer(engine);
  const { api } = env;

  it('answers 201 with a new account, without a body or with the ids given', async () => {
    const bare = await request(env.server.baseUrl, 'POST', '/admin/v1/accounts', { bearer: env.server.adminToken });
    expect(bare.status, bare.text).toBe(201);
    assertMatchesSchema('admin', 'Account', bare.body);
    const orgId = 'TN-00000000-0000-4000-8000-00000000c0de';
    const given = await api.createAccount({ org_id: orgId, program_id: '42' });
    expect(given.status, given.text).toBe(201);
    expect(given.body).toMatchObject({ org_id: orgId, program_id: '42' });
    expect(given.body.account_id).not.toBe(bare.body.account_id);
  });

  it('answers 400 with the field for a malformed org_id or an unknown field', async () => {
    const badOrg = await api.createAccount({ org_id: 'ACME' });
    expectAdminError(badOrg, 400, 'invalid_request');
    expect(badOrg.body.details).toHaveProperty(['body.org_id']);
    expectAdminError(await api.createAccount({ bogus: 1 }), 400, 'invalid_request');
  });

  it('answers 401 without the admin token', async () => {
    expectAdminError(await request(env.server.baseUrl, 'POST', '/admin/v1/accounts', { body: {} }), 401, 'unauthorized');
  });
});
