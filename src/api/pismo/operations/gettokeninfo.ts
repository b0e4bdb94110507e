/** GET /v1/cards/{cardId}/network-tokens/{tokenId}: one network token of a card. */
import type { Operation } from '../../../http/operations.js';
import type { operations } from '../../../contracts/pismo.js';
import { callerOf, ID } from '../caller.js';
import type { PismoOperationDeps } from '../deps.js';
import { tokenInfoResponse } from '../responses.js';

type Params = operations['gettokeninfo']['parameters']['path'];

export const gettokeninfo = (deps: PismoOperationDeps): Operation<{ Params: Params }> => ({
  operationId: 'gettokeninfo',
  schema: { params: { type: 'object', required: ['cardId', 'tokenId'], properties: { cardId: ID, tokenId: ID } } },
  handler: async (request) => tokenInfoResponse(await deps.tokens.get(callerOf(request).accountId, Number(request.params.cardId), request.params.tokenId)),
});
