/**
 * What makes one card network different from another, behind one interface: its identifiers and references, the
 * rendering of its own record (`network_data`), the card brand it carries and the operations it supports. Each
 * network is one folder (`vts/`, `mdes/`) exporting one `NetworkProvider`, listed in `providers.ts`; nothing else
 * in the tree branches on a network's name.
 */
import type { CardBrand } from '../cards/brand.js';
import type { SimulatorRecord } from './record.js';
import type { Wallet } from './types.js';

/**
 * Operations only some networks offer: binding further devices to a token (Visa), and the cardholder's app-to-app
 * step-up (Mastercard; Visa's goes through the call-centre activation).
 */
export type NetworkCapability = 'deviceBinding' | 'appToAppStepUp';
export const NETWORK_CAPABILITIES: readonly NetworkCapability[] = ['deviceBinding', 'appToAppStepUp'];

export interface TokenRequestor {
  id: string;
  name: string;
  /** What the issuer API calls `wallet_id`: the MDES wallet id, or the token requestor id on VTS (contract example). */
  walletId: string;
}

/**
 * Identifiers only some networks assign at provisioning. A network that assigns none leaves it '' (as the
 * contract's examples of the other network show).
 */
export interface ProvisioningIdentifiers {
  /** MDES correlation id, also the token's tracking id. */
  correlationId: string;
  /** MDES payment app instance id (none for card on file). */
  paymentAppInstanceId: string;
  /** VTS walletAccountEmailAddressHash. */
  walletAccountHash: string;
}

/** The random draws a provider may ask for; injected (see ids.ts IdSource) so tests can observe or pin them. */
export interface ProvisioningDraws {
  correlationId(): string;
  paymentAppInstanceId(): string;
  walletAccountHash(): string;
}

export interface NetworkProvider {
  /** The network's name on the wire and in the issuer API (`payment_network`). */
  readonly id: string;
  /** The one card brand the network tokenizes. */
  readonly brand: CardBrand;
  readonly capabilities: Readonly<Record<NetworkCapability, boolean>>;
  /** Fixed token requestors per wallet. */
  readonly tokenRequestors: Readonly<Record<Wallet, TokenRequestor>>;
  /** Leading digits of the 11-digit token requestor ids the network assigns (DOMAIN.md section 5). */
  readonly tokenRequestorPrefix: string;
  /** BIN controller id that leads the network's PARs. */
  readonly parController: string;
  /** A fresh token reference for a token of `wallet`. */
  tokenRef(wallet: Wallet): string;
  /** A fresh PAN reference. */
  panRef(): string;
  /** Leading digits of the card-on-file token numbers it gives token requestors (the rest derived, Luhn-valid). */
  readonly cardOnFileTokenPrefix: string;
  /** The wallet id (`wallet_id` in the issuer API) of a card-on-file token of a merchant token requestor. */
  cardOnFileWalletId(tokenRequestorId: string): string;
  /** Leading digits of a network token number (the rest is random, with a Luhn check digit). */
  tokenNumberPrefix(): string;
  /** The identifiers this network assigns to a new token of `wallet`. */
  provisioningIdentifiers(wallet: Wallet, draws: ProvisioningDraws): ProvisioningIdentifiers;
  /** The token as the network's own record (`network_data`): references and last four digits only, never a PAN. */
  renderNetworkData(record: SimulatorRecord): Record<string, unknown>;
}
