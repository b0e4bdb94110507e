/** POST /sandbox/v1/provision: a wallet provisions a card through the simulated network, as it would in the field. */
import type { components } from '../../../contracts/admin.js';
import { ref } from '../../../http/openapi.js';
import type { Operation } from '../../../http/operations.js';
import type { SandboxIssuer } from '../deps.js';

type ProvisionRequest = components['schemas']['ProvisionRequest'];

export function sandboxProvision(deps: { issuer: Pick<SandboxIssuer, 'provision'> }): Operation<{ Body: ProvisionRequest }> {
  return {
    operationId: 'sandboxProvision',
    schema: { body: ref('admin', 'ProvisionRequest') },
    // The issuer side reads the card (its PAN is sealed there) and asks the network, through the sandbox controls.
    handler: async (request, reply) => reply.status(201).send(await deps.issuer.provision(request.body)),
  };
}
