/**
 * What only a sandbox network offers: acting as a wallet (provisioning a card, wallet and cardholder events) and
 * failing on demand. A real network has none of these (a wallet provisions through the network, which then asks
 * the issuer); the simulator, in-process or over HTTP, implements them beside `NetworkGateway`.
 * Same failure contract as the gateway: NetworkFailure on timeout, 5xx or refusal.
 */
import type { NetworkGateway, TokenRequestorGateway } from './gateway.js';
import type { AuthorizationOutcome, AuthorizationRequest, FaultSpec, NetworkToken, ProvisionOutcome, ProvisionRequest, WalletEventRequest } from './types.js';

export interface SandboxControls {
  /** A wallet asks the network for a token of a card (the network asks the issuer for a decision). */
  provision(req: ProvisionRequest): Promise<ProvisionOutcome>;
  /** Queues a fault for the next matching calls on a network. */
  injectFault(fault: FaultSpec): Promise<void>;
  /** A token requestor or cardholder acts on a token at the network; the network then notifies the issuer. */
  walletEvent(req: WalletEventRequest): Promise<NetworkToken>;
  /**
   * An acquirer authorizes a payment with a network token and its cryptogram (a sandbox stands in for the
   * merchant's acquirer); a decline names its reason. The token's issuer is told either way.
   */
  authorize(req: AuthorizationRequest): Promise<AuthorizationOutcome>;
}

/** A network reached in a sandbox: its production operations and its sandbox controls on one connection. */
export type SandboxNetwork = NetworkGateway & TokenRequestorGateway & SandboxControls;
