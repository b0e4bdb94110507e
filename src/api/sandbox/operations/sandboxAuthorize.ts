/** POST /sandbox/v1/authorizations: the simulated network authorizes a payment with a network token and cryptogram. */
import { detectBrand } from '../../../cards/brand.js';
import type { components } from '../../../contracts/admin.js';
import { InvalidInput } from '../../../errors.js';
import { ref } from '../../../http/openapi.js';
import type { Operation } from '../../../http/operations.js';
import { networkOfBrand } from '../../../network/providers.js';
import type { SandboxControls } from '../../../network/sandbox.js';

type AuthorizationRequest = components['schemas']['AuthorizationRequest'];
type AuthorizationResponse = components['schemas']['AuthorizationResponse'];

export function sandboxAuthorize(deps: {
  sandbox: Pick<SandboxControls, 'authorize'>;
}): Operation<{ Body: AuthorizationRequest; Reply: AuthorizationResponse }> {
  return {
    operationId: 'sandboxAuthorize',
    schema: { body: ref('admin', 'AuthorizationRequest') },
    handler: async (request) => {
      const body = request.body;
      // As an acquirer routes it: by the token number's brand.
      const network = networkOfBrand(detectBrand(body.network_token));
      if (!network) throw new InvalidInput({ field: 'network_token', reason: 'unsupported', message: 'is not a Visa or Mastercard token number' });
      const outcome = await deps.sandbox.authorize({
        network,
        networkToken: body.network_token,
        expiryMonth: body.expiry_month,
        expiryYear: body.expiry_year,
        cryptogram: body.cryptogram,
        eci: body.eci,
        amount: body.amount,
        currency: body.currency,
        tokenRequestorId: body.token_requestor_id,
      });
      return outcome.approved
        ? { approved: true, network: outcome.network, authorization_id: outcome.authorizationId }
        : { approved: false, network: outcome.network, reason: outcome.reason };
    },
  };
}
