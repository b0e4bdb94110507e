/**
 * The network's own record of one token: the public `NetworkToken` plus what the network knows beyond it, from
 * which each provider renders its `network_data`. Network-neutral; the simulator's stores keep it (as JSON).
 */
import type { ApprovalMethod, NetworkToken, Suspender, Wallet } from './types.js';

/** What the network knows about a token beyond the public `NetworkToken` (needed to render its network data). */
export interface SimulatorRecordMeta {
  wallet: Wallet;
  decision: 'GREEN' | 'YELLOW';
  panLastFour: string;
  /** Length of the network token number, so the masked form has the right width. The number itself is not kept. */
  tokenLength: number;
  /** MDES correlation id; '' on networks that assign none (vts). */
  correlationId: string;
  /** VTS walletAccountEmailAddressHash; '' on networks that assign none (mdes). */
  walletAccountHash: string;
  createdAt: string;
  statusChangedAt: string;
  activatedAt?: string;
  entityOfLastAction: Suspender;
  suspendedAt: Partial<Record<Suspender, string>>;
  deletedFromConsumerApp: boolean;
  /** The device the token was provisioned to (networks with device binding); activating the token activates it too. */
  provisioningDeviceId?: string;
  lastDeviceApprovalMethod?: ApprovalMethod;
  /**
   * A card-on-file token of a card no Tessera issuer holds: its simulated external issuer decided, and no issuer
   * is notified of its changes.
   */
  externalIssuer?: boolean;
}

export interface SimulatorRecord {
  token: NetworkToken;
  meta: SimulatorRecordMeta;
}

/** A card's stable references on one network: its PAN reference and its Payment Account Reference. */
export interface PanReferences {
  panRef: string;
  par: string;
}
