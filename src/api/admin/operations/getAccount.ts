/** GET /admin/v1/accounts/{account_id}: one issuer account. */
import type { Operation } from '../../../http/operations.js';
import { accountParams } from '../params.js';
import type { AdminApiDeps, Schemas } from '../types.js';

export function getAccount(deps: Pick<AdminApiDeps, 'issuerAccounts'>): Operation<{ Params: { account_id: string } }> {
  return {
    operationId: 'getAccount',
    schema: { params: accountParams },
    handler: async (request): Promise<Schemas['AccountDetails']> => deps.issuerAccounts.getAccount(Number(request.params.account_id)),
  };
}
