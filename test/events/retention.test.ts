/**
 * Retention: delivered events are pruned once older than TESSERA_EVENT_RETENTION_HOURS (the relay prunes by the
 * server's clock, moved here by hand); a dead letter's event is kept until it is replayed or discarded. Both engines.
 */
import { describe, expect, it } from 'vitest';
import { ENGINES } from '../support/engines.js';
import { useMerchant, useTestServer } from '../support/fixture.js';
import { request } from '../support/http.js';
import { controlledClock, makePan, MerchantApi } from '../merchant/helpers.js';
import { eventually, FAST_DELIVERY_ENV, startReceiver } from './receiver.js';

describe.each(ENGINES)('event retention on %s', (engine) => {
  const clock = controlledClock();
  const server = useTestServer(engine, {
    clock: clock.clock,
    env: { ...FAST_DELIVERY_ENV, TESSERA_WEBHOOK_MAX_ATTEMPTS: '1', TESSERA_EVENT_RETENTION_HOURS: '24' },
  });
  const merchant = useMerchant(server);

  it('prunes delivered events past the retention and keeps dead letters', async () => {
    const good = await startReceiver();
    const bad = await startReceiver();
    bad.answer(500);
    try {
      const admin = { bearer: server.adminToken };
      const ok = await request(server.baseUrl, 'POST', '/admin/v1/webhook-endpoints', { ...admin, body: { merchant_id: merchant.merchantId, url: good.url } });
      const failing = await request(server.baseUrl, 'POST', '/admin/v1/webhook-endpoints', {
        ...admin,
        body: { merchant_id: merchant.merchantId, url: bad.url, event_types: ['merchant.token.suspended'] },
      });
      // Both endpoints exist before the events they are to receive are committed.
      expect(ok.status, ok.text).toBe(201);
      expect(failing.status, failing.text).toBe(201);
      const api = new MerchantApi(server, merchant);
      const kept = await api.create({ cardNumber: makePan('45') });
      expect((await api.suspend(kept.reuse_token)).status).toBe(204);
      const db = server.app.core.store.db;
      const events = await db.selectFrom('events').select(['id', 'type']).where('subject', '=', kept.reuse_token).execute();
      expect(events).toHaveLength(2);
      await good.until((r) => r.filter((x) => x.event.subject === kept.reuse_token).length === 2, 'both events');
      await eventually(
        async () =>
          (await request(server.baseUrl, 'GET', `/admin/v1/webhook-endpoints/${failing.body.id}/deliveries?status=dead`, admin)).body.data.length === 1,
        'the dead letter',
      );

      clock.advanceDays(2);
      const suspended = events.find((e) => e.type === 'merchant.token.suspended')!;
      await eventually(async () => (await db.selectFrom('events').select('id').where('subject', '=', kept.reuse_token).execute()).length === 1, 'the pruning');
      const left = await db.selectFrom('events').select('id').where('subject', '=', kept.reuse_token).execute();
      expect(left.map((e) => e.id)).toEqual([suspended.id]);

      // Discarded, the dead letter no longer holds its event back.
      const dead = (await request(server.baseUrl, 'GET', `/admin/v1/webhook-endpoints/${failing.body.id}/deliveries?status=dead`, admin)).body.data[0];
      expect((await request(server.baseUrl, 'POST', `/admin/v1/webhook-endpoints/${failing.body.id}/deliveries/${dead.id}/discard`, admin)).status).toBe(204);
      clock.advanceMs(120_000);
      await eventually(
        async () => (await db.selectFrom('events').select('id').where('subject', '=', kept.reuse_token).execute()).length === 0,
        'the second pruning',
      );
    } finally {
      await good.close();
      await bad.close();
    }
  });
});
