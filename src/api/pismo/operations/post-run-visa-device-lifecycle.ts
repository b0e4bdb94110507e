/** POST /v1/cards/{cardId}/network-tokens/{tokenId}/devices/{deviceId}/binding: Visa device binding. */
import type { Operation } from '../../../http/operations.js';
import { ref } from '../../../http/openapi.js';
import type { components, operations } from '../../../contracts/pismo.js';
import { callerOf, ID } from '../caller.js';
import type { PismoOperationDeps } from '../deps.js';

type Params = operations['post-run-visa-device-lifecycle']['parameters']['path'];
type Body = components['schemas']['VisaDeviceBindingRequest'];
type Answer = operations['post-run-visa-device-lifecycle']['responses'][200]['content']['application/json'];

export const postRunVisaDeviceLifecycle = (deps: PismoOperationDeps): Operation<{ Params: Params; Body: Body }> => ({
  operationId: 'post-run-visa-device-lifecycle',
  schema: {
    params: {
      type: 'object',
      required: ['cardId', 'tokenId', 'deviceId'],
      properties: { cardId: ID, tokenId: ID, deviceId: { type: 'string', minLength: 1, maxLength: 64 } },
    },
    body: ref('pismo', 'VisaDeviceBindingRequest'),
  },
  handler: async (request): Promise<Answer> => {
    const { params, body } = request;
    await deps.tokens.bindDevice(callerOf(request, body.operator_id), Number(params.cardId), params.tokenId, params.deviceId, {
      operation: body.operation_type,
      reason: body.operation_reason,
      deviceIndex: body.device_index,
      ...(body.activation_code !== undefined ? { activationCode: body.activation_code } : {}),
    });
    return { network_ack: true };
  },
});
