/**
 * Webhooks delivered by the outbox relay to real receivers on loopback: Standard Webhooks signatures that verify
 * with the endpoint's secret and not with another, CloudEvents bodies in per-token commit order, retries after
 * failed attempts, dead letters replayed or discarded, rotation overlap, disabled endpoints, automatic disabling
 * (itself an event), test events, and a leak scan of every delivered body. Both engines.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyWebhook } from '../../src/client/verify-webhook.js';
import { generateWebhookSecret } from '../../src/webhooks/signing.js';
import type { TestServer } from '../support/app.js';
import { ENGINES } from '../support/engines.js';
import { useMerchant, useTestServer } from '../support/fixture.js';
import { request } from '../support/http.js';
import { VISA, type TestMerchant } from '../support/merchant.js';
import { makePan, MerchantApi } from '../merchant/helpers.js';
import { eventually, FAST_DELIVERY_ENV, startReceiver, type Receiver, type Received } from './receiver.js';

const admin = (server: TestServer, method: string, path: string, body?: unknown) =>
  request(server.baseUrl, method, `/admin/v1${path}`, { bearer: server.adminToken, ...(body !== undefined ? { body } : {}) });

async function endpoint(server: TestServer, merchant: TestMerchant, url: string, eventTypes?: string[]): Promise<{ id: string; secret: string }> {
  const res = await admin(server, 'POST', '/webhook-endpoints', { merchant_id: merchant.merchantId, url, ...(eventTypes ? { event_types: eventTypes } : {}) });
  expect(res.status, res.text).toBe(201);
  return { id: res.body.id, secret: res.body.secret };
}

const of = (merchant: TestMerchant) => (received: Received[]) => received.filter((r) => r.event.source === `/tessera/merchant/${merchant.merchantId}`);

describe.each(ENGINES)('webhook delivery on %s', (engine) => {
  const receivers: Record<'good' | 'flaky' | 'toggled' | 'failing', Receiver> = {} as never;
  beforeAll(async () => {
    for (const name of ['good', 'flaky', 'toggled', 'failing'] as const) receivers[name] = await startReceiver();
    receivers.flaky.failFirst(2);
    receivers.failing.answer(500);
  });
  afterAll(async () => {
    for (const receiver of Object.values(receivers)) await receiver.close();
  });
  const server = useTestServer(engine, {
    env: { ...FAST_DELIVERY_ENV, TESSERA_WEBHOOK_DISABLE_AFTER_FAILURES: '5', TESSERA_WEBHOOK_DISABLE_AFTER_SECONDS: '0' },
  });
  const merchants = {
    signed: useMerchant(server),
    flaky: useMerchant(server),
    dead: useMerchant(server),
    rotated: useMerchant(server),
    disabled: useMerchant(server),
    auto: useMerchant(server),
  };

  it('signs every delivery (verifies with the secret, not with another) and sends CloudEvents in commit order, with no card data', async () => {
    const merchant = merchants.signed;
    const { secret } = await endpoint(server, merchant, receivers.good.url);
    const api = new MerchantApi(server, merchant);
    const pan = makePan('45');
    const token = await api.create({ ...VISA, cardNumber: pan, cvv: '987', cardholderName: 'Ada Lovelace' });
    expect((await api.suspend(token.reuse_token)).status).toBe(204);
    expect((await api.activate(token.reuse_token)).status).toBe(204);
    expect((await api.remove(token.reuse_token)).status).toBe(204);
    const mine = of(merchant);
    await receivers.good.until((r) => mine(r).length >= 4, 'four events');
    const got = mine(receivers.good.received);
    expect(got.map((r) => r.event.type)).toEqual(['merchant.token.created', 'merchant.token.suspended', 'merchant.token.activated', 'merchant.token.deleted']);
    expect(got.map((r) => r.event.sequence)).toEqual(['1', '2', '3', '4']);
    const other = generateWebhookSecret();
    for (const r of got) {
      const headers = r.headers as Record<string, string>;
      expect(headers['webhook-id']).toBe(r.event.id);
      const verified = await verifyWebhook(headers, r.body, secret);
      expect(verified).toMatchObject({ specversion: '1.0', type: r.event.type, subject: token.reuse_token, datacontenttype: 'application/json' });
      expect(typeof verified.time).toBe('string');
      expect(verified.data.reuse_token).toBe(token.reuse_token);
      await expect(verifyWebhook(headers, r.body, other)).rejects.toThrow(/no signature matches/);
      // Leak scan: nothing of the card but what the merchant may see.
      expect(r.body).not.toContain(pan);
      expect(r.body).not.toContain('Ada Lovelace');
      expect(r.body).not.toMatch(/cvv|cardholder|"pan"|card_number|encrypted_card|whsec_/i);
      expect(r.body).not.toContain('"987"');
    }
  });

  it('a receiver failing its first attempts gets the event on a retry; the delivery shows its attempts', async () => {
    const merchant = merchants.flaky;
    const { id } = await endpoint(server, merchant, receivers.flaky.url);
    const token = await new MerchantApi(server, merchant).create({ cardNumber: makePan('45') });
    await receivers.flaky.until((r) => of(merchant)(r).length >= 1, 'the retried event');
    expect(of(merchant)(receivers.flaky.received)[0]!.event.subject).toBe(token.reuse_token);
    const delivery = await eventually(async () => {
      const list = await admin(server, 'GET', `/webhook-endpoints/${id}/deliveries`);
      return list.body.data.find((d: { status: string }) => d.status === 'delivered');
    }, 'delivered');
    expect(delivery).toMatchObject({ event_type: 'merchant.token.created', attempts: 3, last_status_code: 200, last_error: null });
  });

  it('after the last attempt a delivery is dead until replayed or discarded', async () => {
    const merchant = merchants.dead;
    const { id } = await endpoint(server, merchant, receivers.toggled.url);
    const api = new MerchantApi(server, merchant);
    receivers.toggled.answer(500);
    await api.create({ cardNumber: makePan('45') });
    const dead = await eventually(async () => (await admin(server, 'GET', `/webhook-endpoints/${id}/deliveries?status=dead`)).body.data[0], 'a dead delivery');
    expect(dead).toMatchObject({ attempts: 3, last_status_code: 500, next_attempt_at: null });
    receivers.toggled.answer(undefined);
    const replay = await admin(server, 'POST', `/webhook-endpoints/${id}/replay`, { event_id: dead.event_id });
    expect(replay.status, replay.text).toBe(202);
    expect(replay.body.replayed).toBe(1);
    await receivers.toggled.until((r) => r.some((x) => x.event.id === dead.event_id), 'the replayed event');

    receivers.toggled.answer(503);
    await api.create({ cardNumber: makePan('45') });
    const second = await eventually(
      async () => (await admin(server, 'GET', `/webhook-endpoints/${id}/deliveries?status=dead`)).body.data[0],
      'a second dead delivery',
    );
    expect((await admin(server, 'POST', `/webhook-endpoints/${id}/deliveries/${second.id}/discard`)).status).toBe(204);
    expect((await admin(server, 'GET', `/webhook-endpoints/${id}/deliveries?status=dead`)).body.data).toEqual([]);
    expect((await admin(server, 'GET', `/webhook-endpoints/${id}/deliveries?status=discarded`)).body.data.map((d: { id: string }) => d.id)).toEqual([
      second.id,
    ]);
    expect((await admin(server, 'POST', `/webhook-endpoints/${id}/deliveries/${second.id}/discard`)).status).toBe(404);
    receivers.toggled.answer(undefined);

    // A range replay sends every event of the owner in it again.
    const range = await admin(server, 'POST', `/webhook-endpoints/${id}/replay`, {
      from: new Date(Date.now() - 3_600_000).toISOString(),
      to: new Date(Date.now() + 60_000).toISOString(),
    });
    expect(range.body.replayed).toBe(2);
    await receivers.toggled.until((r) => r.some((x) => x.event.id === second.event_id), 'the range replay');
    expect((await admin(server, 'POST', `/webhook-endpoints/${id}/replay`, { event_id: 'nonexistent' })).status).toBe(404);
    expect((await admin(server, 'POST', `/webhook-endpoints/${id}/replay`, {})).status).toBe(400);
  });

  it('during a rotation overlap both secrets sign; after an overlap of 0 only the new one', async () => {
    const merchant = merchants.rotated;
    const { id, secret: old } = await endpoint(server, merchant, receivers.good.url);
    const api = new MerchantApi(server, merchant);
    const rotated = await admin(server, 'POST', `/webhook-endpoints/${id}/rotate-secret`, { overlap_seconds: 3600 });
    const first = await api.create({ cardNumber: makePan('45') });
    await receivers.good.until((r) => of(merchant)(r).some((x) => x.event.subject === first.reuse_token), 'the event after rotation');
    const during = of(merchant)(receivers.good.received).find((x) => x.event.subject === first.reuse_token)!;
    expect(String(during.headers['webhook-signature']).split(' ')).toHaveLength(2);
    await verifyWebhook(during.headers as Record<string, string>, during.body, rotated.body.secret);
    await verifyWebhook(during.headers as Record<string, string>, during.body, old);

    const again = await admin(server, 'POST', `/webhook-endpoints/${id}/rotate-secret`, { overlap_seconds: 0 });
    const second = await api.create({ cardNumber: makePan('45') });
    await receivers.good.until((r) => of(merchant)(r).some((x) => x.event.subject === second.reuse_token), 'the event after the second rotation');
    const after = of(merchant)(receivers.good.received).find((x) => x.event.subject === second.reuse_token)!;
    expect(String(after.headers['webhook-signature']).split(' ')).toHaveLength(1);
    await verifyWebhook(after.headers as Record<string, string>, after.body, again.body.secret);
    await expect(verifyWebhook(after.headers as Record<string, string>, after.body, rotated.body.secret)).rejects.toThrow();
  });

  it('a disabled endpoint receives nothing; a test event reaches only its endpoint', async () => {
    const merchant = merchants.disabled;
    const off = await endpoint(server, merchant, receivers.good.url);
    const on = await endpoint(server, merchant, receivers.good.url, ['merchant.token.created']);
    expect((await admin(server, 'PATCH', `/webhook-endpoints/${off.id}`, { enabled: false })).status).toBe(200);
    const token = await new MerchantApi(server, merchant).create({ cardNumber: makePan('45') });
    await receivers.good.until((r) => of(merchant)(r).some((x) => x.event.subject === token.reuse_token), 'the event at the enabled endpoint');
    expect((await admin(server, 'GET', `/webhook-endpoints/${off.id}/deliveries`)).body.data).toEqual([]);
    expect(of(merchant)(receivers.good.received).filter((x) => x.event.subject === token.reuse_token)).toHaveLength(1);

    const test = await admin(server, 'POST', `/webhook-endpoints/${on.id}/test`);
    expect(test.status, test.text).toBe(202);
    await receivers.good.until((r) => r.some((x) => x.event.id === test.body.event_id), 'the test event');
    const received = receivers.good.received.filter((x) => x.event.id === test.body.event_id);
    expect(received).toHaveLength(1);
    expect(received[0]!.event).toMatchObject({ type: 'webhook.test', subject: on.id, data: { endpoint_id: on.id } });
    await verifyWebhook(received[0]!.headers as Record<string, string>, received[0]!.body, on.secret);
  });

  it('an endpoint failing continuously is disabled, and that is an event', async () => {
    const merchant = merchants.auto;
    const failing = await endpoint(server, merchant, receivers.failing.url);
    await endpoint(server, merchant, receivers.good.url, ['webhook.endpoint.disabled']);
    const api = new MerchantApi(server, merchant);
    await api.create({ cardNumber: makePan('45') });
    await api.create({ cardNumber: makePan('45') });
    await receivers.good.until((r) => of(merchant)(r).some((x) => x.event.type === 'webhook.endpoint.disabled'), 'the disabled event');
    const disabled = of(merchant)(receivers.good.received).filter((x) => x.event.type === 'webhook.endpoint.disabled');
    expect(disabled).toHaveLength(1);
    expect(disabled[0]!.event).toMatchObject({ subject: failing.id, data: { endpoint_id: failing.id, consecutive_failures: 5 } });
    const view = await admin(server, 'GET', `/webhook-endpoints/${failing.id}`);
    expect(view.body.enabled).toBe(false);
    expect(view.body.disabled_reason).toMatch(/failed 5 attempts in a row/);
  });
});
