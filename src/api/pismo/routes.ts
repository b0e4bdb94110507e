/**
 * The Pismo-compatible tokenization API under `/cards-tokenization`, authenticated by account tokens (JWT).
 * Each operation lives in its own file under operations/, registered by its operationId.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Unauthorized } from '../../errors.js';
import { parseBearer } from '../../auth/credentials.js';
import type { AccountTokenVerifier } from '../../auth/account-token.js';
import { loadOpenApi } from '../../http/openapi.js';
import { registerOperations } from '../../http/operations.js';
import type { IssuerTokenService } from '../../issuer/token-service.js';
import type { PismoOperationDeps } from './deps.js';
import { pismoErrorHandler } from './envelope.js';
import type { RequestLimits } from '../../auth/rate-limits.js';
import { attemptedTokenIdentity } from '../../auth/attempted-identity.js';
import { auditingFailures, type FailedAuthAudit } from '../../ledger/failed-authentications.js';
import { registerEdge, withEdgeHeaders } from '../../http/edges.js';
import { cardTokenOperation } from './operations/card-token-operation.js';
import { gettokeninfo } from './operations/gettokeninfo.js';
import { listcardtokens } from './operations/listcardtokens.js';
import { performtokenop } from './operations/performtokenop.js';
import { postRunVisaDeviceLifecycle } from './operations/post-run-visa-device-lifecycle.js';

export const PISMO_DOCUMENT = 'pismo-tokenization.openapi.json';

export interface PismoRoutesDeps {
  tokens: PismoOperationDeps['tokens'] & Pick<IssuerTokenService, 'accountTenant'>;
  verifier: () => Promise<AccountTokenVerifier>;
  /** Requests per client address (before authentication) and per account-token subject (after). */
  limits?: RequestLimits;
  /** Where failed authentications are audited (attempted subject / kid and address). */
  failedAuth?: FailedAuthAudit;
}

export function registerPismoRoutes(app: FastifyInstance, deps: PismoRoutesDeps) {
  const authenticate = async (request: FastifyRequest) => {
    const token = parseBearer(request.headers.authorization);
    if (!token) throw new Unauthorized('missing bearer token');
    const principal = await (await deps.verifier()).verify(token);
    // A token names its tenant; it must be the tenant of the account it names (an external issuer could
    // otherwise mint tokens for another tenant's accounts).
    if (principal.tenantId !== undefined) {
      const tenant = await deps.tokens.accountTenant(principal.accountId);
      if (tenant !== undefined && tenant !== principal.tenantId) throw new Unauthorized('tenant mismatch');
    }
    return principal;
  };
  const guard = async (request: FastifyRequest) => {
    deps.limits?.address(request.ip);
    const principal = await auditingFailures(
      deps.failedAuth,
      () => {
        const identity = attemptedTokenIdentity(parseBearer(request.headers.authorization));
        return { edge: 'account', attempted: identity?.subject ?? null, ...(identity?.kid ? { kid: identity.kid } : {}), address: request.ip };
      },
      () => authenticate(request),
    );
    request.accountPrincipal = principal;
    request.actingFor = `account:${principal.accountId}`;
    deps.limits?.credential(`account-token:${principal.issuer}\n${principal.subject}`);
  };
  // Unknown routes (404, 405) and framework errors under /cards-tokenization/ are answered by edges.ts, guarded alike.
  const edge = registerEdge(app, { prefixes: ['/cards-tokenization/'], guard, errorHandler: pismoErrorHandler });
  app.register(
    async (scope) => {
      scope.setErrorHandler(withEdgeHeaders(pismoErrorHandler));
      scope.addHook('onRequest', guard);
      const routes = registerOperations(scope, loadOpenApi(PISMO_DOCUMENT), [
        listcardtokens(deps),
        gettokeninfo(deps),
        performtokenop(deps),
        cardTokenOperation(deps),
        postRunVisaDeviceLifecycle(deps),
      ]);
      for (const route of routes) edge.addRoute(route.method, `/cards-tokenization${route.url}`);
    },
    { prefix: '/cards-tokenization' },
  );
}
