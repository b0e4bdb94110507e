/**
 * The admin API's list and get operations: cursor pagination (`?limit=&cursor=` → `{items, next_cursor}`) that
 * visits every row once, masked answers (no PAN, no API-key secret or hash, no private key), the capture-key and
 * data-key operations, on both engines.
 */
import { describe, expect, it } from 'vitest';
import { ENGINES } from '../../support/engines.js';
import { useTestServer } from '../../support/fixture.js';
import { request } from '../../support/http.js';
import { EXPIRY, makePan } from '../../support/issuer.js';
import { assertMatchesSchema } from '../../support/contract.js';

const UNKNOWN_MERCHANT = '00000000-0000-4000-8000-000000000000';

describe.each(ENGINES)('admin list operations on %s', (engine) => {
  const server = useTestServer(engine);
  const admin = (method: string, path: string, body?: unknown) =>
    request(server.baseUrl, method, path, { bearer: server.adminToken, ...(body !== undefined ? { body } : {}) });

  /** Every item of a list, page by page at `limit`, checking each page's size and shape. */
  async function walk(path: string, limit: number, schema: string): Promise<{ items: any[]; pages: number; texts: string[] }> {
    const items: any[] = [];
    const texts: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await admin('GET', `${path}?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(res.status, res.text).toBe(200);
      assertMatchesSchema('admin', schema, res.body);
      expect(res.body.items.length).toBeLessThanOrEqual(limit);
      items.push(...res.body.items);
      texts.push(res.text);
      cursor = res.body.next_cursor;
      pages++;
      if (cursor !== null) expect(res.body.items.length).toBe(limit);
    } while (cursor !== null);
    return { items, pages, texts };
  }

  it('lists merchants a page at a time, each once, and gets one', async () => {
    const created: string[] = [];
    for (let i = 0; i < 5; i++) created.push((await admin('POST', '/admin/v1/merchants', { name: `List ${i}` })).body.merchant_id);
    const { items, pages } = await walk('/admin/v1/merchants', 2, 'MerchantList');
    expect(pages).toBe(3);
    const ids = items.map((m) => m.merchant_id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual([...created].sort());
    const one = await admin('GET', `/admin/v1/merchants/${created[0]}`);
    expect(one.status).toBe(200);
    expect(one.body).toEqual({ merchant_id: created[0], name: 'List 0', created_at: expect.any(String) });
    assertMatchesSchema('admin', 'Merchant', one.body);
    expect((await admin('GET', `/admin/v1/merchants/${UNKNOWN_MERCHANT}`)).status).toBe(404);
  });

  it('the default page is 20 items; a bad limit or cursor is a 400 in the admin envelope', async () => {
    const first = await admin('GET', '/admin/v1/merchants');
    expect(first.status).toBe(200);
    expect(first.body.items.length).toBeLessThanOrEqual(20);
    for (const query of ['limit=0', 'limit=101', 'limit=x', 'cursor=%25%25', 'cursor=bm90LWEtY3Vyc29y====']) {
      const res = await admin('GET', `/admin/v1/merchants?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.error_code).toBe('invalid_request');
    }
    const accounts = await admin('GET', `/admin/v1/accounts?cursor=${Buffer.from('abc').toString('base64url')}`);
    expect(accounts.status).toBe(400);
    expect(accounts.body.details).toEqual({ 'query.cursor': 'is not a cursor of this list' });
  });

  it('lists API keys without secrets or hashes, revoked ones with their date', async () => {
    const merchant = (await admin('POST', '/admin/v1/merchants', { name: 'Keys' })).body;
    const second = (await admin('POST', `/admin/v1/merchants/${merchant.merchant_id}/api-keys`)).body;
    const third = (await admin('POST', `/admin/v1/merchants/${merchant.merchant_id}/api-keys`)).body;
    expect((await admin('DELETE', `/admin/v1/merchants/${merchant.merchant_id}/api-keys/${second.id}`)).status).toBe(204);
    const { items, texts } = await walk(`/admin/v1/merchants/${merchant.merchant_id}/api-keys`, 2, 'ApiKeyList');
    expect(items.map((k) => k.id).sort()).toEqual([merchant.api_key.id, second.id, third.id].sort());
    expect(items.find((k) => k.id === second.id).revoked_at).toEqual(expect.any(String));
    expect(items.find((k) => k.id === third.id).revoked_at).toBeNull();
    for (const secret of [merchant.api_key.secret, second.secret, third.secret]) for (const text of texts) expect(text).not.toContain(secret);
    for (const text of texts) expect(text).not.toMatch(/scrypt|secret/);
    expect((await admin('GET', `/admin/v1/merchants/${UNKNOWN_MERCHANT}/api-keys`)).status).toBe(404);
  });

  it('lists token scopes with their settings', async () => {
    const merchant = (await admin('POST', '/admin/v1/merchants', { name: 'Scopes' })).body.merchant_id;
    const web = (await admin('POST', `/admin/v1/merchants/${merchant}/token-scopes`, { name: 'web', token_ttl_days: 30 })).body.token_scope;
    const app = (await admin('POST', `/admin/v1/merchants/${merchant}/token-scopes`, { name: 'app', network_tokens: true })).body.token_scope;
    const { items } = await walk(`/admin/v1/merchants/${merchant}/token-scopes`, 1, 'TokenScopeList');
    expect(items.sort((a, b) => a.name.localeCompare(b.name))).toEqual([
      { token_scope: app, name: 'app', network_tokens: true, par: false, token_ttl_days: null, created_at: expect.any(String) },
      { token_scope: web, name: 'web', network_tokens: false, par: false, token_ttl_days: 30, created_at: expect.any(String) },
    ]);
  });

  it('gets and revokes a capture key: the public half only, then 404 for it and for another merchant', async () => {
    const merchant = (await admin('POST', '/admin/v1/merchants', { name: 'Capture' })).body.merchant_id;
    const key = (await admin('POST', `/admin/v1/merchants/${merchant}/capture-keys`)).body;
    const got = await admin('GET', `/admin/v1/merchants/${merchant}/capture-keys/${key.public_key_alias}`);
    expect(got.status).toBe(200);
    expect(got.body).toEqual(key);
    expect(got.text).not.toMatch(/PRIVATE/);
    const other = (await admin('POST', '/admin/v1/merchants', { name: 'Other' })).body.merchant_id;
    expect((await admin('GET', `/admin/v1/merchants/${other}/capture-keys/${key.public_key_alias}`)).status).toBe(404);
    expect((await admin('DELETE', `/admin/v1/merchants/${other}/capture-keys/${key.public_key_alias}`)).status).toBe(404);
    expect((await admin('DELETE', `/admin/v1/merchants/${merchant}/capture-keys/${key.public_key_alias}`)).status).toBe(204);
    expect((await admin('GET', `/admin/v1/merchants/${merchant}/capture-keys/${key.public_key_alias}`)).status).toBe(404);
    expect((await admin('GET', `/admin/v1/merchants/${merchant}/capture-keys`)).body.public_keys).toEqual([]);
    expect((await admin('DELETE', `/admin/v1/merchants/${merchant}/capture-keys/${key.public_key_alias}`)).status).toBe(404);
  });

  it('rotates a merchant data key: one version more each time', async () => {
    const merchant = (await admin('POST', '/admin/v1/merchants', { name: 'Rotate' })).body.merchant_id;
    // The first version is made on first use: after one tokenization-free rotation it is there too.
    const first = await admin('POST', `/admin/v1/merchants/${merchant}/data-keys`);
    expect(first.status, first.text).toBe(201);
    const second = await admin('POST', `/admin/v1/merchants/${merchant}/data-keys`);
    expect(second.body).toEqual({ merchant_id: merchant, data_key_version: first.body.data_key_version + 1 });
    expect((await admin('POST', `/admin/v1/merchants/${UNKNOWN_MERCHANT}/data-keys`)).status).toBe(404);
  });

  it('lists accounts and their cards masked: BIN and last four, never the PAN', async () => {
    const accounts: number[] = [];
    const pans: string[] = [];
    for (let i = 0; i < 3; i++) accounts.push((await admin('POST', '/admin/v1/accounts')).body.account_id);
    const account = accounts[0]!;
    for (let i = 0; i < 3; i++) {
      const pan = makePan('4895370');
      pans.push(pan);
      const card = await admin('POST', `/admin/v1/accounts/${account}/cards`, { pan, ...EXPIRY, cardholder_name: 'Jane Doe' });
      expect(card.status, card.text).toBe(201);
    }
    const listedAccounts = await walk('/admin/v1/accounts', 2, 'AccountList');
    for (const id of accounts) expect(listedAccounts.items.filter((a) => a.account_id === id)).toHaveLength(1);
    const got = await admin('GET', `/admin/v1/accounts/${account}`);
    expect(got.body).toEqual({ ...listedAccounts.items.find((a) => a.account_id === account), status: 'ACTIVE' });
    assertMatchesSchema('admin', 'AccountDetails', got.body);

    const cards = await walk(`/admin/v1/accounts/${account}/cards`, 2, 'CardList');
    expect(cards.pages).toBe(2);
    expect(cards.items.map((c) => `${c.bin}…${c.last_four}`).sort()).toEqual(pans.map((p) => `${p.slice(0, 6)}…${p.slice(-4)}`).sort());
    for (const text of cards.texts) for (const pan of pans) expect(text).not.toContain(pan);
    const card = cards.items[0];
    const one = await admin('GET', `/admin/v1/accounts/${account}/cards/${card.card_id}`);
    expect(one.status).toBe(200);
    expect(one.body).toEqual(card);
    for (const pan of pans) expect(one.text).not.toContain(pan);
    expect((await admin('GET', `/admin/v1/accounts/${accounts[1]}/cards/${card.card_id}`)).status).toBe(404);
    expect((await admin('GET', `/admin/v1/accounts/${accounts[1]}/cards`)).body).toEqual({ items: [], next_cursor: null });
    expect((await admin('GET', '/admin/v1/accounts/999999999999/cards')).status).toBe(404);
  });

  it('every list answer needs the admin token', async () => {
    for (const path of ['/admin/v1/merchants', '/admin/v1/accounts']) expect((await request(server.baseUrl, 'GET', path)).status).toBe(401);
  });
});
