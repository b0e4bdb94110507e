/** GET /admin/v1/accounts/{account_id}/cards/{card_id}: one card of an account, masked. */
import type { Operation } from '../../../http/operations.js';
import { cardParams } from '../params.js';
import type { AdminApiDeps, Schemas } from '../types.js';

export function getCard(deps: Pick<AdminApiDeps, 'issuerAccounts'>): Operation<{ Params: { account_id: string; card_id: string } }> {
  return {
    operationId: 'getCard',
    schema: { params: cardParams },
    handler: async (request): Promise<Schemas['Card']> => deps.issuerAccounts.getCard(Number(request.params.account_id), Number(request.params.card_id)),
  };
}
