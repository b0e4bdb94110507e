/** GET /admin/v1/accounts: issuer accounts, a page at a time. */
import type { Operation } from '../../../http/operations.js';
import { type PageQuery, pageAnswer, pageQuery, pageRequest } from '../pagination.js';
import type { AdminApiDeps, Schemas } from '../types.js';

export function listAccounts(deps: Pick<AdminApiDeps, 'issuerAccounts'>): Operation<{ Querystring: PageQuery }> {
  return {
    operationId: 'listAccounts',
    schema: { querystring: pageQuery },
    handler: async (request): Promise<Schemas['AccountList']> => pageAnswer(await deps.issuerAccounts.listAccounts(pageRequest(request.query))),
  };
}
