/** POST /admin/v1/webhook-endpoints/{endpoint_id}/test: queues a `webhook.test` event for this endpoint. */
import type { Operation } from '../../../http/operations.js';
import type { AdminApiDeps, PathOf, Schemas } from '../types.js';
import { endpointParams } from '../webhook-params.js';

export function sendWebhookTestEvent(deps: Pick<AdminApiDeps, 'webhooks'>): Operation<{ Params: PathOf<'sendWebhookTestEvent'> }> {
  return {
    operationId: 'sendWebhookTestEvent',
    schema: { params: endpointParams },
    handler: async (request, reply) => {
      const { eventId, deliveryId } = await deps.webhooks.sendTest(request.params.endpoint_id);
      const body: Schemas['WebhookTestEvent'] = { event_id: eventId, delivery_id: deliveryId };
      return reply.status(202).send(body);
    },
  };
}
