/** PUT /api/v2/card: tokenize a client-encrypted card, or refresh the token that already stands for it. */
import type { Operation } from '../../../http/operations.js';
import { ref } from '../../../http/openapi.js';
import type { MerchantTokenService } from '../../../merchant/token-service.js';
import { callerOf, tokenizeInput, type PutBody } from '../requests.js';
import { cardResponse, type CardResponse } from '../responses.js';

export function createUpdateToken(tokens: Pick<MerchantTokenService, 'createOrUpdate'>): Operation<{ Body: PutBody; Reply: CardResponse }> {
  return {
    operationId: 'createUpdateToken',
    schema: { body: ref('verifone', 'PutDto') },
    handler: async (request) => cardResponse(await tokens.createOrUpdate(callerOf(request), tokenizeInput(request.body))),
  };
}
