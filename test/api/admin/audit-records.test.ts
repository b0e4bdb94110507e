/**
 * GET /admin/v1/audit-records (filters, cursor pages) and /admin/v1/audit-records/export (JSON lines, streamed), over
 * real HTTP on both engines; bad filters answer 400 in the admin envelope.
 */
import { describe, expect, it } from 'vitest';
import { merchantOwner } from '../../../src/owners.js';
import { ENGINES } from '../../support/engines.js';
import { useMerchant, useTestServer } from '../../support/fixture.js';
import { request } from '../../support/http.js';
import { tokenize } from '../../support/merchant.js';
import { makePan } from '../../merchant/helpers.js';

describe.each(ENGINES)('admin audit-record queries on %s', (engine) => {
  const server = useTestServer(engine);
  const merchant = useMerchant(server);
  const other = useMerchant(server);
  const get = (path: string) => request(server.baseUrl, 'GET', path, { bearer: server.adminToken });

  it("pages through one merchant's records by cursor, oldest first, and only theirs", async () => {
    for (let i = 0; i < 3; i += 1) {
      expect(
        (await tokenize(server, merchant, { cardNumber: makePan('45'), expiryMonth: 12, expiryYear: 2031, cvv: '123', cardholderName: 'A B' })).status,
      ).toBe(200);
    }
    const owner = merchantOwner(merchant.merchantId);
    const all = await get(`/admin/v1/audit-records?owner=${encodeURIComponent(owner)}&limit=500`);
    expect(all.status, JSON.stringify(all.body)).toBe(200);
    expect(all.body.records).toHaveLength(7);
    expect(all.body.next_cursor).toBeNull();
    expect(all.body.records.map((r: { sequence: number }) => r.sequence).sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
    const paged: unknown[] = [];
    let cursor: string | null = null;
    do {
      const page = await get(`/admin/v1/audit-records?owner=${encodeURIComponent(owner)}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      expect(page.body.records.length).toBeLessThanOrEqual(2);
      paged.push(...page.body.records);
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(paged).toEqual(all.body.records);
    for (const record of all.body.records) expect(record.owner).toBe(owner);
  });

  it('filters by object id, action and time', async () => {
    const byKey = await get(`/admin/v1/audit-records?object_id=${other.basic.id}&action=api_key.created`);
    expect(byKey.body.records.map((r: { object_id: string; detail: unknown }) => [r.object_id, r.detail])).toEqual([
      [other.basic.id, { merchant_id: other.merchantId }],
    ]);
    const at = byKey.body.records[0].at as string;
    const later = new Date(new Date(at).getTime() + 1).toISOString();
    expect((await get(`/admin/v1/audit-records?object_id=${other.basic.id}&from=${at}&to=${later}`)).body.records).toHaveLength(1);
    expect((await get(`/admin/v1/audit-records?object_id=${other.basic.id}&from=${later}`)).body.records).toHaveLength(0);
    expect((await get(`/admin/v1/audit-records?object_id=${other.basic.id}&to=${at}`)).body.records).toHaveLength(0);
  });

  it('exports the same records as JSON lines', async () => {
    const owner = encodeURIComponent(merchantOwner(merchant.merchantId));
    const listed = await get(`/admin/v1/audit-records?owner=${owner}&limit=500`);
    const exported = await get(`/admin/v1/audit-records/export?owner=${owner}`);
    expect(exported.status).toBe(200);
    expect(exported.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    const lines = exported.text
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as unknown);
    expect(lines).toEqual(listed.body.records);
  });

  it.each([
    ['from=yesterday', 'query.from'],
    ['limit=0', 'query.limit'],
    ['cursor=not-a-cursor', 'query.cursor'],
    ['unknown=1', undefined],
    ['from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z', 'query.to'],
  ])('a bad filter (%s) is a 400 in the admin envelope', async (query, field) => {
    const res = await get(`/admin/v1/audit-records?${query}`);
    expect(res.status).toBe(400);
    expect(res.body.error_code).toBe('invalid_request');
    if (field) expect(Object.keys(res.body.details ?? {})).toContain(field);
  });

  it('wants the admin token', async () => {
    expect((await request(server.baseUrl, 'GET', '/admin/v1/audit-records')).status).toBe(401);
    expect((await request(server.baseUrl, 'GET', '/admin/v1/audit-records/export')).status).toBe(401);
  });
});
