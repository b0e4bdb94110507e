/** POST /admin/v1/webhook-endpoints: an endpoint for a merchant or an issuer account; its secret is shown once. */
import type { Operation } from '../../../http/operations.js';
import { ref } from '../../../http/openapi.js';
import type { AdminApiDeps, Schemas } from '../types.js';
import { endpointBody, ownerFrom } from '../webhook-views.js';

export function createWebhookEndpoint(deps: Pick<AdminApiDeps, 'webhooks'>): Operation<{ Body: Schemas['CreateWebhookEndpointRequest'] }> {
  return {
    operationId: 'createWebhookEndpoint',
    schema: { body: ref('admin', 'CreateWebhookEndpointRequest') },
    handler: async (request, reply) => {
      const { url, event_types, description } = request.body;
      const { endpoint, secret } = await deps.webhooks.create({
        owner: ownerFrom(request.body, 'body'),
        url,
        ...(event_types ? { eventTypes: event_types } : {}),
        ...(description !== undefined ? { description } : {}),
      });
      const body: Schemas['CreatedWebhookEndpoint'] = { ...endpointBody(endpoint), secret };
      return reply.status(201).send(body);
    },
  };
}
