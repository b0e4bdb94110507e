/**
 * The production contract between Tessera's issuer side and a card network, both directions: what the issuer
 * calls on the network (`NetworkGateway`, what a real VTS or MDES adapter implements) and what the network calls
 * on the issuer (`IssuerCallbacks`). Sandbox-only controls are a separate interface (sandbox.ts).
 */
import type { ApproveDeviceRequest, Decision, DecisionRequest, DeviceBindingRequest, LifecycleRequest, NetworkToken, PaymentNetwork } from './types.js';

/** What the network calls on the issuer (Tessera's issuer side implements this). */
export interface IssuerCallbacks {
  decide(req: DecisionRequest): Promise<Decision>;
  /** Token created or changed on the network side. */
  notify(token: NetworkToken): Promise<void>;
}

/**
 * What Tessera's issuer side calls on the network in production. Every method throws NetworkFailure
 * (src/errors.ts) on timeout ('timeout'), 5xx ('error') or a refusal ('bad_request', with a clear message such as
 * 'token is deactivated'). Device binding is offered by networks whose provider says so (`networkSupports`).
 */
export interface NetworkGateway {
  lifecycle(req: LifecycleRequest): Promise<NetworkToken>;
  approveLatestInactiveDevice(req: ApproveDeviceRequest): Promise<NetworkToken>;
  deviceBinding(req: DeviceBindingRequest): Promise<NetworkToken>;
  /**
   * The network's current view of a token (the status look-up real networks offer), undefined when the network
   * does not know it. It reflects every call that reached the network before it; the reconciler settles pending
   * operations and repairs drift with it.
   */
  getToken(network: PaymentNetwork, tokenRef: string): Promise<NetworkToken | undefined>;
  close(): Promise<void>;
}
