/**
 * The network simulator's sandbox entry (`/sandbox/v1`): needs the admin token and answers in the admin error
 * shape. (The issuer bootstrap operations of `/admin/v1` are mounted with the rest of the admin API, api/admin/.)
 */
import type { FastifyInstance } from 'fastify';
import { adminErrorHandler } from '../api/admin/envelope.js';
import { ref } from '../http/openapi.js';
import { requireAdmin } from '../auth/admin-token.js';
import type { FaultSpec, WalletEvent } from '../network/types.js';
import { InvalidInput } from '../errors.js';
import type { IssuerTokenService, ProvisionInput } from './token-service.js';

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

export function registerIssuerAdminRoutes(app: FastifyInstance, deps: { adminToken: string; issuerTokens: IssuerTokenService }) {
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
