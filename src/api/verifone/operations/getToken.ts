/** GET /api/v2/card/{id}: a token's details (never the card number). */
import type { Operation } from '../../../http/operations.js';
import type { MerchantTokenService } from '../../../merchant/token-service.js';
import { callerOf, idParams, type IdParams } from '../requests.js';
import { tokenResponse, type TokenResponse } from '../responses.js';

export function getToken(tokens: Pick<MerchantTokenService, 'get'>): Operation<{ Params: IdParams; Reply: TokenResponse }> {
  return {
    operationId: 'getToken',
    schema: { params: idParams },
    handler: async (request) => tokenResponse(await tokens.get(callerOf(request), request.params.id)),
  };
}
