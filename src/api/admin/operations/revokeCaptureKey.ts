/**
 * DELETE /admin/v1/merchants/{merchant_id}/capture-keys/{public_key_alias}: the private half is destroyed, so
 * blobs encrypted to this key no longer open; cards already tokenized with it are unaffected.
 */
import type { Operation } from '../../../http/operations.js';
import { captureKeyParams } from '../params.js';
import type { AdminApiDeps, PathOf } from '../types.js';

export function revokeCaptureKey(deps: Pick<AdminApiDeps, 'merchants' | 'captureKeys'>): Operation<{ Params: PathOf<'revokeCaptureKey'> }> {
  return {
    operationId: 'revokeCaptureKey',
    schema: { params: captureKeyParams },
    handler: async (request, reply) => {
      await deps.merchants.assertMerchant(request.params.merchant_id);
      await deps.captureKeys.revoke(request.params.merchant_id, request.params.public_key_alias);
      return reply.status(204).send();
    },
  };
}
