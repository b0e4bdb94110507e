/**
 * The contract between Tessera's issuer side and a card network (Visa VTS, Mastercard MDES).
 * Today the other side is the simulator in this folder; a real adapter would implement `NetworkGateway` too.
 */

export type PaymentNetwork = 'vts' | 'mdes';
export type Wallet = 'APPLE_PAY' | 'GOOGLE_PAY' | 'SAMSUNG_PAY' | 'CARD_ON_FILE';
export type Decision = 'GREEN' | 'YELLOW' | 'RED';
export type NetworkTokenStatus = 'INACTIVE' | 'ACTIVE' | 'SUSPENDED' | 'DEACTIVATED';
export type Suspender = 'ISSUER' | 'TOKEN_REQUESTOR' | 'CARDHOLDER' | 'MOBILE_PIN_LOCKED';

export const PAYMENT_NETWORKS: readonly PaymentNetwork[] = ['vts', 'mdes'];
export const WALLETS: readonly Wallet[] = ['APPLE_PAY', 'GOOGLE_PAY', 'SAMSUNG_PAY', 'CARD_ON_FILE'];
export const DECISIONS: readonly Decision[] = ['GREEN', 'YELLOW', 'RED'];
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
  /** MDES only; '' for vts (as in the contract's Visa example). */
  paymentAppInstanceId: string;
  /** MDES only; '' for vts (as in the contract's Visa example). */
  trackingId: string;
  par: string;
  /** Visa only; [] for mdes. */
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
export type FaultMode = 'timeout' | 'error_500' | 'error_400';
export type ApprovalMethod = 'DEFAULT' | 'BANK_APP' | 'CALL_CENTER';

export const LIFECYCLE_ACTIONS: readonly LifecycleAction[] = ['SUSPEND', 'RESUME', 'DELETE', 'ACTIVATE'];
export const DEVICE_ACTIONS: readonly DeviceAction[] = ['REMOVE', 'APPROVE'];
export const NETWORK_OPERATIONS: readonly NetworkOperation[] = ['provision', 'lifecycle', 'device_binding'];
export const FAULT_MODES: readonly FaultMode[] = ['timeout', 'error_500', 'error_400'];
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

export interface LifecycleRequest {
  network: PaymentNetwork;
  tokenRef: string;
  action: LifecycleAction;
  entity: 'ISSUER';
  reason: string;
}

export interface ApproveDeviceRequest {
  network: PaymentNetwork;
  tokenRef: string;
  method: ApprovalMethod;
}

export interface DeviceBindingRequest {
  network: PaymentNetwork;
  tokenRef: string;
  deviceId: string;
  deviceIndex: number;
  action: DeviceAction;
  reason: string;
}

export interface WalletEventRequest {
  network: PaymentNetwork;
  tokenRef: string;
  event: WalletEvent;
}

/** What the network calls on the issuer (Tessera's issuer side implements this). */
export interface IssuerCallbacks {
  decide(req: DecisionRequest): Promise<Decision>;
  /** Token created or changed on the network side. */
  notify(token: NetworkToken): Promise<void>;
}

/**
 * What Tessera's issuer side calls on the network. Every method throws NetworkFailure (src/errors.ts) on
 * timeout ('timeout'), 5xx ('error') or a refusal ('bad_request', with a clear message such as 'token is deactivated').
 */
export interface NetworkGateway {
  provision(req: ProvisionRequest): Promise<ProvisionOutcome>;
  lifecycle(req: LifecycleRequest): Promise<NetworkToken>;
  approveLatestInactiveDevice(req: ApproveDeviceRequest): Promise<NetworkToken>;
  deviceBinding(req: DeviceBindingRequest): Promise<NetworkToken>;
  // sandbox controls (reach the simulator wherever it runs)
  injectFault(fault: FaultSpec): Promise<void>;
  walletEvent(req: WalletEventRequest): Promise<NetworkToken>;
  close(): Promise<void>;
}
