/** POST /admin/v1/merchants/{merchant_id}/api-keys: another API key for a merchant. */
import type { Operation } from '../../../http/operations.js';
import { merchantParams } from '../params.js';
import type { AdminApiDeps, PathOf, Schemas } from '../types.js';

export function createApiKey(deps: Pick<AdminApiDeps, 'merchants'>): Operation<{ Params: PathOf<'createApiKey'> }> {
  return {
    operationId: 'createApiKey',
    schema: { params: merchantParams },
    handler: async (request, reply) => {
      const key: Schemas['ApiKey'] = await deps.merchants.createApiKey(request.params.merchant_id);
      return reply.status(201).send(key);
    },
  };
}
