/** DELETE /admin/v1/webhook-endpoints/{endpoint_id}: the endpoint and its deliveries. */
import type { Operation } from '../../../http/operations.js';
import type { AdminApiDeps, PathOf } from '../types.js';
import { endpointParams } from '../webhook-params.js';

export function deleteWebhookEndpoint(deps: Pick<AdminApiDeps, 'webhooks'>): Operation<{ Params: PathOf<'deleteWebhookEndpoint'> }> {
  return {
    operationId: 'deleteWebhookEndpoint',
    schema: { params: endpointParams },
    handler: async (request, reply) => {
      await deps.webhooks.remove(request.params.endpoint_id);
      return reply.status(204).send();
    },
  };
}
