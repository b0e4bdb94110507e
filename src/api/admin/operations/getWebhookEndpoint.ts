/** GET /admin/v1/webhook-endpoints/{endpoint_id}. */
import type { Operation } from '../../../http/operations.js';
import type { AdminApiDeps, PathOf, Schemas } from '../types.js';
import { endpointParams } from '../webhook-params.js';
import { endpointBody } from '../webhook-views.js';

export function getWebhookEndpoint(deps: Pick<AdminApiDeps, 'webhooks'>): Operation<{ Params: PathOf<'getWebhookEndpoint'> }> {
  return {
    operationId: 'getWebhookEndpoint',
    schema: { params: endpointParams },
    handler: async (request): Promise<Schemas['WebhookEndpoint']> => endpointBody(await deps.webhooks.get(request.params.endpoint_id)),
  };
}
