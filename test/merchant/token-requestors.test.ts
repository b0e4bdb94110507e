/**
 * Token requestors (issue 10 point 1): the admin API registers a merchant on a network with an 11-digit id in the
 * network's range, lists them, refuses a second one per network (409, the first stays), and the CLI does the same
 * through the running server's admin API.
 */
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { adminClientFromEnv } from '../../src/cli/admin-client.js';
import { addTokenRequestorCommands } from '../../src/cli/token-requestor-commands.js';
import { assertMatchesSchema } from '../support/contract.js';
import { ENGINES } from '../support/engines.js';
import { useMerchant, useTestServer } from '../support/fixture.js';
import { request } from '../support/http.js';

const UNKNOWN_MERCHANT = '00000000-0000-4000-8000-000000000000';

describe.each(ENGINES)('token requestors on %s', (engine) => {
  const server = useTestServer(engine);
  const merchant = useMerchant(server);
  const other = useMerchant(server);
  const admin = (method: string, path: string, body?: unknown) =>
    request(server.baseUrl, method, path, { bearer: server.adminToken, ...(body !== undefined ? { body } : {}) });
  const path = (id: string) => `/admin/v1/merchants/${id}/token-requestors`;

  it('registers one id per network, in the network range, and lists them', async () => {
    expect((await admin('GET', path(merchant.merchantId))).body).toEqual({ token_requestors: [] });
    const visa = await admin('POST', path(merchant.merchantId), { network: 'vts' });
    expect(visa.status).toBe(201);
    assertMatchesSchema('admin', 'TokenRequestor', visa.body);
    expect(visa.body.network).toBe('vts');
    expect(visa.body.token_requestor_id).toMatch(/^400[0-9]{8}$/);
    const mc = await admin('POST', path(merchant.merchantId), { network: 'mdes' });
    expect(mc.status).toBe(201);
    expect(mc.body.token_requestor_id).toMatch(/^501[0-9]{8}$/);

    const list = await admin('GET', path(merchant.merchantId));
    expect(list.status).toBe(200);
    assertMatchesSchema('admin', 'TokenRequestorList', list.body);
    expect(list.body.token_requestors.map((r: { token_requestor_id: string }) => r.token_requestor_id).sort()).toEqual(
      [visa.body.token_requestor_id, mc.body.token_requestor_id].sort(),
    );
    // Another merchant's list is its own.
    expect((await admin('GET', path(other.merchantId))).body).toEqual({ token_requestors: [] });
  });

  it('refuses a second registration on the same network with 409; the first id stays', async () => {
    const first = await admin('POST', path(other.merchantId), { network: 'mdes' });
    expect(first.status).toBe(201);
    const again = await admin('POST', path(other.merchantId), { network: 'mdes' });
    expect([again.status, again.body]).toEqual([409, { error_code: 'conflict', message: 'the merchant is already a token requestor on mdes' }]);
    assertMatchesSchema('admin', 'Error', again.body);
    const list = await admin('GET', path(other.merchantId));
    expect(list.body.token_requestors).toEqual([first.body]);
  });

  it('concurrent registrations on one network give one id', async () => {
    const fresh = await admin('POST', '/admin/v1/merchants', { name: 'race' });
    const id = fresh.body.merchant_id as string;
    const answers = await Promise.all(Array.from({ length: 6 }, () => admin('POST', path(id), { network: 'vts' })));
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409, 409, 409, 409, 409]);
    expect((await admin('GET', path(id))).body.token_requestors).toHaveLength(1);
  });

  it('400 on a bad network or body, 404 on an unknown merchant, 401 without the admin token', async () => {
    const bad = await admin('POST', path(merchant.merchantId), { network: 'amex' });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.details)).toEqual(['body.network']);
    const extra = await admin('POST', path(merchant.merchantId), { network: 'vts', name: 'x' });
    expect(extra.status).toBe(400);
    expect((await admin('POST', path(UNKNOWN_MERCHANT), { network: 'vts' })).body).toEqual({ error_code: 'not_found', message: 'merchant not found' });
    expect((await admin('GET', path(UNKNOWN_MERCHANT))).status).toBe(404);
    expect((await request(server.baseUrl, 'GET', path(merchant.merchantId))).status).toBe(401);
  });

  it('the CLI registers and lists through the admin API, JSON on stdout', async () => {
    const fresh = (await admin('POST', '/admin/v1/merchants', { name: 'cli' })).body.merchant_id as string;
    const run = async (...args: string[]) => {
      const program = new Command().exitOverride();
      addTokenRequestorCommands(program, () => adminClientFromEnv({ TESSERA_URL: server.baseUrl, TESSERA_ADMIN_TOKEN: server.adminToken }));
      const chunks: string[] = [];
      const write = process.stdout.write;
      process.stdout.write = ((chunk: string) => chunks.push(chunk) > 0) as typeof process.stdout.write;
      try {
        await program.parseAsync(['node', 'tessera', 'token-requestor', ...args]);
      } finally {
        process.stdout.write = write;
      }
      return JSON.parse(chunks.join('')) as Record<string, unknown>;
    };
    const created = await run('create', '--merchant', fresh, '--network', 'vts');
    expect(created.token_requestor_id).toMatch(/^400[0-9]{8}$/);
    expect(await run('list', '--merchant', fresh)).toEqual({ token_requestors: [created] });
  });
});
