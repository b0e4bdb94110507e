/** GET /admin/v1/merchants: merchants, a page at a time (`?limit=&cursor=`). */
import type { Operation } from '../../../http/operations.js';
import { type PageQuery, pageAnswer, pageQuery, pageRequest } from '../pagination.js';
import type { AdminApiDeps, Schemas } from '../types.js';

export function listMerchants(deps: Pick<AdminApiDeps, 'merchants'>): Operation<{ Querystring: PageQuery }> {
  return {
    operationId: 'listMerchants',
    schema: { querystring: pageQuery },
    handler: async (request): Promise<Schemas['MerchantList']> => pageAnswer(await deps.merchants.listMerchants(pageRequest(request.query))),
  };
}
