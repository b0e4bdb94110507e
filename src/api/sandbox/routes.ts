/**
 * The sandbox API (`/sandbox/v1`, openapi/admin.openapi.json): drive the simulated network as a wallet would
 * (provisioning, wallet events) and make it fail on demand. Admin token and admin error shape, like `/admin/v1`.
 * Faults go straight to the network's sandbox controls; provisioning and wallet events go through the issuer
 * side, which holds the card's PAN and the issuer's token ids, and calls the same controls.
 */
import type { FastifyInstance } from 'fastify';
import { requireAdmin } from '../../auth/admin-token.js';
import type { components } from '../../contracts/admin.js';
import { adminErrorHandler } from '../admin/envelope.js';
import { loadOpenApi } from '../../http/openapi.js';
import { registerOperations } from '../../http/operations.js';
import type { SandboxControls } from '../../network/sandbox.js';
import type { WalletEvent } from '../../network/types.js';
import { sandboxFault } from './operations/sandboxFault.js';
import { sandboxProvision } from './operations/sandboxProvision.js';
import { sandboxWalletEvent } from './operations/sandboxWalletEvent.js';

/** What the sandbox needs of the issuer side (its token service). */
export interface SandboxIssuer {
  /** Answers the `ProvisionResponse` body. */
  provision(input: components['schemas']['ProvisionRequest']): Promise<{ token_id: string; status: string; token_ref: string; pan_ref: string; payment_network: string }>;
  walletEvent(tokenId: string, event: WalletEvent): Promise<{ token_id: string; status: string; network_status: string }>;
}

export interface SandboxRouteDeps {
  adminToken: string;
  sandbox: Pick<SandboxControls, 'injectFault'>;
  issuer: SandboxIssuer;
}

export function registerSandboxRoutes(app: FastifyInstance, deps: SandboxRouteDeps): void {
  app.register(async (scope) => {
    scope.setErrorHandler(adminErrorHandler);
    scope.addHook('onRequest', requireAdmin(deps.adminToken));
    registerOperations(scope, loadOpenApi('admin.openapi.json'), [
      sandboxProvision(deps),
      sandboxFault(deps),
      sandboxWalletEvent(deps),
    ]);
  });
}
