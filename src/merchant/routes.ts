/**
 * The Verifone-compatible Token Management API, mounted under `/oidc` (a client whose base URL was the vendor's
 * `…/oidc` works unchanged). Requests are validated against the vendor's own schemas.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ref } from '../http/openapi.js';
import { verifoneErrorHandler, verifoneError } from '../http/verifone-envelope.js';
import type { MerchantAuthenticator } from './authenticator.js';
import type { MerchantCaller, MerchantTokenService, PatchTokenInput, PutTokenInput } from './token-service.js';
import { cardResponse, patchResponse, tokenResponse } from './responses.js';

declare module 'fastify' {
  interface FastifyRequest {
    merchantCaller?: MerchantCaller;
  }
}

const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 14, maxLength: 255 } },
} as const;

function caller(request: FastifyRequest): MerchantCaller {
  if (!request.merchantCaller) throw new Error('route reached without authentication');
  return request.merchantCaller;
}

export function registerMerchantRoutes(
  app: FastifyInstance,
  deps: { tokens: MerchantTokenService; authenticator: MerchantAuthenticator },
) {
  app.register(
    async (scope) => {
      scope.setErrorHandler(verifoneErrorHandler);
      scope.setNotFoundHandler((_request, reply) => reply.status(404).send(verifoneError(404, { path: 'no such operation' })));
      // Authentication comes before body parsing and validation: a stranger learns nothing about our inputs.
      scope.addHook('onRequest', async (request) => {
        request.merchantCaller = await deps.authenticator.authenticate(request.headers.authorization);
      });

      scope.put<{ Body: PutTokenInput }>('/api/v2/card', { schema: { body: ref('verifone', 'PutDto') } }, async (request) =>
        cardResponse(await deps.tokens.createOrUpdate(caller(request), request.body)),
      );
      scope.get<{ Params: { id: string } }>('/api/v2/card/:id', { schema: { params: idParams } }, async (request) =>
        tokenResponse(await deps.tokens.get(caller(request), request.params.id)),
      );
      scope.patch<{ Params: { id: string }; Body: PatchTokenInput }>(
        '/api/v2/card/:id',
        { schema: { params: idParams, body: ref('verifone', 'PatchDto') } },
        async (request) => patchResponse(await deps.tokens.update(caller(request), request.params.id, request.body)),
      );
      scope.delete<{ Params: { id: string } }>('/api/v2/card/:id', { schema: { params: idParams } }, async (request, reply) => {
        await deps.tokens.delete(caller(request), request.params.id);
        return reply.status(204).send();
      });
      scope.patch<{ Params: { id: string } }>('/api/v2/card/:id/suspend', { schema: { params: idParams } }, async (request, reply) => {
        await deps.tokens.setStatus(caller(request), request.params.id, 'SUSPENDED');
        return reply.status(204).send();
      });
      scope.patch<{ Params: { id: string } }>('/api/v2/card/:id/activate', { schema: { params: idParams } }, async (request, reply) => {
        await deps.tokens.setStatus(caller(request), request.params.id, 'ACTIVE');
        return reply.status(204).send();
      });
    },
    { prefix: '/oidc' },
  );
}
