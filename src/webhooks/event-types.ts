/**
 * Every event type Tessera emits, by side: what an endpoint's `event_types` filter may name, and what the
 * catalogue (openapi/events.asyncapi.json) documents. A type emitted but missing here fails the catalogue test.
 */
export const MERCHANT_EVENT_TYPES = [
  'merchant.token.created',
  'merchant.token.updated',
  'merchant.token.suspended',
  'merchant.token.activated',
  'merchant.token.deleted',
  'merchant.token.retired',
  'merchant.token.expired',
  'merchant.scheme_token.activated',
  'merchant.scheme_token.suspended',
  'merchant.scheme_token.resumed',
  'merchant.scheme_token.deleted',
  'merchant.scheme_token.declined',
  'merchant.scheme_token.resync',
  'merchant.scheme_token.network_update',
] as const;

export const ISSUER_EVENT_TYPES = ['patch', 'notification', 'token_resync', 'device_binding', 'token.authorization'] as const;

/** Events about the delivery itself, on both sides. */
export const ENDPOINT_DISABLED = 'webhook.endpoint.disabled';
export const TEST_EVENT = 'webhook.test';
export const DELIVERY_EVENT_TYPES = [ENDPOINT_DISABLED, TEST_EVENT] as const;

export const EVENT_TYPES: readonly string[] = [...MERCHANT_EVENT_TYPES, ...ISSUER_EVENT_TYPES, ...DELIVERY_EVENT_TYPES];

/** The NATS subject side of an owner: `merchant` or `issuer`. */
export const sideOf = (owner: string) => (owner.startsWith('merchant:') ? 'merchant' : 'issuer');
