/** POST /admin/v1/accounts/{account_id}/cards: a card of an issuer account (its PAN goes into the vault). */
import type { Operation } from '../../../http/operations.js';
import { ref } from '../../../http/openapi.js';
import { accountParams } from '../params.js';
import type { AdminApiDeps, Schemas } from '../types.js';

export function createCard(deps: Pick<AdminApiDeps, 'issuerAccounts'>): Operation<{ Params: { account_id: string }; Body: Schemas['CreateCardRequest'] }> {
  return {
    operationId: 'createCard',
    schema: { params: accountParams, body: ref('admin', 'CreateCardRequest') },
    handler: async (request, reply) => {
      const card: Schemas['CreateCardResponse'] = await deps.issuerAccounts.createCard(Number(request.params.account_id), request.body);
      return reply.status(201).send(card);
    },
  };
}
