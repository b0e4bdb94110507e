/**
 * POST /api/v2/card/{id}/cryptogram (Tessera extension, openapi/tessera-cryptogram.openapi.json): a single-use
 * payment cryptogram for the reuse token's scheme token, with the network token and its expiry.
 */
import type { components } from '../../../contracts/cryptogram.js';
import type { Operation } from '../../../http/operations.js';
import { ref } from '../../../http/openapi.js';
import type { MerchantTokenService } from '../../../merchant/token-service.js';
import type { CryptogramInput } from '../../../merchant/types.js';
import { callerOf, idParams, type IdParams } from '../requests.js';

type CryptogramRequest = components['schemas']['CryptogramRequest'];
type CryptogramResponse = components['schemas']['CryptogramResponse'];

function cryptogramInput(body: CryptogramRequest): CryptogramInput {
  return {
    ...(body.amount !== undefined ? { amount: body.amount } : {}),
    ...(body.currency !== undefined ? { currency: body.currency } : {}),
    ...(body.transaction_type !== undefined ? { transactionType: body.transaction_type } : {}),
  };
}

export function createCryptogram(
  tokens: Pick<MerchantTokenService, 'cryptogram'>,
): Operation<{ Params: IdParams; Body: CryptogramRequest; Reply: CryptogramResponse }> {
  return {
    operationId: 'createCryptogram',
    schema: { params: idParams, body: ref('cryptogram', 'CryptogramRequest') },
    // Every field is optional: a missing body is validated as {}.
    preValidation: async (request) => {
      request.body ??= {};
    },
    handler: async (request) => {
      const view = await tokens.cryptogram(callerOf(request), request.params.id, cryptogramInput(request.body));
      return {
        network: view.network as CryptogramResponse['network'],
        network_token: view.networkToken,
        expiry_month: view.expiryMonth,
        expiry_year: view.expiryYear,
        cryptogram: view.cryptogram,
        eci: view.eci,
      };
    },
  };
}
