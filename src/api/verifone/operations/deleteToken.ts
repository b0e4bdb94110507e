/** DELETE /api/v2/card/{id}: irreversible; the sealed card is destroyed. 204 with no body. */
import type { Operation } from '../../../http/operations.js';
import type { MerchantTokenService } from '../../../merchant/token-service.js';
import { callerOf, idParams, type IdParams } from '../requests.js';

export function deleteToken(tokens: Pick<MerchantTokenService, 'delete'>): Operation<{ Params: IdParams }> {
  return {
    operationId: 'deleteToken',
    schema: { params: idParams },
    handler: async (request, reply) => {
      await tokens.delete(callerOf(request), request.params.id);
      return reply.status(204).send();
    },
  };
}
