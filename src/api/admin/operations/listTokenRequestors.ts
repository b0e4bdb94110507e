/** GET /admin/v1/merchants/{merchant_id}/token-requestors: the merchant's token requestor id on each network. */
import type { Operation } from '../../../http/operations.js';
import { merchantParams } from '../params.js';
import type { AdminApiDeps, PathOf, Schemas } from '../types.js';

export function listTokenRequestors(deps: Pick<AdminApiDeps, 'merchants' | 'tokenRequestors'>): Operation<{ Params: PathOf<'listTokenRequestors'> }> {
  return {
    operationId: 'listTokenRequestors',
    schema: { params: merchantParams },
    handler: async (request): Promise<Schemas['TokenRequestorList']> => {
      await deps.merchants.assertMerchant(request.params.merchant_id);
      const requestors = await deps.tokenRequestors.list(request.params.merchant_id);
      return {
        token_requestors: requestors.map((r) => ({ token_requestor_id: r.tokenRequestorId, network: r.network, created_at: r.createdAt })),
      };
    },
  };
}
