/**
 * Issuer bootstrap (admin API) and the network simulator's sandbox entry. Both need the admin token and answer
 * in the admin error shape.
 */
import type { FastifyInstance } from 'fastify';
import { adminErrorHandler } from '../http/admin-envelope.js';
import { ref } from '../http/openapi.js';
import { requireAdmin } from '../admin/routes.js';
import type { FaultSpec, WalletEvent } from '../network/types.js';
import { InvalidInput } from '../errors.js';
import type { CreateCardInput, IssuerAdmin } from './issuer-admin.js';
import type { IssuerTokenService, ProvisionInput } from './token-service.js';

const accountParams = { type: 'object', required: ['account_id'], properties: { account_id: { type: 'string', pattern: '^[1-9][0-9]{0,17}$' } } } as const;

interface WalletEventBody {
  token_id: string;
  event: 'SUSPEND' | 'RESUME' | 'DELETE' | 'DEVICE_BINDING_REQUEST';
  entity?: 'TOKEN_REQUESTOR' | 'CARDHOLDER' | 'MOBILE_PIN_LOCKED';
  device_id?: string;
}

function toWalletEvent(body: WalletEventBody): WalletEvent {
  switch (body.event) {
    case 'DELETE':
      return { kind: 'DELETE' };
    case 'DEVICE_BINDING_REQUEST':
      if (!body.device_id) throw new InvalidInput({ 'body.device_id': 'is required for DEVICE_BINDING_REQUEST' });
      return { kind: 'DEVICE_BINDING_REQUEST', deviceId: body.device_id };
    default:
      if (!body.entity) throw new InvalidInput({ 'body.entity': `is required for ${body.event}` });
      return { kind: body.event, entity: body.entity };
  }
}

export function registerIssuerAdminRoutes(app: FastifyInstance, deps: { adminToken: string; issuerAdmin: IssuerAdmin; issuerTokens: IssuerTokenService }) {
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

  app.register(
    async (scope) => {
      scope.setErrorHandler(adminErrorHandler);
      scope.addHook('onRequest', requireAdmin(deps.adminToken));
      scope.post<{ Body: ProvisionInput }>('/provision', { schema: { body: ref('admin', 'ProvisionRequest') } }, async (request, reply) =>
        reply.status(201).send(await deps.issuerTokens.provision(request.body)),
      );
      scope.post<{ Body: FaultSpec }>('/faults', { schema: { body: ref('admin', 'FaultRequest') } }, async (request, reply) => {
        await deps.issuerTokens.injectFault(request.body);
        return reply.status(204).send();
      });
      scope.post<{ Body: WalletEventBody }>('/wallet-events', { schema: { body: ref('admin', 'WalletEventRequest') } }, async (request) =>
        deps.issuerTokens.walletEvent(request.body.token_id, toWalletEvent(request.body)),
      );
    },
    { prefix: '/sandbox/v1' },
  );
}
