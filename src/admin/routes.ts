/**
 * The admin API (openapi/admin.openapi.json): bootstrap merchants, their API keys, token scopes and capture
 * keys. Every call needs `Authorization: Bearer $TESSERA_ADMIN_TOKEN`.
 */
import type { FastifyInstance } from 'fastify';
import { InvalidInput, Unauthorized } from '../errors.js';
import { safeEqual } from '../vault/secrets.js';
import { adminErrorHandler } from '../http/admin-envelope.js';
import { ref } from '../http/openapi.js';
import type { CaptureKeyService } from '../merchant/capture-key-service.js';
import type { MerchantAuthenticator } from '../auth/merchant-basic.js';
import type { CaptureKeyAlgorithm } from '../vault/capture-types.js';
import type { MerchantAdmin, TokenScopeInput } from './merchant-admin.js';

export interface AdminRouteDeps {
  adminToken: string;
  merchants: MerchantAdmin;
  captureKeys: CaptureKeyService;
  authenticator: MerchantAuthenticator;
}

const merchantParams = {
  type: 'object',
  required: ['merchant_id'],
  properties: { merchant_id: { type: 'string', format: 'uuid' } },
} as const;

/** The admin plugin's guard: registered inside each admin scope (merchant and issuer routes). */
export function requireAdmin(adminToken: string) {
  return async (request: { headers: { authorization?: string | undefined } }) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
    if (!match?.[1] || !safeEqual(match[1], adminToken)) throw new Unauthorized('admin token');
  };
}

export function registerAdminRoutes(app: FastifyInstance, deps: AdminRouteDeps) {
  app.register(
    async (scope) => {
      scope.setErrorHandler(adminErrorHandler);
      scope.addHook('onRequest', requireAdmin(deps.adminToken));

      scope.post<{ Body: { name: string } }>('/merchants', { schema: { body: ref('admin', 'CreateMerchantRequest') } }, async (request, reply) =>
        reply.status(201).send(await deps.merchants.createMerchant(request.body.name)),
      );
      scope.post<{ Params: { merchant_id: string } }>(
        '/merchants/:merchant_id/api-keys',
        { schema: { params: merchantParams } },
        async (request, reply) => reply.status(201).send(await deps.merchants.createApiKey(request.params.merchant_id)),
      );
      scope.delete<{ Params: { merchant_id: string; key_id: string } }>(
        '/merchants/:merchant_id/api-keys/:key_id',
        { schema: { params: { ...merchantParams, properties: { ...merchantParams.properties, key_id: { type: 'string', maxLength: 100 } } } } },
        async (request, reply) => {
          await deps.merchants.revokeApiKey(request.params.merchant_id, request.params.key_id);
          deps.authenticator.forget(request.params.key_id);
          return reply.status(204).send();
        },
      );
      scope.post<{ Params: { merchant_id: string }; Body: TokenScopeInput }>(
        '/merchants/:merchant_id/token-scopes',
        { schema: { params: merchantParams, body: ref('admin', 'CreateTokenScopeRequest') } },
        async (request, reply) => reply.status(201).send(await deps.merchants.createTokenScope(request.params.merchant_id, request.body)),
      );
      scope.post<{ Params: { merchant_id: string }; Body: { algorithm?: CaptureKeyAlgorithm } | undefined }>(
        '/merchants/:merchant_id/capture-keys',
        { schema: { params: merchantParams } },
        async (request, reply) => {
          // The body is optional here, so it is checked by hand rather than by a body schema.
          const algorithm = request.body?.algorithm ?? 'curve25519';
          if (algorithm !== 'curve25519' && algorithm !== 'rsa3072') {
            throw new InvalidInput({ 'body.algorithm': 'must be one of curve25519, rsa3072' });
          }
          await deps.merchants.assertMerchant(request.params.merchant_id);
          const key = await deps.captureKeys.create(request.params.merchant_id, algorithm);
          return reply.status(201).send(key);
        },
      );
      scope.get<{ Params: { merchant_id: string } }>(
        '/merchants/:merchant_id/capture-keys',
        { schema: { params: merchantParams } },
        async (request) => {
          await deps.merchants.assertMerchant(request.params.merchant_id);
          return { public_keys: await deps.captureKeys.list(request.params.merchant_id) };
        },
      );
    },
    { prefix: '/admin/v1' },
  );
}
