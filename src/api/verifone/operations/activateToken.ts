/** PATCH /api/v2/card/{id}/activate: the way back from suspendToken. 204 with no body. */
import type { Operation } from '../../../http/operations.js';
import type { MerchantTokenService } from '../../../merchant/token-service.js';
import { callerOf, idParams, type IdParams } from '../requests.js';

export function activateToken(tokens: Pick<MerchantTokenService, 'setStatus'>): Operation<{ Params: IdParams }> {
  return {
    operationId: 'activateToken',
    schema: { params: idParams },
    handler: async (request, reply) => {
      await tokens.setStatus(callerOf(request), request.params.id, 'ACTIVE');
      return reply.status(204).send();
    },
  };
}
