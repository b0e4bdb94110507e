/** POST /admin/v1/webhook-endpoints/{endpoint_id}/replay: one event (`event_id`) or a time range (`from`, `to`). */
import { InvalidInput } from '../../../errors.js';
import type { Operation } from '../../../http/operations.js';
import { ref } from '../../../http/openapi.js';
import type { AdminApiDeps, PathOf, Schemas } from '../types.js';
import { endpointParams } from '../webhook-params.js';

export function replayWebhookEvents(
  deps: Pick<AdminApiDeps, 'webhooks'>,
): Operation<{ Params: PathOf<'replayWebhookEvents'>; Body: Schemas['ReplayWebhookEventsRequest'] }> {
  return {
    operationId: 'replayWebhookEvents',
    schema: { params: endpointParams, body: ref('admin', 'ReplayWebhookEventsRequest') },
    handler: async (request, reply) => {
      const { event_id, from, to } = request.body;
      const range = from !== undefined || to !== undefined;
      if ((event_id !== undefined) === range || (range && (from === undefined || to === undefined))) {
        throw new InvalidInput({ field: 'body.event_id', reason: 'required', message: 'give either event_id, or both from and to' });
      }
      const selection =
        event_id !== undefined ? { eventId: event_id } : { from: new Date(from as string).toISOString(), to: new Date(to as string).toISOString() };
      const body: Schemas['WebhookReplay'] = { replayed: await deps.webhooks.replay(request.params.endpoint_id, selection) };
      return reply.status(202).send(body);
    },
  };
}
