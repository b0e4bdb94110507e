/** GET /admin/v1/accounts/{account_id}/cards: an account's cards, masked (BIN and last four digits, never the PAN). */
import type { Operation } from '../../../http/operations.js';
import { type PageQuery, pageAnswer, pageQuery, pageRequest } from '../pagination.js';
import { accountParams } from '../params.js';
import type { AdminApiDeps, Schemas } from '../types.js';

export function listCards(deps: Pick<AdminApiDeps, 'issuerAccounts'>): Operation<{ Params: { account_id: string }; Querystring: PageQuery }> {
  return {
    operationId: 'listCards',
    schema: { params: accountParams, querystring: pageQuery },
    handler: async (request): Promise<Schemas['CardList']> =>
      pageAnswer(await deps.issuerAccounts.listCards(Number(request.params.account_id), pageRequest(request.query))),
  };
}
