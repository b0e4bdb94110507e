/** GET /admin/v1/merchants/{merchant_id}: one merchant. */
import type { Operation } from '../../../http/operations.js';
import { merchantParams } from '../params.js';
import type { AdminApiDeps, PathOf, Schemas } from '../types.js';

export function getMerchant(deps: Pick<AdminApiDeps, 'merchants'>): Operation<{ Params: PathOf<'getMerchant'> }> {
  return {
    operationId: 'getMerchant',
    schema: { params: merchantParams },
    handler: async (request): Promise<Schemas['Merchant']> => deps.merchants.getMerchant(request.params.merchant_id),
  };
}
