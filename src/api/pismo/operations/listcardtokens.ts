/** GET /v1/cards/{cardId}/network-tokens: every network token of a card. */
import type { Operation } from '../../../http/operations.js';
import type { components, operations } from '../../../contracts/pismo.js';
import { callerOf, ID } from '../caller.js';
import type { PismoOperationDeps } from '../deps.js';
import { tokenInfoResponse } from '../responses.js';

type Params = operations['listcardtokens']['parameters']['path'];

export const listcardtokens = (deps: PismoOperationDeps): Operation<{ Params: Params }> => ({
  operationId: 'listcardtokens',
  schema: { params: { type: 'object', required: ['cardId'], properties: { cardId: ID } } },
  handler: async (request): Promise<components['schemas']['TokenList']> => {
    const views = await deps.tokens.list(callerOf(request).accountId, Number(request.params.cardId));
    return { tokens: views.map(tokenInfoResponse) };
  },
});
