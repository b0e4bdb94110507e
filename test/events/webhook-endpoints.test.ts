/**
 * The webhook endpoints of the admin API: create for a merchant or an issuer account (secret shown once, stored
 * sealed), list page by page, get, update, delete, rotate; validation errors in the admin envelope; destinations
 * at private addresses refused unless allowed. Both engines.
 */
import { describe, expect, it } from 'vitest';
import { ENGINES } from '../support/engines.js';
import { useMerchant, useTestServer } from '../support/fixture.js';
import { request } from '../support/http.js';
import type { TestServer } from '../support/app.js';

const admin = (server: TestServer, method: string, path: string, body?: unknown) =>
  request(server.baseUrl, method, `/admin/v1${path}`, { bearer: server.adminToken, ...(body !== undefined ? { body } : {}) });

describe.each(ENGINES)('webhook endpoints admin API on %s', (engine) => {
  const server = useTestServer(engine);
  const merchant = useMerchant(server);

  it('creates an endpoint for a merchant: the secret is shown once and stored only sealed', async () => {
    const res = await admin(server, 'POST', '/webhook-endpoints', {
      merchant_id: merchant.merchantId,
      url: 'https://hooks.example.com/tessera',
      event_types: ['merchant.token.created'],
      description: 'orders',
    });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({
      merchant_id: merchant.merchantId,
      url: 'https://hooks.example.com/tessera',
      event_types: ['merchant.token.created'],
      description: 'orders',
      enabled: true,
      disabled_reason: null,
    });
    expect(res.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const row = await server.app.core.store.db.selectFrom('webhook_endpoints').selectAll().where('id', '=', res.body.id).executeTakeFirstOrThrow();
    const secretBytes = res.body.secret.slice('whsec_'.length);
    expect(JSON.stringify(row)).not.toContain(secretBytes);
    const get = await admin(server, 'GET', `/webhook-endpoints/${res.body.id}`);
    expect(get.status).toBe(200);
    expect(get.body.secret).toBeUndefined();
    expect(get.text).not.toContain(secretBytes);
  });

  it('creates one for an issuer account', async () => {
    const account = await admin(server, 'POST', '/accounts', {});
    expect(account.status, account.text).toBe(201);
    const res = await admin(server, 'POST', '/webhook-endpoints', { account_id: String(account.body.account_id), url: 'https://issuer.example.com/events' });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({ account_id: String(account.body.account_id), event_types: [] });
    expect(res.body.merchant_id).toBeUndefined();
  });

  it('refuses bad input in the admin envelope', async () => {
    const cases: Array<[unknown, string]> = [
      [{ url: 'https://a.example.com' }, 'body.merchant_id'],
      [{ merchant_id: merchant.merchantId, account_id: '1', url: 'https://a.example.com' }, 'body.merchant_id'],
      [{ merchant_id: merchant.merchantId, url: 'ftp://a.example.com' }, 'body.url'],
      [{ merchant_id: merchant.merchantId, url: 'http://127.0.0.1:9/hook' }, 'body.url'],
      [{ merchant_id: merchant.merchantId, url: 'https://169.254.169.254/latest' }, 'body.url'],
      [{ merchant_id: merchant.merchantId, url: 'https://a.example.com', event_types: ['merchant.token.nonsense'] }, 'body.event_types'],
      [{ merchant_id: merchant.merchantId, url: 'https://a.example.com', extra: 1 }, 'body'],
    ];
    for (const [body, field] of cases) {
      const res = await admin(server, 'POST', '/webhook-endpoints', body);
      expect(res.status, res.text).toBe(400);
      expect(res.body.error_code).toBe('invalid_request');
      expect(
        Object.keys(res.body.details ?? {}).some((key) => key.startsWith(field)),
        res.text,
      ).toBe(true);
    }
    const unknown = await admin(server, 'POST', '/webhook-endpoints', { merchant_id: '00000000-0000-4000-8000-000000000000', url: 'https://a.example.com' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error_code).toBe('not_found');
  });

  it('lists page by page, updates, rotates and deletes', async () => {
    const other = await admin(server, 'POST', '/merchants', { name: 'Lister' });
    const merchantId = other.body.merchant_id as string;
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await admin(server, 'POST', '/webhook-endpoints', { merchant_id: merchantId, url: `https://h${i}.example.com/` });
      ids.push(res.body.id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof admin>> = await admin(
        server,
        'GET',
        `/webhook-endpoints?merchant_id=${merchantId}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.status, page.text).toBe(200);
      expect(page.body.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.data.map((e: { id: string }) => e.id));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen.sort()).toEqual([...ids].sort());
    expect((await admin(server, 'GET', `/webhook-endpoints?merchant_id=${merchantId}&cursor=nonsense`)).status).toBe(400);

    const id = ids[0]!;
    const disabled = await admin(server, 'PATCH', `/webhook-endpoints/${id}`, { enabled: false, event_types: ['merchant.token.deleted'], description: null });
    expect(disabled.status, disabled.text).toBe(200);
    expect(disabled.body).toMatchObject({
      enabled: false,
      event_types: ['merchant.token.deleted'],
      description: null,
      disabled_reason: 'disabled by an operator',
    });
    expect((await admin(server, 'PATCH', `/webhook-endpoints/${id}`, { url: 'http://10.0.0.5/' })).status).toBe(400);

    const rotated = await admin(server, 'POST', `/webhook-endpoints/${id}/rotate-secret`, { overlap_seconds: 3600 });
    expect(rotated.status, rotated.text).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(new Date(rotated.body.previous_secret_expires_at).getTime()).toBeGreaterThan(Date.now());
    expect((await admin(server, 'GET', `/webhook-endpoints/${id}`)).body.previous_secret_expires_at).toBe(rotated.body.previous_secret_expires_at);

    expect((await admin(server, 'DELETE', `/webhook-endpoints/${id}`)).status).toBe(204);
    expect((await admin(server, 'GET', `/webhook-endpoints/${id}`)).status).toBe(404);
    expect((await admin(server, 'DELETE', `/webhook-endpoints/${id}`)).status).toBe(404);
  });

  it('needs the admin token', async () => {
    const res = await request(server.baseUrl, 'GET', `/admin/v1/webhook-endpoints?merchant_id=${merchant.merchantId}`);
    expect(res.status).toBe(401);
  });
});
