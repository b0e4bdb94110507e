/**
 * Audit trail and event outbox: every change a merchant makes to a token leaves one audit row (who, what, status
 * before and after) and one event, written with the change itself.
 */
import { describe, expect, it } from 'vitest';
import { ENGINES } from '../support/engines.js';
import { useMerchant, useTestServer } from '../support/fixture.js';
import { addApiKey, cardRow, controlledClock, makePan, MerchantApi } from './helpers.js';

describe.each(ENGINES)('audit log and events on %s', (engine) => {
  const clock = controlledClock();
  const server = useTestServer(engine, { clock: clock.clock });
  const merchant = useMerchant(server);
  const api = new MerchantApi(server, merchant, clock);

  const db = () => server.app.core.store.db;
  const auditOf = async (objectId: string) =>
    db().selectFrom('audit_log').selectAll().where('object_type', '=', 'card_token').where('object_id', '=', objectId).orderBy('at').execute();
  const eventsOf = async (reuseToken: string) => {
    const rows = await db().selectFrom('events').selectAll().where('type', 'like', 'merchant.token.%').execute();
    return rows.map((row) => ({ ...row, data: JSON.parse(row.payload) as Record<string, unknown> })).filter((row) => row.data.reuse_token === reuseToken);
  };
  const actorOf = (keyId: string) => `merchant:${merchant.merchantId}/key:${keyId}`;

  it('PUT (create), suspend and delete each leave an audit row with actor and status before / after, and an event', async () => {
    const put = await api.create({ cardNumber: makePan('45') });
    const row = await cardRow(server, put.reuse_token);
    await api.suspend(put.reuse_token);
    await api.remove(put.reuse_token);

    const audit = await auditOf(row.id);
    const byAction = (action: string) => audit.filter((a) => a.action === action);
    expect(byAction('merchant.token.created')).toHaveLength(1);
    expect(byAction('merchant.token.suspended')).toHaveLength(1);
    expect(byAction('merchant.token.deleted')).toHaveLength(1);
    for (const entry of audit) expect(entry.actor).toBe(actorOf(merchant.basic.id));
    expect(byAction('merchant.token.created')[0]).toMatchObject({ status_before: null, status_after: 'ACTIVE' });
    expect(byAction('merchant.token.suspended')[0]).toMatchObject({ status_before: 'ACTIVE', status_after: 'SUSPENDED' });
    expect(byAction('merchant.token.deleted')[0]).toMatchObject({ status_before: 'SUSPENDED', status_after: 'DELETED' });
    expect(byAction('merchant.token.created')[0]!.at).toBe(clock.now.toISOString());

    const events = await eventsOf(put.reuse_token);
    const types = events.map((e) => e.type).sort();
    expect(types).toEqual(['merchant.token.created', 'merchant.token.deleted', 'merchant.token.suspended']);
    for (const event of events) {
      expect(event.data.merchant_id).toBe(merchant.merchantId);
      expect(event.data.token_scope).toBe(merchant.scope);
    }
    expect(events.find((e) => e.type === 'merchant.token.suspended')!.data.token_status).toBe('SUSPENDED');
    expect(events.find((e) => e.type === 'merchant.token.deleted')!.data.token_status).toBe('DELETED');
  });

  it('activate, PATCH and an upsert are audited too, with the API key that did them', async () => {
    const key = await addApiKey(server, merchant.merchantId);
    const second = api.as(key);
    const pan = makePan('45');
    const put = await api.create({ cardNumber: pan });
    const row = await cardRow(server, put.reuse_token);
    await second.suspend(put.reuse_token);
    await second.activate(put.reuse_token);
    await second.patch(put.reuse_token, { card_holder_name: 'Audited', cvv: '123' });
    await second.create({ cardNumber: pan });

    const audit = await auditOf(row.id);
    const activated = audit.filter((a) => a.action === 'merchant.token.activated');
    expect(activated).toHaveLength(1);
    expect(activated[0]).toMatchObject({ actor: actorOf(key.id), status_before: 'SUSPENDED', status_after: 'ACTIVE' });
    const updates = audit.filter((a) => a.action === 'merchant.token.updated');
    expect(updates).toHaveLength(2);
    for (const update of updates) expect(update).toMatchObject({ actor: actorOf(key.id), status_before: 'ACTIVE', status_after: 'ACTIVE' });
    // The audit names the PATCHed fields, but never the CVV.
    const patched = updates.map((u) => u.detail ?? '').find((d) => d.includes('card_holder_name'));
    expect(patched).toBeDefined();
    expect(patched).not.toMatch(/cvv|123/);
    expect((await eventsOf(put.reuse_token)).map((e) => e.type)).toEqual(
      expect.arrayContaining(['merchant.token.activated', 'merchant.token.updated', 'merchant.token.suspended', 'merchant.token.created']),
    );
  });

  it('no-ops and rejected requests leave no audit row', async () => {
    const put = await api.create({ cardNumber: makePan('45') });
    const row = await cardRow(server, put.reuse_token);
    const before = (await auditOf(row.id)).length;
    await api.activate(put.reuse_token); // already ACTIVE
    await api.patch(put.reuse_token, { expiry_month: 13 }); // 400
    await api.patch(put.reuse_token, { cvv: '1' }); // 400
    await api.remove(put.reuse_token);
    await api.remove(put.reuse_token); // already DELETED
    await api.suspend(put.reuse_token); // 400
    const audit = await auditOf(row.id);
    expect(audit.length).toBe(before + 1);
    expect(audit.filter((a) => a.action === 'merchant.token.deleted')).toHaveLength(1);
    expect(audit.filter((a) => a.action !== 'merchant.token.created' && a.action !== 'merchant.token.deleted')).toHaveLength(0);
  });

  it('the audit and event of a change are committed with it: every token has its creation audited', async () => {
    const puts = await Promise.all(Array.from({ length: 5 }, () => api.create({ cardNumber: makePan('45') })));
    for (const put of puts) {
      const row = await cardRow(server, put.reuse_token);
      expect((await auditOf(row.id)).map((a) => a.action)).toContain('merchant.token.created');
      expect((await eventsOf(put.reuse_token)).map((e) => e.type)).toContain('merchant.token.created');
    }
  });
});
