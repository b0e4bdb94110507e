/** GET /admin/v1/webhook-endpoints?merchant_id=…|account_id=…: one page of an owner's endpoints. */
import type { Operation } from '../../../http/operations.js';
import type { AdminApiDeps, Schemas } from '../types.js';
import { pageLimit, pageQuery } from '../webhook-params.js';
import { DEFAULT_PAGE, endpointBody, ownerFrom } from '../webhook-views.js';

type Query = { merchant_id?: string; account_id?: string; cursor?: string; limit?: string };

export function listWebhookEndpoints(deps: Pick<AdminApiDeps, 'webhooks'>): Operation<{ Querystring: Query }> {
  return {
    operationId: 'listWebhookEndpoints',
    schema: {
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          merchant_id: { type: 'string', format: 'uuid' },
          account_id: { type: 'string', pattern: '^[1-9][0-9]{0,17}$' },
          ...pageQuery,
        },
      },
    },
    handler: async (request): Promise<Schemas['WebhookEndpointList']> => {
      const page = await deps.webhooks.list(ownerFrom(request.query, 'query'), request.query.cursor, pageLimit(request.query.limit, DEFAULT_PAGE));
      return { data: page.items.map(endpointBody), next_cursor: page.nextCursor };
    },
  };
}
