/** POST /admin/v1/merchants/{merchant_id}/capture-keys: a new OpenPGP capture key pair (public half returned). */
import { InvalidInput } from '../../../errors.js';
import type { Operation } from '../../../http/operations.js';
import { merchantParams } from '../params.js';
import type { AdminApiDeps, PathOf, Schemas } from '../types.js';

export function createCaptureKey(
  deps: Pick<AdminApiDeps, 'merchants' | 'captureKeys'>,
): Operation<{ Params: PathOf<'createCaptureKey'>; Body: Partial<Schemas['CreateCaptureKeyRequest']> | undefined }> {
  return {
    operationId: 'createCaptureKey',
    schema: { params: merchantParams },
    handler: async (request, reply) => {
      // The body is optional here, so it is checked by hand rather than by a body schema.
      const algorithm = request.body?.algorithm ?? 'curve25519';
      if (algorithm !== 'curve25519' && algorithm !== 'rsa3072') {
        throw new InvalidInput({ field: 'algorithm', reason: 'invalid', message: 'must be one of curve25519, rsa3072' });
      }
      await deps.merchants.assertMerchant(request.params.merchant_id);
      const key: Schemas['CaptureKey'] = await deps.captureKeys.create(request.params.merchant_id, algorithm);
      return reply.status(201).send(key);
    },
  };
}
