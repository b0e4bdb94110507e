/** POST /admin/v1/merchants: a merchant and its first API key (the secret is shown once). */
import type { Operation } from '../../../http/operations.js';
import { ref } from '../../../http/openapi.js';
import type { AdminApiDeps, Schemas } from '../types.js';

export function createMerchant(deps: Pick<AdminApiDeps, 'merchants'>): Operation<{ Body: Schemas['CreateMerchantRequest'] }> {
  return {
    operationId: 'createMerchant',
    schema: { body: ref('admin', 'CreateMerchantRequest') },
    handler: async (request, reply) => {
      const created: Schemas['CreateMerchantResponse'] = await deps.merchants.createMerchant(request.body.name);
      return reply.status(201).send(created);
    },
  };
}
