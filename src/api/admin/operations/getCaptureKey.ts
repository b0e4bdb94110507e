/** GET /admin/v1/merchants/{merchant_id}/capture-keys/{public_key_alias}: one capture key's public half. */
import type { Operation } from '../../../http/operations.js';
import { captureKeyParams } from '../params.js';
import type { AdminApiDeps, PathOf, Schemas } from '../types.js';

export function getCaptureKey(deps: Pick<AdminApiDeps, 'merchants' | 'captureKeys'>): Operation<{ Params: PathOf<'getCaptureKey'> }> {
  return {
    operationId: 'getCaptureKey',
    schema: { params: captureKeyParams },
    handler: async (request): Promise<Schemas['CaptureKey']> => {
      await deps.merchants.assertMerchant(request.params.merchant_id);
      return deps.captureKeys.get(request.params.merchant_id, request.params.public_key_alias);
    },
  };
}
