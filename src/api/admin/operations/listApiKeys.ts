/** GET /admin/v1/merchants/{merchant_id}/api-keys: a merchant's API keys (ids and dates; never a secret or hash). */
import type { Operation } from '../../../http/operations.js';
import { type PageQuery, pageAnswer, pageQuery, pageRequest } from '../pagination.js';
import { merchantParams } from '../params.js';
import type { AdminApiDeps, PathOf, Schemas } from '../types.js';

export function listApiKeys(deps: Pick<AdminApiDeps, 'merchants'>): Operation<{ Params: PathOf<'listApiKeys'>; Querystring: PageQuery }> {
  return {
    operationId: 'listApiKeys',
    schema: { params: merchantParams, querystring: pageQuery },
    handler: async (request): Promise<Schemas['ApiKeyList']> =>
      pageAnswer(await deps.merchants.listApiKeys(request.params.merchant_id, pageRequest(request.query))),
  };
}
