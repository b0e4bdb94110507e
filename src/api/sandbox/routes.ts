/**
 * The sandbox API (`/sandbox/v1`, openapi/admin.openapi.json): drive the simulated network as a wallet would
 * (provisioning, wallet events) and make it fail on demand. Admin token and admin error shape, like `/admin/v1`.
 * Faults go straight to the network's sandbox controls; provisioning and wallet events go through the issuer
 * side, which holds the card's PAN and the issuer's token ids, and calls the same controls.
 */
import type { FastifyInstance } from 'fastify';
import type { RequestLimits } from '../../auth/rate-limits.js';
import { adminErrorHandler } from '../admin/envelope.js';
import { adminGuard } from '../admin/guard.js';
import { registerEdge, withEdgeHeaders } from '../../http/edges.js';
import { loadOpenApi } from '../../http/openapi.js';
import { registerOperations } from '../../http/operations.js';
import type { SandboxRouteDeps } from './deps.js';
import { sandboxAuthorize } from './operations/sandboxAuthorize.js';
import { sandboxFault } from './operations/sandboxFault.js';
import { sandboxProvision } from './operations/sandboxProvision.js';
import { sandboxWalletEvent } from './operations/sandboxWalletEvent.js';

export type { SandboxIssuer, SandboxRouteDeps } from './deps.js';

export function registerSandboxRoutes(app: FastifyInstance, deps: SandboxRouteDeps & { limits?: RequestLimits }): void {
  const guard = adminGuard(deps.adminToken, deps.limits);
  const edge = registerEdge(app, { prefixes: ['/sandbox/'], guard, errorHandler: adminErrorHandler });
  app.register(async (scope) => {
    scope.setErrorHandler(withEdgeHeaders(adminErrorHandler));
    scope.addHook('onRequest', guard);
    const routes = registerOperations(scope, loadOpenApi('admin.openapi.json'), [
      sandboxProvision(deps),
      sandboxFault(deps),
      sandboxWalletEvent(deps),
      sandboxAuthorize(deps),
    ]);
    for (const route of routes) edge.addRoute(route.method, route.url);
  });
}
