/** GET /admin/v1/merchants/{merchant_id}/capture-keys: the public halves of a merchant's capture keys. */
import type { Operation } from '../../../http/operations.js';
import { merchantParams } from '../params.js';
import type { AdminApiDeps, PathOf, Schemas } from '../types.js';

export function listCaptureKeys(deps: Pick<AdminApiDeps, 'merchants' | 'captureKeys'>): Operation<{ Params: PathOf<'listCaptureKeys'> }> {
  return {
    operationId: 'listCaptureKeys',
    schema: { params: merchantParams },
    handler: async (request): Promise<Schemas['CaptureKeyList']> => {
      await deps.merchants.assertMerchant(request.params.merchant_id);
      return { public_keys: await deps.captureKeys.list(request.params.merchant_id) };
    },
  };
}
