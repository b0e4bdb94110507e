/** Path parameter schemas of the admin operations (the document's parameters, as Fastify validates them). */
export const merchantParams = {
  type: 'object',
  required: ['merchant_id'],
  properties: { merchant_id: { type: 'string', format: 'uuid' } },
} as const;

export const apiKeyParams = {
  ...merchantParams,
  properties: { ...merchantParams.properties, key_id: { type: 'string', maxLength: 100 } },
} as const;

export const accountParams = {
  type: 'object',
  required: ['account_id'],
  properties: { account_id: { type: 'string', pattern: '^[1-9][0-9]{0,17}$' } },
} as const;

export const captureKeyParams = {
  ...merchantParams,
  required: ['merchant_id', 'public_key_alias'],
  properties: { ...merchantParams.properties, public_key_alias: { type: 'string', maxLength: 100 } },
} as const;

export const cardParams = {
  type: 'object',
  required: ['account_id', 'card_id'],
  properties: { ...accountParams.properties, card_id: { type: 'string', pattern: '^[1-9][0-9]{0,17}$' } },
} as const;
