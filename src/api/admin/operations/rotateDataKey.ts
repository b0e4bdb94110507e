/** POST /admin/v1/merchants/{merchant_id}/data-keys: a new data key version; older records stay readable. */
import type { Operation } from '../../../http/operations.js';
import { merchantOwner } from '../../../owners.js';
import { merchantParams } from '../params.js';
import type { AdminApiDeps, PathOf, Schemas } from '../types.js';

export function rotateDataKey(deps: Pick<AdminApiDeps, 'merchants' | 'dataKeys'>): Operation<{ Params: PathOf<'rotateDataKey'> }> {
  return {
    operationId: 'rotateDataKey',
    schema: { params: merchantParams },
    handler: async (request, reply) => {
      const merchantId = request.params.merchant_id;
      await deps.merchants.assertMerchant(merchantId);
      const { version } = await deps.dataKeys.rotate(merchantOwner(merchantId), 'data');
      const body: Schemas['DataKeyRotation'] = { merchant_id: merchantId, data_key_version: version };
      return reply.status(201).send(body);
    },
  };
}
