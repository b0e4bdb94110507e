/**
 * The production contract between Tessera's issuer side and a card network, both directions: what the issuer
 * calls on the network (`NetworkGateway`, what a real VTS or MDES adapter implements) and what the network calls
 * on the issuer (`IssuerCallbacks`). Sandbox-only controls are a separate interface (sandbox.ts).
 */
import type {
  ApproveDeviceRequest,
  AuthorizationNotice,
  Cryptogram,
  CryptogramRequest,
  CardOnFileOutcome,
  CardOnFileRequest,
  DecisionRequest,
  DeviceBindingRequest,
  IssuerAnswer,
  LifecycleRequest,
  NetworkToken,
  PaymentNetwork,
  TokenRequestorLifecycleRequest,
} from './types.js';

/** What the network calls on the issuer (Tessera's issuer side implements this). */
export interface IssuerCallbacks {
  /** The issuer's decision, or UNKNOWN_CARD for a card it does not issue. */
  decide(req: DecisionRequest): Promise<IssuerAnswer>;
  /** Token created or changed on the network side. */
  notify(token: NetworkToken): Promise<void>;
  /** An authorization was made with one of the issuer's tokens (optional: an issuer without it is not told). */
  authorized?(notice: AuthorizationNotice): Promise<void>;
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

/**
 * What the network calls on a token requestor's token service provider (Tessera's merchant side): a card-on-file
 * token changed at the network by someone else (its issuer, the cardholder, the network).
 */
export interface TokenRequestorCallbacks {
  notify(token: NetworkToken): Promise<void>;
}

/**
 * What Tessera's merchant side, as a token service provider for its merchants (token requestors), calls on the
 * network. Same failure contract as NetworkGateway. Requests carry an idempotency key; `cardOnFileAnswer` is the
 * look-up that settles a request whose answer was lost: the first answer to the key, or undefined when the
 * network never applied it.
 */
export interface TokenRequestorGateway {
  requestCardOnFileToken(req: CardOnFileRequest): Promise<CardOnFileOutcome>;
  cardOnFileAnswer(network: PaymentNetwork, idempotencyKey: string): Promise<CardOnFileOutcome | undefined>;
  /** Suspends, resumes or deletes a token of this requestor; refused for another requestor's token. */
  tokenRequestorLifecycle(req: TokenRequestorLifecycleRequest): Promise<NetworkToken>;
  /** The network's current view of a token (as NetworkGateway.getToken): how a lost answer is settled. */
  getToken(network: PaymentNetwork, tokenRef: string): Promise<NetworkToken | undefined>;
  /** A single-use cryptogram for an ACTIVE token of this requestor; refused otherwise. */
  issueCryptogram(req: CryptogramRequest): Promise<Cryptogram>;
}
