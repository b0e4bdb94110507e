/**
 * The event catalogue (openapi/events.asyncapi.json) against what Tessera emits: it lists exactly the types of
 * webhooks/event-types.ts, each on its NATS subject, and every event a run of both sides commits (merchant token
 * lifecycle, issuer provisioning and status changes, test events) has a documented type and validates against its
 * payload schema and the CloudEvents envelope. Both engines.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { OPENAPI_DIR } from '../../src/http/openapi.js';
import { natsSubject } from '../../src/nats/publisher.js';
import { toCloudEvent } from '../../src/webhooks/cloudevent.js';
import { EVENT_TYPES } from '../../src/webhooks/event-types.js';
import { ENGINES } from '../support/engines.js';
import { useIssuerServer, useIssuerToken, useMerchant } from '../support/fixture.js';
import { request } from '../support/http.js';
import { makePan, MerchantApi } from '../merchant/helpers.js';

interface Catalogue {
  asyncapi: string;
  info: { version: string };
  channels: Record<string, { subscribe: { message: { $ref: string } } }>;
  components: {
    schemas: Record<string, object>;
    messages: Record<string, { name: string; payload: { allOf: [unknown, { properties: { data: { $ref: string } } }] } }>;
  };
}

const catalogue = JSON.parse(readFileSync(join(OPENAPI_DIR, 'events.asyncapi.json'), 'utf8')) as Catalogue;
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const ajv = addFormats(new Ajv({ strict: false, allErrors: true }));
const schemaOf = (ref: string) => catalogue.components.schemas[ref.replace('#/components/schemas/', '')] as object;
const envelope = ajv.compile(catalogue.components.schemas.CloudEventEnvelope as object);
const dataValidators = new Map(
  Object.values(catalogue.components.messages).map((message) => [message.name, ajv.compile(schemaOf(message.payload.allOf[1].properties.data.$ref))]),
);

describe('the event catalogue', () => {
  it('is a versioned AsyncAPI document listing exactly the emitted types, each on its NATS subject', () => {
    expect(catalogue.asyncapi).toMatch(/^2\.6\./);
    expect(catalogue.info.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect([...dataValidators.keys()].sort()).toEqual([...EVENT_TYPES].sort());
    for (const type of EVENT_TYPES) {
      const owner = type.startsWith('merchant.') ? 'merchant:m' : 'account:1';
      const channel = catalogue.channels[natsSubject('tessera', owner, type)];
      expect(channel, type).toBeDefined();
      expect(channel!.subscribe.message.$ref).toBe(`#/components/messages/${type.replaceAll('.', '_')}`);
    }
  });
});

describe.each(ENGINES)('emitted events against the catalogue on %s', (engine) => {
  const issuer = useIssuerServer(engine);
  const token = useIssuerToken(issuer, 'vts');
  const merchant = useMerchant(issuer.server);

  it('every committed event has a catalogued type and a payload that validates', async () => {
    const server = issuer.server;
    const api = new MerchantApi(server, merchant);
    const created = await api.create({ cardNumber: makePan('45') });
    expect((await api.patch(created.reuse_token, { entity_id: 'shop-1' })).status).toBeLessThan(300);
    expect((await api.suspend(created.reuse_token)).status).toBe(204);
    expect((await api.activate(created.reuse_token)).status).toBe(204);
    expect((await api.remove(created.reuse_token)).status).toBe(204);
    const res = await issuer.api.operate(token.account.jwt, token.card.cardId, token.tokenId, { operation_type: 'SUSPEND', operation_reason: 'catalogue' });
    expect(res.status, res.text).toBe(200);
    const hook = await request(server.baseUrl, 'POST', '/admin/v1/webhook-endpoints', {
      bearer: server.adminToken,
      body: { merchant_id: merchant.merchantId, url: 'https://hooks.example.com/x' },
    });
    expect((await request(server.baseUrl, 'POST', `/admin/v1/webhook-endpoints/${hook.body.id}/test`, { bearer: server.adminToken })).status).toBe(202);

    const rows = await server.app.core.store.db.selectFrom('events').selectAll().execute();
    const types = new Set(rows.map((row) => row.type));
    for (const expected of [
      'merchant.token.created',
      'merchant.token.suspended',
      'merchant.token.activated',
      'merchant.token.deleted',
      'notification',
      'patch',
      'webhook.test',
    ]) {
      expect(types).toContain(expected);
    }
    for (const row of rows) {
      const validate = dataValidators.get(row.type);
      expect(validate, `type ${row.type} is not in the catalogue`).toBeDefined();
      const event = toCloudEvent(row);
      expect(envelope(event), JSON.stringify(envelope.errors)).toBe(true);
      expect(validate!(event.data), `${row.type}: ${JSON.stringify(validate!.errors)} in ${row.payload}`).toBe(true);
    }
  });
});
