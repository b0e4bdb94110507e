/** GET /admin/v1/webhook-endpoints/{endpoint_id}/deliveries: status, attempts and last answer, newest first. */
import type { Operation } from '../../../http/operations.js';
import type { AdminApiDeps, PathOf, Schemas } from '../types.js';
import { endpointParams, pageLimit, pageQuery } from '../webhook-params.js';
import { DEFAULT_PAGE, deliveryBody } from '../webhook-views.js';

type Query = { status?: Schemas['WebhookDelivery']['status']; cursor?: string; limit?: string };

export function listWebhookDeliveries(deps: Pick<AdminApiDeps, 'webhooks'>): Operation<{ Params: PathOf<'listWebhookDeliveries'>; Querystring: Query }> {
  return {
    operationId: 'listWebhookDeliveries',
    schema: {
      params: endpointParams,
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: { status: { type: 'string', enum: ['pending', 'delivered', 'dead', 'discarded'] }, ...pageQuery },
      },
    },
    handler: async (request): Promise<Schemas['WebhookDeliveryList']> => {
      const { status, cursor, limit } = request.query;
      const page = await deps.webhooks.deliveries(request.params.endpoint_id, cursor, pageLimit(limit, DEFAULT_PAGE), status);
      return { data: page.items.map(deliveryBody), next_cursor: page.nextCursor };
    },
  };
}
