/** POST /sandbox/v1/wallet-events: a token requestor or cardholder acts on a token at the network. */
import type { components } from '../../../contracts/admin.js';
import { InvalidInput } from '../../../errors.js';
import { ref } from '../../../http/openapi.js';
import type { Operation } from '../../../http/operations.js';
import type { WalletEvent } from '../../../network/types.js';
import type { SandboxIssuer } from '../deps.js';

type WalletEventRequest = components['schemas']['WalletEventRequest'];

/** The admin body as the network's event; the contract leaves which extra field each event needs to us. */
function toWalletEvent(body: WalletEventRequest): WalletEvent {
  switch (body.event) {
    case 'DELETE':
      return { kind: 'DELETE' };
    case 'DEVICE_BINDING_REQUEST':
      if (!body.device_id) throw new InvalidInput({ field: 'deviceId', reason: 'required', message: 'is required for DEVICE_BINDING_REQUEST' });
      return { kind: 'DEVICE_BINDING_REQUEST', deviceId: body.device_id };
    default:
      if (!body.entity) throw new InvalidInput({ field: 'entity', reason: 'required', message: `is required for ${body.event}` });
      return { kind: body.event, entity: body.entity };
  }
}

export function sandboxWalletEvent(deps: { issuer: Pick<SandboxIssuer, 'walletEvent'> }): Operation<{ Body: WalletEventRequest }> {
  return {
    operationId: 'sandboxWalletEvent',
    schema: { body: ref('admin', 'WalletEventRequest') },
    // Through the issuer side: it knows which network token the issuer's token id is, and answers with its own status.
    handler: async (request) => deps.issuer.walletEvent(request.body.token_id, toWalletEvent(request.body)),
  };
}
