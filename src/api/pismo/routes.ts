/**
 * The Pismo-compatible tokenization API under `/cards-tokenization`, authenticated by account tokens (JWT).
 * Each operation lives in its own file under operations/, registered by its operationId.
 */
import type { FastifyInstance } from 'fastify';
import { Unauthorized } from '../../errors.js';
import { parseBearer } from '../../auth/credentials.js';
import type { AccountTokenVerifier } from '../../auth/account-token.js';
import { loadOpenApi } from '../../http/openapi.js';
import { registerOperations } from '../../http/operations.js';
import type { IssuerTokenService } from '../../issuer/token-service.js';
import type { PismoOperationDeps } from './deps.js';
import { pismoErrorHandler } from './envelope.js';
import { ERR } from './error-codes.js';
import { cardTokenOperation } from './operations/card-token-operation.js';
import { gettokeninfo } from './operations/gettokeninfo.js';
import { listcardtokens } from './operations/listcardtokens.js';
import { performtokenop } from './operations/performtokenop.js';
import { postRunVisaDeviceLifecycle } from './operations/post-run-visa-device-lifecycle.js';

export const PISMO_DOCUMENT = 'pismo-tokenization.openapi.json';

export interface PismoRoutesDeps {
  tokens: PismoOperationDeps['tokens'] & Pick<IssuerTokenService, 'accountTenant'>;
  verifier: () => Promise<AccountTokenVerifier>;
}

export function registerPismoRoutes(app: FastifyInstance, deps: PismoRoutesDeps) {
  app.register(
    async (scope) => {
      scope.setErrorHandler(pismoErrorHandler);
      scope.setNotFoundHandler((_request, reply) => reply.status(404).send({ error_code: ERR.invalidRequest, message: 'No such operation' }));
      scope.addHook('onRequest', async (request) => {
        const token = parseBearer(request.headers.authorization);
        if (!token) throw new Unauthorized('missing bearer token');
        const principal = await (await deps.verifier()).verify(token);
        // A token names its tenant; it must be the tenant of the account it names (an external issuer could
        // otherwise mint tokens for another tenant's accounts).
        if (principal.tenantId !== undefined) {
          const tenant = await deps.tokens.accountTenant(principal.accountId);
          if (tenant !== undefined && tenant !== principal.tenantId) throw new Unauthorized('tenant mismatch');
        }
        request.accountPrincipal = principal;
      });
      registerOperations(scope, loadOpenApi(PISMO_DOCUMENT), [
        listcardtokens(deps),
        gettokeninfo(deps),
        performtokenop(deps),
        cardTokenOperation(deps),
        postRunVisaDeviceLifecycle(deps),
      ]);
    },
    { prefix: '/cards-tokenization' },
  );
}
