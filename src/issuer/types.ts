/**
 * The issuer domain's own inputs and views, in camelCase and free of any vendor envelope. The Pismo edge
 * translates its request bodies into these and renders these views as its responses.
 */
import type { Decision, NetworkTokenStatus, PaymentNetwork, Wallet } from '../network/types.js';

/** The operations an issuer may ask for on one token (the lifecycle state machine's vocabulary). */
export const TOKEN_OPERATIONS = [
  'DELETE',
  'SUSPEND',
  'RESUME',
  'CALL_CENTER_ACTIVATION',
  'CARDHOLDER_STEPUP_APP_TO_APP',
  'TOKEN_DEVICE_BIDING_APPROVE', // sic: the contract's spelling
  'TOKEN_DEVICE_BINDING_APPROVE', // the corrected spelling, accepted too
  'TOKEN_DEVICE_BINDING_APPROVE_BANK_APP',
  'TOKEN_DEVICE_BINDING_APPROVE_CALL_CENTER',
] as const;
export type TokenOperation = (typeof TOKEN_OPERATIONS)[number];

/** The operations that apply to every token of a card at once. */
export type CardOperation = 'SUSPEND' | 'RESUME' | 'DELETE';

/** The operations on one bound device of a (Visa) token. */
export type DeviceBindingOperation =
  | 'TOKEN_DEVICE_BINDING_REMOVE'
  | 'TOKEN_DEVICE_BINDING_APPROVE'
  | 'TOKEN_DEVICE_BINDING_APPROVE_BANK_APP'
  | 'TOKEN_DEVICE_BINDING_APPROVE_CALL_CENTER';

/** Who acts: the account token's subject and the client-supplied operator id. */
export interface IssuerCaller {
  accountId: number;
  subject: string;
  operatorId?: string;
}

export interface TokenOperationInput {
  operation: TokenOperation;
  reason: string;
  activationCode?: string;
}

export interface CardOperationInput {
  operation: CardOperation;
  reason: string;
}

export interface DeviceBindingInput {
  operation: DeviceBindingOperation;
  reason: string;
  deviceIndex: number;
  activationCode?: string;
}

/** A device bound to a token, as stored (the stored JSON keeps its historical snake_case keys). */
export interface StoredDevice {
  device_id: string;
  device_index: number;
  status: 'ACTIVE' | 'INACTIVE';
}

/** One network token as the issuer side knows it, with its account's tenant and program. */
export interface IssuerTokenView {
  id: string;
  cardId: number;
  accountId: number;
  orgId: string;
  programId: string;
  network: PaymentNetwork;
  tokenRef: string;
  panRef: string;
  status: NetworkTokenStatus;
  walletId: string;
  paymentAppInstanceId: string;
  trackingId: string;
  updatedAt: string;
  devices: { deviceId: string; deviceIndex: number; status: 'ACTIVE' | 'INACTIVE' }[];
  networkData: Record<string, unknown>;
}

/**
 * Sandbox: a wallet provisions a card through the network. Keeps the shape the sandbox edge sends today
 * (src/issuer/admin-routes.ts, being moved by the network engineer).
 */
export interface ProvisionInput {
  card_id: number;
  network?: PaymentNetwork;
  wallet: Wallet;
  device_id?: string;
  decision?: Decision;
}

/** A new card of an account (the admin edge's shape, kept so the admin edge and the CLI keep working). */
export interface CreateCardInput {
  pan: string;
  expiry_month: number;
  expiry_year: number;
  cardholder_name: string;
}

export interface CreateAccountInput {
  org_id?: string;
  program_id?: string;
}

/** Sealed part of an issuer card. */
export interface IssuerCardSecret {
  pan: string;
  cardholderName: string;
}
