/**
 * The Pismo-compatible tokenization API under `/cards-tokenization`, authenticated by account tokens (JWT).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { InvalidInput, Unauthorized } from '../errors.js';
import { pismoErrorHandler } from '../http/pismo-envelope.js';
import { ref } from '../http/openapi.js';
import type { AccountPrincipal, AccountTokenVerifier } from './account-token.js';
import type { TokenOperation } from './operations.js';
import { tokenInfoResponse } from './responses.js';
import type { IssuerCaller, IssuerTokenService } from './token-service.js';
import { ERR } from './error-codes.js';

declare module 'fastify' {
  interface FastifyRequest {
    accountPrincipal?: AccountPrincipal;
  }
}

const ID = { type: 'string', pattern: '^[0-9]{1,18}$' } as const;
const cardParams = { type: 'object', required: ['cardId'], properties: { cardId: ID } } as const;
const tokenParams = { type: 'object', required: ['cardId', 'tokenId'], properties: { cardId: ID, tokenId: ID } } as const;
const deviceParams = {
  type: 'object',
  required: ['cardId', 'tokenId', 'deviceId'],
  properties: { cardId: ID, tokenId: ID, deviceId: { type: 'string', minLength: 1, maxLength: 64 } },
} as const;

function caller(request: FastifyRequest, operatorId?: string): IssuerCaller {
  const principal = request.accountPrincipal;
  if (!principal) throw new Error('route reached without authentication');
  return { accountId: principal.accountId, subject: principal.subject, ...(operatorId ? { operatorId } : {}) };
}

export function registerIssuerRoutes(app: FastifyInstance, deps: { tokens: IssuerTokenService; verifier: () => Promise<AccountTokenVerifier> }) {
  app.register(
    async (scope) => {
      scope.setErrorHandler(pismoErrorHandler);
      scope.setNotFoundHandler((_request, reply) => reply.status(404).send({ error_code: ERR.invalidRequest, message: 'No such operation' }));
      scope.addHook('onRequest', async (request) => {
        const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
        if (!match?.[1]) throw new Unauthorized('missing bearer token');
        const principal = await (await deps.verifier()).verify(match[1]);
        // A token names its tenant; it must be the tenant of the account it names (an external issuer could
        // otherwise mint tokens for another tenant's accounts).
        if (principal.tenantId !== undefined) {
          const tenant = await deps.tokens.accountTenant(principal.accountId);
          if (tenant !== undefined && tenant !== principal.tenantId) throw new Unauthorized('tenant mismatch');
        }
        request.accountPrincipal = principal;
      });

      scope.get<{ Params: { cardId: string } }>('/v1/cards/:cardId/network-tokens', { schema: { params: cardParams } }, async (request) => {
        const views = await deps.tokens.list(caller(request).accountId, Number(request.params.cardId));
        return { tokens: views.map(tokenInfoResponse) };
      });

      scope.get<{ Params: { cardId: string; tokenId: string } }>(
        '/v1/cards/:cardId/network-tokens/:tokenId',
        { schema: { params: tokenParams } },
        async (request) => tokenInfoResponse(await deps.tokens.get(caller(request).accountId, Number(request.params.cardId), request.params.tokenId)),
      );

      scope.post<{ Params: { cardId: string; tokenId: string }; Body: { operation_type: TokenOperation; operation_reason: string; activation_code?: string; operator_id?: string } }>(
        '/v1/cards/:cardId/network-tokens/:tokenId',
        { schema: { params: tokenParams, body: ref('pismo', 'TokenOperationRequest') } },
        async (request, reply) => {
          const body = request.body;
          await deps.tokens.perform(caller(request, body.operator_id), Number(request.params.cardId), request.params.tokenId, body);
          return reply.status(200).send();
        },
      );

      scope.post<{ Params: { card_id: string }; Body: { operation_type: 'SUSPEND' | 'RESUME' | 'DELETE'; operation_reason: string; operator_id?: string } }>(
        '/v1/cards/:card_id',
        { schema: { params: { type: 'object', required: ['card_id'], properties: { card_id: ID } }, body: ref('pismo', 'TokenOperationByCard') } },
        async (request, reply) => {
          await deps.tokens.performOnCard(caller(request, request.body.operator_id), Number(request.params.card_id), request.body);
          return reply.status(200).send();
        },
      );

      scope.post<{
        Params: { cardId: string; tokenId: string; deviceId: string };
        Body: { operator_id: string; operation_type: string; operation_reason: string; device_index: number; activation_code?: string };
      }>(
        '/v1/cards/:cardId/network-tokens/:tokenId/devices/:deviceId/binding',
        { schema: { params: deviceParams, body: ref('pismo', 'VisaDeviceBindingRequest') } },
        async (request) => {
          const body = request.body;
          if (!Number.isInteger(body.device_index) || body.device_index < 0 || body.device_index > 99) {
            throw new InvalidInput({ 'body.device_index': 'must be an integer from 0 to 99' });
          }
          await deps.tokens.bindDevice(caller(request, body.operator_id), Number(request.params.cardId), request.params.tokenId, request.params.deviceId, body);
          return { network_ack: true };
        },
      );
    },
    { prefix: '/cards-tokenization' },
  );
}
