/** GET /admin/v1/merchants/{merchant_id}/token-scopes: a merchant's token scopes. */
import type { Operation } from '../../../http/operations.js';
import { type PageQuery, pageAnswer, pageQuery, pageRequest } from '../pagination.js';
import { merchantParams } from '../params.js';
import type { AdminApiDeps, PathOf, Schemas } from '../types.js';

export function listTokenScopes(deps: Pick<AdminApiDeps, 'merchants'>): Operation<{ Params: PathOf<'listTokenScopes'>; Querystring: PageQuery }> {
  return {
    operationId: 'listTokenScopes',
    schema: { params: merchantParams, querystring: pageQuery },
    handler: async (request): Promise<Schemas['TokenScopeList']> =>
      pageAnswer(await deps.merchants.listTokenScopes(request.params.merchant_id, pageRequest(request.query))),
  };
}
