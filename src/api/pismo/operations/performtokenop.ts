/** POST /v1/cards/{cardId}/network-tokens/{tokenId}: a lifecycle operation on one token. */
import type { Operation } from '../../../http/operations.js';
import { ref } from '../../../http/openapi.js';
import type { components, operations } from '../../../contracts/pismo.js';
import { callerOf, ID } from '../caller.js';
import type { PismoOperationDeps } from '../deps.js';

type Params = operations['performtokenop']['parameters']['path'];
type Body = components['schemas']['TokenOperationRequest'];

export const performtokenop = (deps: PismoOperationDeps): Operation<{ Params: Params; Body: Body }> => ({
  operationId: 'performtokenop',
  schema: { params: { type: 'object', required: ['cardId', 'tokenId'], properties: { cardId: ID, tokenId: ID } }, body: ref('pismo', 'TokenOperationRequest') },
  handler: async (request, reply) => {
    const body = request.body;
    await deps.tokens.perform(callerOf(request, body.operator_id), Number(request.params.cardId), request.params.tokenId, {
      operation: body.operation_type,
      reason: body.operation_reason,
      ...(body.activation_code !== undefined ? { activationCode: body.activation_code } : {}),
    });
    return reply.status(200).send();
  },
});
