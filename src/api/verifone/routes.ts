/**
 * The Verifone-compatible Token Management API, mounted under `/oidc` (a client whose base URL was the vendor's
 * `…/oidc` works unchanged). Operations are registered by operationId: method and path come from the vendor's
 * own document, and requests are validated against its schemas. One file per operation in operations/.
 */
import type { FastifyInstance } from 'fastify';
import { loadOpenApi } from '../../http/openapi.js';
import { registerOperations } from '../../http/operations.js';
import type { MerchantAuthenticator } from '../../auth/merchant-basic.js';
import type { MerchantTokenService } from '../../merchant/token-service.js';
import { verifoneError, verifoneErrorHandler } from './envelope.js';
import { activateToken } from './operations/activateToken.js';
import { createUpdateToken } from './operations/createUpdateToken.js';
import { deleteToken } from './operations/deleteToken.js';
import { getToken } from './operations/getToken.js';
import { suspendToken } from './operations/suspendToken.js';
import { updateToken } from './operations/updateToken.js';

export const VERIFONE_DOCUMENT = 'verifone-token-management.openapi.json';

export interface VerifoneRouteDeps {
  tokens: MerchantTokenService;
  authenticator: Pick<MerchantAuthenticator, 'authenticate'>;
}

export function registerVerifoneRoutes(app: FastifyInstance, deps: VerifoneRouteDeps): void {
  app.register(
    async (scope) => {
      scope.setErrorHandler(verifoneErrorHandler);
      scope.setNotFoundHandler((_request, reply) => reply.status(404).send(verifoneError(404, { path: 'no such operation' })));
      // Authentication comes before body parsing and validation: a stranger learns nothing about our inputs.
      scope.addHook('onRequest', async (request) => {
        request.merchantCaller = await deps.authenticator.authenticate(request.headers.authorization);
      });
      registerOperations(scope, loadOpenApi(VERIFONE_DOCUMENT), [
        createUpdateToken(deps.tokens),
        getToken(deps.tokens),
        updateToken(deps.tokens),
        deleteToken(deps.tokens),
        suspendToken(deps.tokens),
        activateToken(deps.tokens),
      ]);
    },
    { prefix: '/oidc' },
  );
}
