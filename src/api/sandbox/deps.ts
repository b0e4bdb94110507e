/** What the sandbox edge is given: the network's sandbox controls and the issuer side's provisioning. */
import type { components } from '../../contracts/admin.js';
import type { SandboxControls } from '../../network/sandbox.js';
import type { WalletEvent } from '../../network/types.js';

/** What the sandbox needs of the issuer side (its token service). */
export interface SandboxIssuer {
  /** Answers the `ProvisionResponse` body. */
  provision(
    input: components['schemas']['ProvisionRequest'],
  ): Promise<{ token_id: string; status: string; token_ref: string; pan_ref: string; payment_network: string }>;
  walletEvent(tokenId: string, event: WalletEvent): Promise<{ token_id: string; status: string; network_status: string }>;
}

export interface SandboxRouteDeps {
  adminToken: string;
  sandbox: Pick<SandboxControls, 'injectFault' | 'authorize'>;
  issuer: SandboxIssuer;
}
