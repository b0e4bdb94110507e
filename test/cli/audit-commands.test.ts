/**
 * `tessera audit list` and `tessera audit export`, the real CLI in its own process talking to a running server's
 * admin API (TESSERA_URL, TESSERA_ADMIN_TOKEN), print what the API answers: a page as JSON, every record as JSON lines.
 */
import { describe, expect, it } from 'vitest';
import { merchantOwner } from '../../src/owners.js';
import { runCli } from '../support/child-server.js';
import { ENGINES } from '../support/engines.js';
import { useMerchant, useTestServer } from '../support/fixture.js';
import { request } from '../support/http.js';

const CLI_TIMEOUT_MS = 120_000;

describe.each(ENGINES)('tessera audit list and export on %s', (engine) => {
  const server = useTestServer(engine);
  const merchant = useMerchant(server);
  const vars = () => ({ TESSERA_URL: server.baseUrl, TESSERA_ADMIN_TOKEN: server.adminToken });

  it(
    'list prints a page of the filtered records; export prints all of them as JSON lines',
    async () => {
      const owner = merchantOwner(merchant.merchantId);
      const api = await request(server.baseUrl, 'GET', `/admin/v1/audit-records?owner=${encodeURIComponent(owner)}&limit=500`, { bearer: server.adminToken });
      expect(api.body.records).toHaveLength(4);

      const list = await runCli(['audit', 'list', '--owner', owner, '--limit', '2'], vars());
      expect(list.code, list.stderr).toBe(0);
      const page = JSON.parse(list.stdout) as { records: unknown[]; next_cursor: string | null };
      expect(page.records).toEqual(api.body.records.slice(0, 2));
      expect(page.next_cursor).toEqual(expect.any(String));

      const exported = await runCli(['audit', 'export', '--owner', owner, '--action', 'api_key.created'], vars());
      expect(exported.code, exported.stderr).toBe(0);
      const lines = exported.stdout
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as { action: string; object_id: string });
      expect(lines.map((r) => [r.action, r.object_id])).toEqual([['api_key.created', merchant.basic.id]]);
    },
    CLI_TIMEOUT_MS,
  );
});
