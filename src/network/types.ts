/**
 * The vocabulary shared by Tessera's issuer side and the card networks: tokens, requests, answers. The interfaces
 * are `NetworkGateway` (gateway.ts: production operations) and `SandboxControls` (sandbox.ts: what only a sandbox
 * network offers); what differs between networks is in their providers (providers.ts, vts/, mdes/).
 */
import type { PaymentNetwork } from './providers.js';

export { PAYMENT_NETWORKS, isPaymentNetwork, type PaymentNetwork } from './providers.js';
export type { IssuerCallbacks, NetworkGateway, TokenRequestorCallbacks, TokenRequestorGateway } from './gateway.js';
export type { SandboxControls } from './sandbox.js';
export type Wallet = 'APPLE_PAY' | 'GOOGLE_PAY' | 'SAMSUNG_PAY' | 'CARD_ON_FILE';
export type Decision = 'GREEN' | 'YELLOW' | 'RED';
/**
 * What an issuer answers a network's decision request: a decision, or that the card is not one of its own (the
 * network then routes the request to the card's other issuer: in the simulator, a simulated external issuer).
 */
export type IssuerAnswer = Decision | 'UNKNOWN_CARD';
export type NetworkTokenStatus = 'INACTIVE' | 'ACTIVE' | 'SUSPENDED' | 'DEACTIVATED';
export type Suspender = 'ISSUER' | 'TOKEN_REQUESTOR' | 'CARDHOLDER' | 'MOBILE_PIN_LOCKED';

export const WALLETS: readonly Wallet[] = ['APPLE_PAY', 'GOOGLE_PAY', 'SAMSUNG_PAY', 'CARD_ON_FILE'];
export const DECISIONS: readonly Decision[] = ['GREEN', 'YELLOW', 'RED'];
export const ISSUER_ANSWERS: readonly IssuerAnswer[] = [...DECISIONS, 'UNKNOWN_CARD'];
export const TOKEN_STATUSES: readonly NetworkTokenStatus[] = ['INACTIVE', 'ACTIVE', 'SUSPENDED', 'DEACTIVATED'];
export const SUSPENDERS: readonly Suspender[] = ['ISSUER', 'TOKEN_REQUESTOR', 'CARDHOLDER', 'MOBILE_PIN_LOCKED'];

export interface NetworkDevice {
  deviceId: string;
  /** Visa device index, 0–99, unique within a token. */
  deviceIndex: number;
  status: 'ACTIVE' | 'INACTIVE';
  updatedAt: string;
}

export interface NetworkToken {
  network: PaymentNetwork;
  tokenRef: string;
  panRef: string;
  tokenLastFour: string;
  tokenExpiryMonth: number;
  tokenExpiryYear: number;
  status: NetworkTokenStatus;
  suspenders: Suspender[];
  walletId: string;
  tokenRequestorId: string;
  tokenRequestorName: string;
  /** Assigned by networks that have one (mdes); '' elsewhere (as in the contract's Visa example). */
  paymentAppInstanceId: string;
  /** Assigned by networks that have one (mdes); '' elsewhere (as in the contract's Visa example). */
  trackingId: string;
  par: string;
  /** Networks with device binding (vts) only; [] elsewhere. */
  devices: NetworkDevice[];
  /** +1 on every change, so the issuer can ignore stale notifications. */
  version: number;
  /** The network's own record, shaped like the contract example of its network. Never holds PAN or full token. */
  networkData: Record<string, unknown>;
  updatedAt: string;
}

export interface ProvisionRequest {
  network: PaymentNetwork;
  wallet: Wallet;
  pan: string;
  expiryMonth: number;
  expiryYear: number;
  cardholderName?: string;
  deviceId?: string;
  forcedDecision?: Decision;
}

export interface DecisionRequest {
  network: PaymentNetwork;
  wallet: Wallet;
  pan: string;
  expiryMonth: number;
  expiryYear: number;
  panRef: string;
  tokenRequestorId: string;
  forcedDecision?: Decision;
}

export type ProvisionOutcome = { approved: true; token: NetworkToken } | { approved: false; reason: string };

export type LifecycleAction = 'SUSPEND' | 'RESUME' | 'DELETE' | 'ACTIVATE';
export type DeviceAction = 'REMOVE' | 'APPROVE';
export type NetworkOperation = 'provision' | 'lifecycle' | 'device_binding';
/**
 * 'timeout': the call is held and never applied (the caller times out). 'lost_answer': the network applies the
 * call, then its answer is lost (held until the caller times out), as after a lock or a dropped connection.
 */
export type FaultMode = 'timeout' | 'lost_answer' | 'error_500' | 'error_400';
export type ApprovalMethod = 'DEFAULT' | 'BANK_APP' | 'CALL_CENTER';

export const LIFECYCLE_ACTIONS: readonly LifecycleAction[] = ['SUSPEND', 'RESUME', 'DELETE', 'ACTIVATE'];
export const DEVICE_ACTIONS: readonly DeviceAction[] = ['REMOVE', 'APPROVE'];
export const NETWORK_OPERATIONS: readonly NetworkOperation[] = ['provision', 'lifecycle', 'device_binding'];
export const FAULT_MODES: readonly FaultMode[] = ['timeout', 'lost_answer', 'error_500', 'error_400'];
export const APPROVAL_METHODS: readonly ApprovalMethod[] = ['DEFAULT', 'BANK_APP', 'CALL_CENTER'];

export interface FaultSpec {
  network: PaymentNetwork;
  /** Omitted: the fault hits the next call of any operation on that network. */
  operation?: NetworkOperation;
  mode: FaultMode;
  /** How many consecutive matching calls fail; default 1. */
  count?: number;
}

export type WalletEvent =
  | { kind: 'SUSPEND' | 'RESUME'; entity: Exclude<Suspender, 'ISSUER'> }
  | { kind: 'DELETE' }
  | { kind: 'DEVICE_BINDING_REQUEST'; deviceId: string };

/**
 * An issuer's change request may carry an idempotency key: the network applies a key at most once and answers a
 * repeated key with the first answer (the token it produced, or the same refusal), so a call whose answer was lost
 * can be sent again safely. A key sent again with a different request is refused.
 */
export interface Idempotent {
  idempotencyKey?: string;
}

export interface LifecycleRequest extends Idempotent {
  network: PaymentNetwork;
  tokenRef: string;
  action: LifecycleAction;
  entity: 'ISSUER';
  reason: string;
}

export interface ApproveDeviceRequest extends Idempotent {
  network: PaymentNetwork;
  tokenRef: string;
  method: ApprovalMethod;
}

export interface DeviceBindingRequest extends Idempotent {
  network: PaymentNetwork;
  tokenRef: string;
  deviceId: string;
  deviceIndex: number;
  action: DeviceAction;
  reason: string;
}

/**
 * A token requestor (a merchant, through Tessera as its token service provider) asks for a card-on-file token of
 * a card. Always carries an idempotency key: a repeated key is answered with the first answer.
 */
export interface CardOnFileRequest {
  network: PaymentNetwork;
  pan: string;
  expiryMonth: number;
  expiryYear: number;
  tokenRequestorId: string;
  tokenRequestorName: string;
  idempotencyKey: string;
}

/**
 * The network's answer to a token requestor. Unlike an issuer, the token requestor is given the token number
 * itself (what it pays with), with the token's expiry and the card's PAR on the token.
 */
export type CardOnFileOutcome = { approved: true; token: NetworkToken; tokenNumber: string } | { approved: false; reason: string };

/** A token requestor suspends, resumes or deletes one of its own tokens at the network (the issuer is then notified). */
export interface TokenRequestorLifecycleRequest {
  network: PaymentNetwork;
  tokenRef: string;
  action: 'SUSPEND' | 'RESUME' | 'DELETE';
  tokenRequestorId: string;
  idempotencyKey: string;
}

export interface WalletEventRequest {
  network: PaymentNetwork;
  tokenRef: string;
  event: WalletEvent;
}

export type TransactionType = 'CIT' | 'MIT';
export const TRANSACTION_TYPES: readonly TransactionType[] = ['CIT', 'MIT'];

/**
 * A token requestor asks for a cryptogram to pay with one of its card-on-file tokens (Visa TAVV, Mastercard
 * DSRP-style). With an amount (minor units) and currency, the cryptogram is bound to them.
 */
export interface CryptogramRequest {
  network: PaymentNetwork;
  tokenRef: string;
  tokenRequestorId: string;
  amount?: number;
  currency?: string;
  transactionType: TransactionType;
}

export interface Cryptogram {
  /** Base64 of 20 bytes (28 characters). */
  cryptogram: string;
  /** Electronic commerce indicator the authorization must carry. */
  eci: string;
  expiresAt: string;
}

/** An acquirer's authorization of a payment with a network token and its cryptogram (sandbox: the merchant's acquirer). */
export interface AuthorizationRequest {
  network: PaymentNetwork;
  networkToken: string;
  expiryMonth: number;
  expiryYear: number;
  cryptogram: string;
  eci: string;
  /** Minor units. */
  amount: number;
  currency: string;
  tokenRequestorId: string;
}

export type AuthorizationDeclineReason =
  | 'cryptogram_invalid'
  | 'cryptogram_used'
  | 'cryptogram_expired'
  | 'token_mismatch'
  | 'token_inactive'
  | 'expiry_mismatch'
  | 'eci_mismatch'
  | 'amount_mismatch'
  | 'requestor_mismatch';

export type AuthorizationOutcome =
  | { approved: true; authorizationId: string; network: PaymentNetwork }
  | { approved: false; reason: AuthorizationDeclineReason; network: PaymentNetwork };

/** What the network tells a token's issuer of an authorization with that token (approved or declined). */
export interface AuthorizationNotice {
  network: PaymentNetwork;
  tokenRef: string;
  tokenRequestorId: string;
  approved: boolean;
  /** Present when declined. */
  reason?: AuthorizationDeclineReason;
  authorizationId?: string;
  amount: number;
  currency: string;
  at: string;
}
