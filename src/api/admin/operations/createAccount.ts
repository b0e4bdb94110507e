/** POST /admin/v1/accounts: an issuer account (org and program ids generated when omitted). */
import type { Operation } from '../../../http/operations.js';
import { ref } from '../../../http/openapi.js';
import type { AdminApiDeps, Schemas } from '../types.js';

export function createAccount(deps: Pick<AdminApiDeps, 'issuerAccounts'>): Operation<{ Body: Schemas['CreateAccountRequest'] }> {
  return {
    operationId: 'createAccount',
    schema: { body: ref('admin', 'CreateAccountRequest') },
    // The body is optional (every field has a default): a missing one is validated as {}.
    preValidation: async (request) => {
      request.body ??= {};
    },
    handler: async (request, reply) => {
      const account: Schemas['Account'] = await deps.issuerAccounts.createAccount(request.body);
      return reply.status(201).send(account);
    },
  };
}
