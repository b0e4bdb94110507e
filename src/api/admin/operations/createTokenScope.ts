/** POST /admin/v1/merchants/{merchant_id}/token-scopes. */
import type { Operation } from '../../../http/operations.js';
import { ref } from '../../../http/openapi.js';
import { merchantParams } from '../params.js';
import type { AdminApiDeps, PathOf, Schemas } from '../types.js';

type Body = Pick<Schemas['CreateTokenScopeRequest'], 'name'> & Partial<Schemas['CreateTokenScopeRequest']>;

export function createTokenScope(deps: Pick<AdminApiDeps, 'merchants'>): Operation<{ Params: PathOf<'createTokenScope'>; Body: Body }> {
  return {
    operationId: 'createTokenScope',
    schema: { params: merchantParams, body: ref('admin', 'CreateTokenScopeRequest') },
    handler: async (request, reply) => {
      const scope: Schemas['CreateTokenScopeResponse'] = await deps.merchants.createTokenScope(request.params.merchant_id, request.body);
      return reply.status(201).send(scope);
    },
  };
}
