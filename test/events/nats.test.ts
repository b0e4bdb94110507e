/**
 * NATS JetStream end to end against the real server at 127.0.0.1:4222 (TESSERA_TEST_NATS_URL): every event lands
 * on `<prefix>.<side>.<type>` in the configured stream with `Nats-Msg-Id` = the event id and a CloudEvents body;
 * publishing an event again (a crash between ack and record) is dropped by JetStream as a duplicate. Both engines.
 * Each suite uses a stream and subject prefix of its own, deleted afterwards.
 */
import { randomBytes } from 'node:crypto';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../support/engines.js';
import { useIssuerServer, useIssuerToken, useMerchant, useTestServer } from '../support/fixture.js';
import { makePan, MerchantApi } from '../merchant/helpers.js';
import { eventually } from './receiver.js';

const NATS_URL = process.env.TESSERA_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

describe.each(ENGINES)('NATS JetStream publishing on %s', (engine) => {
  const suffix = randomBytes(4).toString('hex');
  const stream = `TESSERA_TEST_${suffix}`;
  const prefix = `tessera_test_${suffix}`;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  beforeAll(async () => {
    nc = await connect({ servers: NATS_URL, timeout: 5000 });
    jsm = await jetstreamManager(nc);
  });
  afterAll(async () => {
    await jsm?.streams.delete(stream).catch(() => undefined);
    await nc?.close();
  });
  const env = { TESSERA_NATS_URL: NATS_URL, TESSERA_NATS_STREAM: stream, TESSERA_NATS_SUBJECT_PREFIX: prefix, TESSERA_WEBHOOK_POLL_MS: '20' };
  const server = useTestServer(engine, { env });
  const merchant = useMerchant(server);
  const issuer = useIssuerServer(engine, { env });
  const token = useIssuerToken(issuer, 'vts');

  const messages = async () => {
    const info = await jsm.streams.info(stream);
    const out = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
      const msg = await jsm.streams.getMessage(stream, { seq });
      if (msg)
        out.push({
          subject: msg.subject,
          id: msg.header.get('Nats-Msg-Id'),
          event: msg.json<{ id: string; type: string; subject: string; sequence: string; specversion: string }>(),
        });
    }
    return out;
  };

  it('publishes merchant and issuer events with Nats-Msg-Id = event id, in per-token order, once', async () => {
    const api = new MerchantApi(server, merchant);
    const created = await api.create({ cardNumber: makePan('45') });
    expect((await api.suspend(created.reuse_token)).status).toBe(204);
    const merchantEvents = await eventually(async () => {
      const got = (await messages()).filter((m) => m.event.subject === created.reuse_token);
      return got.length >= 2 && got;
    }, 'the merchant events in the stream');
    expect(merchantEvents.map((m) => [m.subject, m.event.sequence])).toEqual([
      [`${prefix}.merchant.token.created`, '1'],
      [`${prefix}.merchant.token.suspended`, '2'],
    ]);
    for (const m of merchantEvents) {
      expect(m.id).toBe(m.event.id);
      expect(m.event.specversion).toBe('1.0');
    }
    const issuerEvents = await eventually(async () => {
      const got = (await messages()).filter((m) => m.event.subject === token.tokenId);
      return got.length >= 1 && got;
    }, 'the issuer notification in the stream');
    expect(issuerEvents[0]).toMatchObject({ subject: `${prefix}.issuer.notification`, event: { type: 'notification' } });

    // Published again as after a crash before the record: JetStream drops the duplicate.
    const before = (await jsm.streams.info(stream)).state.messages;
    await server.app.core.store.db.updateTable('events').set({ nats_published_at: null }).where('subject', '=', created.reuse_token).execute();
    await eventually(async () => {
      const rows = await server.app.core.store.db.selectFrom('events').select('nats_published_at').where('subject', '=', created.reuse_token).execute();
      return rows.every((row) => row.nats_published_at !== null);
    }, 'the events published again');
    expect((await jsm.streams.info(stream)).state.messages).toBe(before);
  });
});
