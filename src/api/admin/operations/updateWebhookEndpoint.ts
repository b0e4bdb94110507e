/** PATCH /admin/v1/webhook-endpoints/{endpoint_id}: enable / disable, filter, URL, description. */
import type { Operation } from '../../../http/operations.js';
import { ref } from '../../../http/openapi.js';
import type { AdminApiDeps, PathOf, Schemas } from '../types.js';
import { endpointParams } from '../webhook-params.js';
import { endpointBody } from '../webhook-views.js';

export function updateWebhookEndpoint(
  deps: Pick<AdminApiDeps, 'webhooks'>,
): Operation<{ Params: PathOf<'updateWebhookEndpoint'>; Body: Schemas['UpdateWebhookEndpointRequest'] }> {
  return {
    operationId: 'updateWebhookEndpoint',
    schema: { params: endpointParams, body: ref('admin', 'UpdateWebhookEndpointRequest') },
    handler: async (request): Promise<Schemas['WebhookEndpoint']> => {
      const { url, event_types, description, enabled } = request.body;
      const view = await deps.webhooks.update(request.params.endpoint_id, {
        ...(url !== undefined ? { url } : {}),
        ...(event_types !== undefined ? { eventTypes: event_types } : {}),
        ...(description !== undefined ? { description } : {}),
        ...(enabled !== undefined ? { enabled } : {}),
      });
      return endpointBody(view);
    },
  };
}
