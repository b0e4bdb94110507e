/** POST /admin/v1/webhook-endpoints/{endpoint_id}/deliveries/{delivery_id}/discard: a dead letter given up. */
import type { Operation } from '../../../http/operations.js';
import type { AdminApiDeps, PathOf } from '../types.js';
import { deliveryParams } from '../webhook-params.js';

export function discardWebhookDelivery(deps: Pick<AdminApiDeps, 'webhooks'>): Operation<{ Params: PathOf<'discardWebhookDelivery'> }> {
  return {
    operationId: 'discardWebhookDelivery',
    schema: { params: deliveryParams },
    handler: async (request, reply) => {
      await deps.webhooks.discard(request.params.endpoint_id, request.params.delivery_id);
      return reply.status(204).send();
    },
  };
}
