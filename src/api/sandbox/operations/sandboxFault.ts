/** POST /sandbox/v1/faults: the simulated network fails its next matching calls. */
import type { components } from '../../../contracts/admin.js';
import { ref } from '../../../http/openapi.js';
import type { Operation } from '../../../http/operations.js';
import type { SandboxControls } from '../../../network/sandbox.js';

type FaultRequest = components['schemas']['FaultRequest'];

export function sandboxFault(deps: { sandbox: Pick<SandboxControls, 'injectFault'> }): Operation<{ Body: FaultRequest }> {
  return {
    operationId: 'sandboxFault',
    schema: { body: ref('admin', 'FaultRequest') },
    handler: async (request, reply) => {
      const { network, mode, operation, count } = request.body;
      await deps.sandbox.injectFault({ network, mode, ...(operation !== undefined ? { operation } : {}), ...(count !== undefined ? { count } : {}) });
      return reply.status(204).send();
    },
  };
}
