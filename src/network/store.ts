/**
 * Where the simulator keeps its tokens. Only get/put by tokenRef, so a persistent engine can be added later
 * without touching the simulator; serialisation per tokenRef is the simulator's job, not the store's.
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

export interface SimulatorStore {
  get(tokenRef: string): Promise<SimulatorRecord | undefined>;
  put(record: SimulatorRecord): Promise<void>;
}

export interface MemorySimulatorStore extends SimulatorStore {
  /** Number of tokens held (tests use it to prove a declined provisioning left nothing behind). */
  size(): number;
}

export function createMemorySimulatorStore(): MemorySimulatorStore {
  const records = new Map<string, SimulatorRecord>();
  return {
    // Copies in and out: a caller mutating a returned token must not change the network's state.
    async get(tokenRef) {
      const found = records.get(tokenRef);
      return found ? structuredClone(found) : undefined;
    },
    async put(record) {
      records.set(record.token.tokenRef, structuredClone(record));
    },
    size: () => records.size,
  };
}
