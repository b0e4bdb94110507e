/**
 * Failed authentications leave audit records (the system chain): the attempted API key id, account-token subject and
 * kid, or for the admin token only the address; never the secret or the token. A flood adds a bounded number of
 * records a minute: the first failure of each identity and address at once, the repeats as one counted record once
 * the minute is over, and identities past the per-minute limit pooled.
 */
import { describe, expect, it } from 'vitest';
import { SYSTEM_OWNER } from '../../src/owners.js';
import type { TestServer } from '../support/app.js';
import { ENGINES } from '../support/engines.js';
import { useMerchant, useTestServer } from '../support/fixture.js';
import { request } from '../support/http.js';
import { controlledClock } from '../merchant/helpers.js';

const failures = async (server: TestServer) => {
  const rows = await server.app.core.store.db
    .selectFrom('audit_log')
    .selectAll()
    .where('owner', '=', SYSTEM_OWNER)
    .where('action', 'like', 'auth.failed%')
    .orderBy('sequence')
    .execute();
  return rows.map((row) => ({
    action: row.action,
    actor: row.actor,
    detail: JSON.parse(row.detail ?? '{}') as Record<string, unknown>,
    raw: JSON.stringify(row),
  }));
};

const jwt = (header: object, payload: object) =>
  `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${Buffer.from('not-a-signature').toString('base64url')}`;

describe.each(ENGINES)('failed authentications in the audit trail on %s', (engine) => {
  const clock = controlledClock(new Date('2026-12-03T10:00:05.000Z'));
  const server = useTestServer(engine, {
    clock: clock.clock,
    env: { TESSERA_AUTH_FAILURE_DELAY_MS: '0', TESSERA_AUDIT_FAILED_AUTH_KEYS_PER_MINUTE: '4', TESSERA_AUDIT_ANCHOR_INTERVAL_SECONDS: '86400' },
  });
  const merchant = useMerchant(server);

  it('merchant Basic: the attempted key id once a minute, the repeats counted when the minute is over, never the secret', async () => {
    const secret = 'wrong-secret-that-must-never-be-stored';
    for (let i = 0; i < 5; i += 1) {
      const res = await request(server.baseUrl, 'GET', '/oidc/api/v2/card/does-not-matter', { basic: { id: merchant.basic.id, secret } });
      expect(res.status).toBe(401);
    }
    let rows = (await failures(server)).filter((r) => r.detail.edge === 'merchant');
    expect(rows.map((r) => [r.action, r.detail.attempted, r.detail.count])).toEqual([['auth.failed', merchant.basic.id, 1]]);
    expect(rows[0]!.actor).toBe('unauthenticated');
    expect(rows[0]!.detail.address).toBe('127.0.0.1');

    clock.advanceMs(60_000);
    expect((await request(server.baseUrl, 'GET', '/oidc/api/v2/card/x', { basic: { id: merchant.basic.id, secret } })).status).toBe(401);
    rows = (await failures(server)).filter((r) => r.detail.edge === 'merchant');
    expect(rows.map((r) => [r.action, r.detail.attempted, r.detail.count])).toEqual([
      ['auth.failed', merchant.basic.id, 1],
      ['auth.failed.repeated', merchant.basic.id, 4],
      ['auth.failed', merchant.basic.id, 1],
    ]);
    for (const row of rows) expect(row.raw).not.toContain(secret);
  });

  it('account tokens: the subject and kid a token claimed, never the token', async () => {
    const token = jwt({ alg: 'EdDSA', kid: 'kid-attempted' }, { sub: 'subject-attempted', 'account-id': 123, exp: 9_999_999_999 });
    const res = await request(server.baseUrl, 'GET', '/cards-tokenization/v1/tokens/nt_x', { bearer: token });
    expect(res.status).toBe(401);
    const rows = (await failures(server)).filter((r) => r.detail.edge === 'account');
    expect(rows.map((r) => [r.detail.attempted, r.detail.kid])).toEqual([['subject-attempted', 'kid-attempted']]);
    for (const row of rows) {
      expect(row.raw).not.toContain(token);
      expect(row.raw).not.toContain(token.split('.')[2]!);
    }
  });

  it('the admin token: only the address, never what was sent', async () => {
    const sent = 'a-wrong-admin-token-never-to-be-stored';
    expect((await request(server.baseUrl, 'POST', '/admin/v1/merchants', { bearer: sent, body: { name: 'x' } })).status).toBe(401);
    const rows = (await failures(server)).filter((r) => r.detail.edge === 'admin');
    expect(rows.map((r) => [r.detail.attempted, r.detail.address])).toEqual([[null, '127.0.0.1']]);
    for (const row of rows) expect(row.raw).not.toContain(sent);
  });

  it('a flood of distinct key ids adds a bounded number of records: past the limit a minute they are pooled', async () => {
    clock.advanceMs(60_000);
    const before = (await failures(server)).length;
    for (let i = 0; i < 12; i += 1) {
      expect((await request(server.baseUrl, 'GET', '/oidc/api/v2/card/x', { basic: { id: `ak_flood_${i}`, secret: 's' } })).status).toBe(401);
    }
    // The limit is 4 distinct identities a minute; this minute had none yet: 4 records, then 1 pooled.
    const minute = (await failures(server)).slice(before);
    const written = minute.filter((r) => r.action === 'auth.failed');
    expect(written.map((r) => r.detail.attempted)).toEqual(['ak_flood_0', 'ak_flood_1', 'ak_flood_2', 'ak_flood_3', '*']);
    expect(written[4]!.detail.pooled).toBe(true);
    clock.advanceMs(60_000);
    await server.app.failedAuth.flush();
    const repeated = (await failures(server)).slice(before).filter((r) => r.action === 'auth.failed.repeated');
    expect(repeated.map((r) => [r.detail.attempted, r.detail.count])).toEqual([['*', 7]]);
  });
});
