/**
 * DELETE /admin/v1/merchants/{merchant_id}/api-keys/{key_id}: the key stops working at once on this instance, and
 * within 2 s on every other one (the revocation is published on the change feed in its transaction).
 */
import type { Operation } from '../../../http/operations.js';
import { apiKeyParams } from '../params.js';
import type { AdminApiDeps, PathOf } from '../types.js';

export function revokeApiKey(deps: Pick<AdminApiDeps, 'merchants' | 'authenticator'>): Operation<{ Params: PathOf<'revokeApiKey'> }> {
  return {
    operationId: 'revokeApiKey',
    schema: { params: apiKeyParams },
    handler: async (request, reply) => {
      await deps.merchants.revokeApiKey(request.params.merchant_id, request.params.key_id);
      deps.authenticator.forget(request.params.key_id);
      return reply.status(204).send();
    },
  };
}
