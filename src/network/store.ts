/**
 * Where the simulator keeps what the network knows: its tokens (get/put by tokenRef) and each card's PAN
 * reference and PAR. In memory for tests and a throw-away simulator; in the database (database-store.ts) for the
 * service's in-process simulator, so tokens survive a restart as they would at a real network. Serialisation per
 * tokenRef is the simulator's job, not the store's.
 */
import type { ApprovalMethod, NetworkToken, Suspender, Wallet } from './types.js';

/** What the network knows about a token beyond the public `NetworkToken` (needed to render its network data). */
export interface SimulatorRecordMeta {
  wallet: Wallet;
  decision: 'GREEN' | 'YELLOW';
  panLastFour: string;
  /** Length of the network token number, so the masked form has the right width. The number itself is not kept. */
  tokenLength: number;
  /** MDES correlation id; '' on vts. */
  correlationId: string;
  /** VTS walletAccountEmailAddressHash; '' on mdes. */
  walletAccountHash: string;
  createdAt: string;
  statusChangedAt: string;
  activatedAt?: string;
  entityOfLastAction: Suspender;
  suspendedAt: Partial<Record<Suspender, string>>;
  deletedFromConsumerApp: boolean;
  /** The device the token was provisioned to (VTS); activating the token activates this binding too. */
  provisioningDeviceId?: string;
  lastDeviceApprovalMethod?: ApprovalMethod;
}

export interface SimulatorRecord {
  token: NetworkToken;
  meta: SimulatorRecordMeta;
}

export interface PanReferences {
  panRef: string;
  par: string;
}

export interface SimulatorStore {
  get(tokenRef: string): Promise<SimulatorRecord | undefined>;
  /** Stores a new token. */
  insert(record: SimulatorRecord): Promise<void>;
  /**
   * Replaces a token if it is still at `previousVersion`; false when another writer (another instance sharing the
   * store) changed it first, and the caller must read it again.
   */
  update(record: SimulatorRecord, previousVersion: number): Promise<boolean>;
  /** Forgets a token (a provisioning the issuer did not take). */
  remove(tokenRef: string): Promise<void>;
  /** The references kept under this card fingerprint; on first sight, `mint`'s are stored and returned. */
  panReferences(fingerprint: string, mint: () => PanReferences): Promise<PanReferences>;
}

export interface MemorySimulatorStore extends SimulatorStore {
  /** Number of tokens held (tests use it to prove a declined provisioning left nothing behind). */
  size(): number;
}

export function createMemorySimulatorStore(): MemorySimulatorStore {
  const records = new Map<string, SimulatorRecord>();
  const references = new Map<string, PanReferences>();
  return {
    // Copies in and out: a caller mutating a returned token must not change the network's state.
    async get(tokenRef) {
      const found = records.get(tokenRef);
      return found ? structuredClone(found) : undefined;
    },
    async insert(record) {
      records.set(record.token.tokenRef, structuredClone(record));
    },
    async update(record, previousVersion) {
      if (records.get(record.token.tokenRef)?.token.version !== previousVersion) return false;
      records.set(record.token.tokenRef, structuredClone(record));
      return true;
    },
    async remove(tokenRef) {
      records.delete(tokenRef);
    },
    async panReferences(fingerprint, mint) {
      if (!references.has(fingerprint)) references.set(fingerprint, mint());
      return { ...references.get(fingerprint)! };
    },
    size: () => records.size,
  };
}
