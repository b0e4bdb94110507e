/** `tessera webhook …` against a running server through its admin API (TESSERA_URL + TESSERA_ADMIN_TOKEN). */
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/child-server.js';
import { useMerchant, useTestServer } from '../support/fixture.js';

describe('tessera webhook', () => {
  const server = useTestServer('sqlite');
  const merchant = useMerchant(server);

  it('creates and lists an endpoint, and reports a refusal, printing the API answers as JSON', { timeout: 180_000 }, async () => {
    const env = { TESSERA_URL: server.baseUrl, TESSERA_ADMIN_TOKEN: server.adminToken };
    const created = await runCli(
      ['webhook', 'create', '--merchant', merchant.merchantId, '--url', 'https://hooks.example.com/x', '--event-type', 'merchant.token.created'],
      env,
    );
    expect(created.code, created.stderr).toBe(0);
    const endpoint = JSON.parse(created.stdout) as { id: string; secret: string; event_types: string[] };
    expect(endpoint.secret).toMatch(/^whsec_/);
    expect(endpoint.event_types).toEqual(['merchant.token.created']);

    const listed = await runCli(['webhook', 'list', '--merchant', merchant.merchantId], env);
    expect(listed.code, listed.stderr).toBe(0);
    expect((JSON.parse(listed.stdout) as { data: { id: string }[] }).data.map((e) => e.id)).toEqual([endpoint.id]);

    const refused = await runCli(['webhook', 'create', '--merchant', merchant.merchantId, '--url', 'http://127.0.0.1/hook'], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('HTTP 400');
  });
});
