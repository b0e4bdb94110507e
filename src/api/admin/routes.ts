/**
 * The admin API (openapi/admin.openapi.json), ALL of `/admin/v1` mounted here once: merchants, their API keys,
 * token scopes and capture keys, and issuer accounts, cards and account tokens. One file per operation under
 * operations/, registered by operationId (method and path come from the document). Every call needs
 * `Authorization: Bearer $TESSERA_ADMIN_TOKEN`; every error answers in the admin envelope.
 */
import type { FastifyInstance } from 'fastify';
import type { RequestLimits } from '../../auth/rate-limits.js';
import { adminGuard } from './guard.js';
import type { FailedAuthAudit } from '../../ledger/failed-authentications.js';
import { registerEdge, withEdgeHeaders } from '../../http/edges.js';
import { loadOpenApi } from '../../http/openapi.js';
import { registerOperations, type Operation } from '../../http/operations.js';
import { adminErrorHandler } from './envelope.js';
import { createAccessToken } from './operations/createAccessToken.js';
import { createAccount } from './operations/createAccount.js';
import { createApiKey } from './operations/createApiKey.js';
import { createCaptureKey } from './operations/createCaptureKey.js';
import { createCard } from './operations/createCard.js';
import { createMerchant } from './operations/createMerchant.js';
import { createTokenScope } from './operations/createTokenScope.js';
import { listCaptureKeys } from './operations/listCaptureKeys.js';
import { revokeApiKey } from './operations/revokeApiKey.js';
import { createWebhookEndpoint } from './operations/createWebhookEndpoint.js';
import { listWebhookEndpoints } from './operations/listWebhookEndpoints.js';
import { getWebhookEndpoint } from './operations/getWebhookEndpoint.js';
import { updateWebhookEndpoint } from './operations/updateWebhookEndpoint.js';
import { deleteWebhookEndpoint } from './operations/deleteWebhookEndpoint.js';
import { rotateWebhookSecret } from './operations/rotateWebhookSecret.js';
import { sendWebhookTestEvent } from './operations/sendWebhookTestEvent.js';
import { listWebhookDeliveries } from './operations/listWebhookDeliveries.js';
import { replayWebhookEvents } from './operations/replayWebhookEvents.js';
import { discardWebhookDelivery } from './operations/discardWebhookDelivery.js';
import { createTokenRequestor } from './operations/createTokenRequestor.js';
import { listTokenRequestors } from './operations/listTokenRequestors.js';
import { listAuditRecords } from './operations/listAuditRecords.js';
import { exportAuditRecords } from './operations/exportAuditRecords.js';
import type { AdminApiDeps } from './types.js';
import { listMerchants } from './operations/listMerchants.js';
import { getMerchant } from './operations/getMerchant.js';
import { listApiKeys } from './operations/listApiKeys.js';
import { listTokenScopes } from './operations/listTokenScopes.js';
import { getCaptureKey } from './operations/getCaptureKey.js';
import { revokeCaptureKey } from './operations/revokeCaptureKey.js';
import { rotateDataKey } from './operations/rotateDataKey.js';
import { listAccounts } from './operations/listAccounts.js';
import { getAccount } from './operations/getAccount.js';
import { listCards } from './operations/listCards.js';
import { getCard } from './operations/getCard.js';

export type { AdminApiDeps } from './types.js';

export function adminOperations(deps: AdminApiDeps): readonly Operation<never>[] {
  return [
    createMerchant(deps),
    createApiKey(deps),
    revokeApiKey(deps),
    createTokenScope(deps),
    createCaptureKey(deps),
    listCaptureKeys(deps),
    createAccount(deps),
    createCard(deps),
    createAccessToken(deps),
    createWebhookEndpoint(deps),
    listWebhookEndpoints(deps),
    getWebhookEndpoint(deps),
    updateWebhookEndpoint(deps),
    deleteWebhookEndpoint(deps),
    rotateWebhookSecret(deps),
    sendWebhookTestEvent(deps),
    listWebhookDeliveries(deps),
    replayWebhookEvents(deps),
    discardWebhookDelivery(deps),
    listMerchants(deps),
    getMerchant(deps),
    listApiKeys(deps),
    listTokenScopes(deps),
    getCaptureKey(deps),
    revokeCaptureKey(deps),
    rotateDataKey(deps),
    listAccounts(deps),
    getAccount(deps),
    listCards(deps),
    getCard(deps),
    createTokenRequestor(deps),
    listTokenRequestors(deps),
    listAuditRecords(deps),
    exportAuditRecords(deps),
  ] as unknown as readonly Operation<never>[];
}

export function registerAdminRoutes(app: FastifyInstance, deps: AdminApiDeps & { limits?: RequestLimits; failedAuth?: FailedAuthAudit }): void {
  const guard = adminGuard(deps.adminToken, deps.limits, deps.failedAuth);
  const edge = registerEdge(app, { prefixes: ['/admin/'], guard, errorHandler: adminErrorHandler });
  app.register(async (scope) => {
    scope.setErrorHandler(withEdgeHeaders(adminErrorHandler));
    scope.addHook('onRequest', guard);
    // The document's paths carry the /admin/v1 prefix themselves.
    for (const route of registerOperations(scope, loadOpenApi('admin.openapi.json'), adminOperations(deps))) edge.addRoute(route.method, route.url);
  });
}
