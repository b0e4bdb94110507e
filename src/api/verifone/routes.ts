/**
 * The Verifone-compatible Token Management API, mounted under `/oidc` (a client whose base URL was the vendor's
 * `…/oidc` works unchanged). Operations are registered by operationId: method and path come from the vendor's
 * own document, and requests are validated against its schemas. One file per operation in operations/.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { loadOpenApi } from '../../http/openapi.js';
import { registerOperations } from '../../http/operations.js';
import type { GuardedMerchantAuthenticator } from '../../auth/merchant-backoff.js';
import type { RequestLimits } from '../../auth/rate-limits.js';
import { attemptedKeyId } from '../../auth/attempted-identity.js';
import { auditingFailures, type FailedAuthAudit } from '../../ledger/failed-authentications.js';
import { registerEdge, withEdgeHeaders } from '../../http/edges.js';
import type { MerchantTokenService } from '../../merchant/token-service.js';
import { verifoneErrorHandler } from './envelope.js';
import { activateToken } from './operations/activateToken.js';
import { createCryptogram } from './operations/createCryptogram.js';
import { createUpdateToken } from './operations/createUpdateToken.js';
import { deleteToken } from './operations/deleteToken.js';
import { getToken } from './operations/getToken.js';
import { suspendToken } from './operations/suspendToken.js';
import { updateToken } from './operations/updateToken.js';

export const VERIFONE_DOCUMENT = 'verifone-token-management.openapi.json';
/** Tessera's own extension of that API, in a document of its own (same base URL, auth and envelope). */
export const CRYPTOGRAM_DOCUMENT = 'tessera-cryptogram.openapi.json';

export interface VerifoneRouteDeps {
  tokens: MerchantTokenService;
  authenticator: Pick<GuardedMerchantAuthenticator, 'authenticate'>;
  /** Requests per client address (before authentication) and per API key (after). */
  limits?: RequestLimits;
  /** Where failed authentications are audited (attempted key id and address). */
  failedAuth?: FailedAuthAudit;
}

export function registerVerifoneRoutes(app: FastifyInstance, deps: VerifoneRouteDeps): void {
  // Authentication comes before body parsing and validation: a stranger learns nothing about our inputs.
  const guard = async (request: FastifyRequest) => {
    deps.limits?.address(request.ip);
    const caller = await auditingFailures(
      deps.failedAuth,
      () => ({ edge: 'merchant', attempted: attemptedKeyId(request.headers.authorization) ?? null, address: request.ip }),
      () => deps.authenticator.authenticate(request.headers.authorization, request.ip),
    );
    request.merchantCaller = caller;
    request.actingFor = `merchant:${caller.merchantId}`;
    deps.limits?.credential(`api-key:${caller.apiKeyId}`);
  };
  // Unknown routes (404, 405) and framework errors under /oidc/ are answered by edges.ts through the same guard.
  const edge = registerEdge(app, { prefixes: ['/oidc/'], guard, errorHandler: verifoneErrorHandler });
  app.register(
    async (scope) => {
      scope.setErrorHandler(withEdgeHeaders(verifoneErrorHandler));
      scope.addHook('onRequest', guard);
      const routes = registerOperations(scope, loadOpenApi(VERIFONE_DOCUMENT), [
        createUpdateToken(deps.tokens),
        getToken(deps.tokens),
        updateToken(deps.tokens),
        deleteToken(deps.tokens),
        suspendToken(deps.tokens),
        activateToken(deps.tokens),
      ]);
      routes.push(...registerOperations(scope, loadOpenApi(CRYPTOGRAM_DOCUMENT), [createCryptogram(deps.tokens)]));
      for (const route of routes) edge.addRoute(route.method, `/oidc${route.url}`);
    },
    { prefix: '/oidc' },
  );
}
