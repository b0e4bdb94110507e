/**
 * Two operator's views: the reason of every 401 in the logs (never the credential), on the merchant, issuer and
 * admin edges; and `/metrics` counting each card-network call by network, operation and outcome, in both
 * deployments of the network (in-process and over HTTP), on both engines.
 */
import { describe, expect, it } from 'vitest';
import { ENGINES } from '../support/engines.js';
import { useIssuerServer, useIssuerToken, useMerchant, useTestServer } from '../support/fixture.js';
import { request } from '../support/http.js';
import { DEPLOYMENTS } from '../support/issuer.js';

/** The `reason`s of the 'authentication refused' lines logged since `from`. */
function refusals(logs: string[], from: number): string[] {
  return logs
    .slice(from)
    .join('')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { msg?: string; reason?: string })
    .filter((entry) => entry.msg === 'authentication refused')
    .map((entry) => entry.reason ?? '');
}

describe.each(ENGINES)('401 reasons in the logs on %s', (engine) => {
  const server = useTestServer(engine);
  const merchant = useMerchant(server);

  it('merchant edge: missing, malformed, unknown key id, wrong secret, revoked key', async () => {
    const from = server.logs.length;
    const card = '/oidc/api/v2/card/0123456789abcdef0123456789abcdef';
    const wrongSecret = `${merchant.basic.secret.slice(0, -2)}xx`;
    expect((await request(server.baseUrl, 'GET', card)).status).toBe(401);
    expect((await request(server.baseUrl, 'GET', card, { headers: { authorization: 'Basic %%%' } })).status).toBe(401);
    expect((await request(server.baseUrl, 'GET', card, { basic: { id: 'ak_000000000000000000000000', secret: 'whatever-secret' } })).status).toBe(401);
    expect((await request(server.baseUrl, 'GET', card, { basic: { id: merchant.basic.id, secret: wrongSecret } })).status).toBe(401);
    const extra = await request(server.baseUrl, 'POST', `/admin/v1/merchants/${merchant.merchantId}/api-keys`, { bearer: server.adminToken });
    await request(server.baseUrl, 'DELETE', `/admin/v1/merchants/${merchant.merchantId}/api-keys/${extra.body.id}`, { bearer: server.adminToken });
    expect((await request(server.baseUrl, 'GET', card, { basic: { id: extra.body.id, secret: extra.body.secret } })).status).toBe(401);
    expect(refusals(server.logs, from)).toEqual([
      'missing Basic credentials',
      'malformed Basic credentials',
      'unknown API key id',
      'wrong API key secret',
      'revoked API key',
    ]);
    const logged = server.logs.slice(from).join('');
    for (const secret of [merchant.basic.secret, wrongSecret, extra.body.secret, 'whatever-secret']) expect(logged).not.toContain(secret);
  });

  it('admin edge: missing and wrong admin token', async () => {
    const from = server.logs.length;
    const wrong = `${server.adminToken}x`;
    expect((await request(server.baseUrl, 'GET', '/admin/v1/merchants')).status).toBe(401);
    expect((await request(server.baseUrl, 'GET', '/admin/v1/merchants', { bearer: wrong })).status).toBe(401);
    expect(refusals(server.logs, from)).toEqual(['missing admin token', 'wrong admin token']);
    expect(server.logs.slice(from).join('')).not.toContain(wrong);
  });

  it('issuer edge: missing and rejected account tokens', async () => {
    const from = server.logs.length;
    const forged = 'eyJhbGciOiJFZERTQSJ9.eyJhY2NvdW50LWlkIjoxfQ.c2lnbmF0dXJl';
    expect((await request(server.baseUrl, 'GET', '/cards-tokenization/v1/cards/1/network-tokens')).status).toBe(401);
    expect((await request(server.baseUrl, 'GET', '/cards-tokenization/v1/cards/1/network-tokens', { bearer: forged })).status).toBe(401);
    const reasons = refusals(server.logs, from);
    expect(reasons[0]).toBe('missing bearer token');
    expect(reasons[1]).toMatch(/^account token rejected|unknown issuer/);
    expect(reasons).toHaveLength(2);
    expect(server.logs.slice(from).join('')).not.toContain(forged);
  });
});

/** `tessera_network_calls_total{…}` from the Prometheus text, 0 when absent. */
function networkCalls(text: string, labels: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`tessera_network_calls_total{${labels}}`));
  return line ? Number(line.split(' ').pop()) : 0;
}

describe.each(ENGINES)('network calls in /metrics on %s', (engine) => {
  describe.each(DEPLOYMENTS)('network %s', (deployment) => {
    const issuer = useIssuerServer(engine, { deployment });
    const token = useIssuerToken(issuer, 'vts');

    it('a SUSPEND counts one ok call, a RESUME the network refuses (error_400 fault) one declined call, with durations', async () => {
      const metrics = async () => (await request(issuer.server.baseUrl, 'GET', '/metrics')).text;
      const before = await metrics();
      const suspended = await issuer.api.operate(token.account.jwt, token.card.cardId, token.tokenId, {
        operation_type: 'SUSPEND',
        operation_reason: 'Lost phone',
      });
      expect(suspended.status, suspended.text).toBe(200);
      const after = await metrics();
      expect(networkCalls(after, 'network="vts",operation="suspend",outcome="ok"')).toBe(
        networkCalls(before, 'network="vts",operation="suspend",outcome="ok"') + 1,
      );
      expect(after).toMatch(/tessera_network_call_duration_seconds_count\{network="vts",operation="suspend",outcome="ok"\} [1-9]/);

      await issuer.api.fault({ network: 'vts', mode: 'error_400', count: 1 });
      const refused = await issuer.api.operate(token.account.jwt, token.card.cardId, token.tokenId, { operation_type: 'RESUME', operation_reason: 'Found' });
      expect(refused.status).toBe(400);
      expect(networkCalls(await metrics(), 'network="vts",operation="resume",outcome="declined"')).toBeGreaterThanOrEqual(1);
    });
  });
});
