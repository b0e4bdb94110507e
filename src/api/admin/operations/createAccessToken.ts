/** POST /admin/v1/accounts/{account_id}/access-tokens: an account token (JWT) for the issuer API. */
import type { Operation } from '../../../http/operations.js';
import { accountParams } from '../params.js';
import type { AdminApiDeps, Schemas } from '../types.js';

export function createAccessToken(deps: Pick<AdminApiDeps, 'issuerAccounts'>): Operation<{ Params: { account_id: string } }> {
  return {
    operationId: 'createAccessToken',
    schema: { params: accountParams },
    handler: async (request, reply) => {
      const token: Schemas['AccessToken'] = await deps.issuerAccounts.issueAccessToken(Number(request.params.account_id));
      return reply.status(201).send(token);
    },
  };
}
