/** POST /admin/v1/merchants/{merchant_id}/token-requestors: the merchant becomes a token requestor on a network. */
import type { Operation } from '../../../http/operations.js';
import { ref } from '../../../http/openapi.js';
import { merchantParams } from '../params.js';
import type { AdminApiDeps, PathOf, Schemas } from '../types.js';

export function createTokenRequestor(
  deps: Pick<AdminApiDeps, 'merchants' | 'tokenRequestors'>,
): Operation<{ Params: PathOf<'createTokenRequestor'>; Body: Schemas['CreateTokenRequestorRequest'] }> {
  return {
    operationId: 'createTokenRequestor',
    schema: { params: merchantParams, body: ref('admin', 'CreateTokenRequestorRequest') },
    handler: async (request, reply) => {
      await deps.merchants.assertMerchant(request.params.merchant_id);
      const registered = await deps.tokenRequestors.register(request.params.merchant_id, request.body.network);
      const body: Schemas['TokenRequestor'] = {
        token_requestor_id: registered.tokenRequestorId,
        network: registered.network,
        created_at: registered.createdAt,
      };
      return reply.status(201).send(body);
    },
  };
}
