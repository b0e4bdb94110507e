/** POST /admin/v1/webhook-endpoints/{endpoint_id}/rotate-secret: a new secret, shown once; the old one overlaps. */
import type { Operation } from '../../../http/operations.js';
import { ref } from '../../../http/openapi.js';
import type { AdminApiDeps, PathOf, Schemas } from '../types.js';
import { endpointParams } from '../webhook-params.js';

export function rotateWebhookSecret(
  deps: Pick<AdminApiDeps, 'webhooks'>,
): Operation<{ Params: PathOf<'rotateWebhookSecret'>; Body: Schemas['RotateWebhookSecretRequest'] | undefined }> {
  return {
    operationId: 'rotateWebhookSecret',
    schema: { params: endpointParams, body: ref('admin', 'RotateWebhookSecretRequest') },
    // No body at all means the defaults.
    preValidation: async (request) => {
      request.body ??= {};
    },
    handler: async (request): Promise<Schemas['RotatedWebhookSecret']> => {
      const rotated = await deps.webhooks.rotateSecret(request.params.endpoint_id, request.body?.overlap_seconds);
      return { secret: rotated.secret, previous_secret_expires_at: rotated.previousSecretExpiresAt };
    },
  };
}
