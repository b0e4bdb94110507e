/**
 * Issuer bootstrap (admin API): accounts, cards, account tokens. Admin token, admin error shape. (The sandbox's
 * `/sandbox/v1` routes are in api/sandbox/.)
 */
import type { FastifyInstance } from 'fastify';
import { adminErrorHandler } from '../http/admin-envelope.js';
import { ref } from '../http/openapi.js';
import { requireAdmin } from '../admin/routes.js';
import type { CreateCardInput, IssuerAdmin } from './issuer-admin.js';

const accountParams = { type: 'object', required: ['account_id'], properties: { account_id: { type: 'string', pattern: '^[1-9][0-9]{0,17}$' } } } as const;

export function registerIssuerAdminRoutes(app: FastifyInstance, deps: { adminToken: string; issuerAdmin: IssuerAdmin }) {
  app.register(
    async (scope) => {
      scope.setErrorHandler(adminErrorHandler);
      scope.addHook('onRequest', requireAdmin(deps.adminToken));
      // The body is optional (every field has a default): a missing one is validated as {}.
      scope.post<{ Body: { org_id?: string; program_id?: string } }>(
        '/accounts',
        {
          schema: { body: ref('admin', 'CreateAccountRequest') },
          preValidation: async (request) => {
            request.body ??= {};
          },
        },
        async (request, reply) => reply.status(201).send(await deps.issuerAdmin.createAccount(request.body)),
      );
      scope.post<{ Params: { account_id: string }; Body: CreateCardInput }>(
        '/accounts/:account_id/cards',
        { schema: { params: accountParams, body: ref('admin', 'CreateCardRequest') } },
        async (request, reply) => reply.status(201).send(await deps.issuerAdmin.createCard(Number(request.params.account_id), request.body)),
      );
      scope.post<{ Params: { account_id: string } }>('/accounts/:account_id/access-tokens', { schema: { params: accountParams } }, async (request, reply) =>
        reply.status(201).send(await deps.issuerAdmin.issueAccessToken(Number(request.params.account_id))),
      );
    },
    { prefix: '/admin/v1' },
  );
}
