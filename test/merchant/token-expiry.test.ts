/**
 * Expired merchant tokens, over real HTTP with a clock the test moves: valid through their expiry date, then read
 * as DELETED (the contract has no EXPIRED) and refuse every use but DELETE; the retention job destroys their
 * sealed card once expired for longer than TESSERA_EXPIRED_TOKEN_RETENTION_DAYS, with an audit record and a
 * `merchant.token.expired` event, and not a day before.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ENGINES } from '../support/engines.js';
import { useMerchant, useTestServer } from '../support/fixture.js';
import { cardRow, controlledClock, expectBadRequest, makePan, MerchantApi } from './helpers.js';

const RETENTION_DAYS = 10;

describe.each(ENGINES)('token expiry on %s', (engine) => {
  const clock = controlledClock();
  const start = clock.now;
  const server = useTestServer(engine, {
    clock: clock.clock,
    // Only the start-up run and runs on demand: the test decides when the job runs.
    env: { TESSERA_EXPIRED_TOKEN_RETENTION_DAYS: String(RETENTION_DAYS), TESSERA_EXPIRY_INTERVAL_MS: '0' },
  });
  const merchant = useMerchant(server);
  const api = new MerchantApi(server, merchant, clock);
  afterEach(() => {
    clock.now = start;
  });

  const db = () => server.app.core.store.db;
  const auditOf = (tokenId: string) =>
    db()
      .selectFrom('audit_log')
      .selectAll()
      .where('object_type', '=', 'card_token')
      .where('object_id', '=', tokenId)
      .where('action', '=', 'merchant.token.expired')
      .execute();
  const expiredEventsOf = async (reuseToken: string) => {
    const rows = await db().selectFrom('events').selectAll().where('type', '=', 'merchant.token.expired').execute();
    return rows.map((row) => JSON.parse(row.payload) as Record<string, unknown>).filter((payload) => payload.reuse_token === reuseToken);
  };

  it('is ACTIVE through its expiry date, then reads DELETED and refuses PATCH, suspend and activate with 400 naming the token', async () => {
    const put = await api.create({ cardNumber: makePan('45') }, { token_expiry_date: clock.daysFromNow(1) });
    clock.advanceDays(1);
    expect((await api.get(put.reuse_token)).body.token_status).toBe('ACTIVE');

    clock.advanceDays(1);
    const get = await api.get(put.reuse_token);
    expect(get.status).toBe(200);
    expect(get.body).toMatchObject({ token_status: 'DELETED', token_expiry_date: put.token_expiry_date });
    for (const refused of [
      await api.patch(put.reuse_token, { card_holder_name: 'Too Late' }),
      await api.suspend(put.reuse_token),
      await api.activate(put.reuse_token),
    ]) {
      expectBadRequest(refused, ['params.id']);
      expect(refused.body.details['params.id'].message).toMatch(/expired/);
    }
    // Nothing changed: the stored row is as it was.
    expect((await cardRow(server, put.reuse_token)).status).toBe('ACTIVE');
  });

  it('the retention job destroys the sealed card only once expired for longer than the period, audited and evented', async () => {
    const expiring = await api.create({ cardNumber: makePan('45'), cardholderName: 'Retained Holder' }, { token_expiry_date: clock.daysFromNow(1) });
    const lasting = await api.create({ cardNumber: makePan('45') });
    const before = await cardRow(server, expiring.reuse_token);
    expect(before.card_sealed).not.toBeNull();

    // Expired (the day after its expiry date) for exactly RETENTION_DAYS days: kept.
    clock.advanceDays(1 + RETENTION_DAYS);
    await server.app.expiry.runNow();
    expect((await cardRow(server, expiring.reuse_token)).card_sealed).toBe(before.card_sealed);
    expect(await auditOf(before.id)).toHaveLength(0);
    expect(await expiredEventsOf(expiring.reuse_token)).toHaveLength(0);
    expect((await api.get(expiring.reuse_token)).body).toMatchObject({ token_status: 'DELETED', card_holder_name: 'Retained Holder' });

    // One day more: destroyed.
    clock.advanceDays(1);
    const report = await server.app.expiry.runNow();
    expect(report.destroyed).toBeGreaterThanOrEqual(1);
    const after = await cardRow(server, expiring.reuse_token);
    expect(after).toMatchObject({ card_sealed: null, key_version: null, fingerprint: null, status: before.status, reuse_token: expiring.reuse_token });
    expect(after.updated_at).toBe(clock.now.toISOString());
    // The token that has not expired keeps its sealed card.
    expect((await cardRow(server, lasting.reuse_token)).card_sealed).not.toBeNull();

    const audit = await auditOf(before.id);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor: 'retention', status_before: 'ACTIVE', status_after: 'ACTIVE', reason: 'retention', at: clock.now.toISOString() });
    expect(JSON.parse(audit[0]!.detail!)).toMatchObject({
      merchant_id: merchant.merchantId,
      token_expiry_date: expiring.token_expiry_date,
      ciphertext_destroyed: true,
    });
    expect(await expiredEventsOf(expiring.reuse_token)).toEqual([
      {
        merchant_id: merchant.merchantId,
        token_scope: merchant.scope,
        reuse_token: expiring.reuse_token,
        token_status: 'DELETED',
        token_expiry_date: expiring.token_expiry_date,
      },
    ]);

    // The token still answers, as DELETED and without what only the sealed card held.
    const get = await api.get(expiring.reuse_token);
    expect(get.status).toBe(200);
    expect(get.body.token_status).toBe('DELETED');
    expect(get.body.card_holder_name).toBeUndefined();
    expectBadRequest(await api.patch(expiring.reuse_token, { card_holder_name: 'Too Late' }), ['params.id']);

    // A second run finds nothing more to do for it.
    await server.app.expiry.runNow();
    expect(await auditOf(before.id)).toHaveLength(1);
    expect(await expiredEventsOf(expiring.reuse_token)).toHaveLength(1);
  });

  it('once its sealed card is destroyed, the card is tokenized afresh and a DELETE still works', async () => {
    const pan = makePan('45');
    const put = await api.create({ cardNumber: pan }, { token_expiry_date: clock.daysFromNow(1) });
    clock.advanceDays(2 + RETENTION_DAYS);
    await server.app.core.tokenExpiry.run();
    expect((await cardRow(server, put.reuse_token)).card_sealed).toBeNull();

    const fresh = await api.create({ cardNumber: pan });
    expect(fresh.reuse_token).not.toBe(put.reuse_token);
    expect(fresh.token_status).toBe('ACTIVE');
    expect((await api.remove(put.reuse_token)).status).toBe(204);
    expect((await cardRow(server, put.reuse_token)).status).toBe('DELETED');
    expect((await api.get(fresh.reuse_token)).body.token_status).toBe('ACTIVE');
  });
});
