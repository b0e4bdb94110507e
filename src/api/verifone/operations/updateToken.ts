/** PATCH /api/v2/card/{id}: partial update of a token, or relink to another card. */
import type { Operation } from '../../../http/operations.js';
import { ref } from '../../../http/openapi.js';
import type { MerchantTokenService } from '../../../merchant/token-service.js';
import { callerOf, idParams, updateTokenInput, type IdParams, type PatchBody } from '../requests.js';
import { patchResponse, type PatchTokenResponse } from '../responses.js';

export function updateToken(tokens: Pick<MerchantTokenService, 'update'>): Operation<{ Params: IdParams; Body: PatchBody; Reply: PatchTokenResponse }> {
  return {
    operationId: 'updateToken',
    schema: { params: idParams, body: ref('verifone', 'PatchDto') },
    handler: async (request) => patchResponse(await tokens.update(callerOf(request), request.params.id, updateTokenInput(request.body))),
  };
}
