/** Path parameters of the webhook operations (the document's, as Fastify validates them). */
export const endpointParams = {
  type: 'object',
  required: ['endpoint_id'],
  properties: { endpoint_id: { type: 'string', pattern: '^we_[0-9a-f-]{36}$' } },
} as const;

export const deliveryParams = {
  type: 'object',
  required: ['endpoint_id', 'delivery_id'],
  properties: { ...endpointParams.properties, delivery_id: { type: 'string', format: 'uuid' } },
} as const;

/** Query strings arrive as text (the server does not coerce): `limit` is 1 to 200 written in digits. */
export const pageQuery = {
  cursor: { type: 'string', maxLength: 500 },
  limit: { type: 'string', pattern: '^(200|1[0-9]{2}|[1-9][0-9]?)$' },
} as const;

export const pageLimit = (limit: string | undefined, fallback: number) => (limit === undefined ? fallback : Number(limit));
