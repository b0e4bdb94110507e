/** POST /v1/cards/{card_id}: a lifecycle operation on every token of a card for which it is legal. */
import type { Operation } from '../../../http/operations.js';
import { ref } from '../../../http/openapi.js';
import type { components, operations } from '../../../contracts/pismo.js';
import { callerOf, ID } from '../caller.js';
import type { PismoOperationDeps } from '../deps.js';

type Params = operations['card-token-operation']['parameters']['path'];
type Body = components['schemas']['TokenOperationByCard'];

export const cardTokenOperation = (deps: PismoOperationDeps): Operation<{ Params: Params; Body: Body }> => ({
  operationId: 'card-token-operation',
  schema: { params: { type: 'object', required: ['card_id'], properties: { card_id: ID } }, body: ref('pismo', 'TokenOperationByCard') },
  handler: async (request, reply) => {
    const body = request.body;
    await deps.tokens.performOnCard(callerOf(request, body.operator_id), Number(request.params.card_id), {
      operation: body.operation_type,
      reason: body.operation_reason,
    });
    return reply.status(200).send();
  },
});
