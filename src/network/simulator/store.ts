/**
 * Where the simulator keeps what the network knows: its tokens (get/put by tokenRef) and each card's PAN
 * reference and PAR. In memory for tests and a throw-away simulator; in a database (database-store.ts) for the
 * service's in-process simulator or a persistent `tessera network-sim`, so tokens survive a restart as they would
 * at a real network. Serialisation per tokenRef is the simulator's job, not the store's. Every store passes
 * test/network/simulator-store.contract.test.ts.
 */
import { NetworkFailure } from '../../errors.js';
import type { PanReferences, SimulatorRecord } from '../record.js';
import type { NetworkToken, PaymentNetwork } from '../types.js';
import type { CryptogramRecord } from './cryptograms.js';

export type { PanReferences, SimulatorRecord, SimulatorRecordMeta } from '../record.js';

/**
 * The first answer the network gave to an idempotency key, kept with its state: a repeated key is answered with
 * it instead of being applied again.
 */
export interface IdempotentAnswer {
  key: string;
  network: PaymentNetwork;
  tokenRef: string;
  /** What was asked (operation and parameters, free text excluded); the same key must ask the same. */
  request: string;
  /** `declined`: a token requestor's request the issuer declined (no token made; '' as `tokenRef`). */
  outcome: 'applied' | 'refused' | 'declined';
  /** The token the call produced (`applied`). */
  token?: NetworkToken;
  /** The refusal's message (`refused`), or the decline's reason (`declined`). */
  message?: string;
  at: string;
}

export interface SimulatorStore {
  get(tokenRef: string): Promise<SimulatorRecord | undefined>;
  /** Stores a new token. */
  insert(record: SimulatorRecord): Promise<void>;
  /**
   * Replaces a token if it is still at `previousVersion`; false when another writer (another instance sharing the
   * store) changed it first, and the caller must read it again. With `answer`, the idempotency key's first answer
   * is stored in the same write (both or neither); false as well when that key already has an answer.
   */
  update(record: SimulatorRecord, previousVersion: number, answer?: IdempotentAnswer): Promise<boolean>;
  /** The first answer to an idempotency key, if the key was seen. */
  answerOf(key: string): Promise<IdempotentAnswer | undefined>;
  /** Keeps an answer that changed nothing (a refusal), unless the key has one already; returns the key's first answer. */
  rememberAnswer(answer: IdempotentAnswer): Promise<IdempotentAnswer>;
  /** Forgets a token (a provisioning the issuer did not take). */
  remove(tokenRef: string): Promise<void>;
  /** The references kept under this card fingerprint; on first sight, `mint`'s are stored and returned. */
  panReferences(fingerprint: string, mint: () => PanReferences): Promise<PanReferences>;
  /** Keeps an issued cryptogram, unused. */
  insertCryptogram(record: CryptogramRecord): Promise<void>;
  /** An issued cryptogram and when it was used, if ever. */
  findCryptogram(id: string): Promise<{ record: CryptogramRecord; usedAt?: string } | undefined>;
  /** Marks a cryptogram used; false when it was used already (or is unknown): a cryptogram is used once only. */
  useCryptogram(id: string, at: string): Promise<boolean>;
}

export interface MemorySimulatorStore extends SimulatorStore {
  /** Number of tokens held (tests use it to prove a declined provisioning left nothing behind). */
  size(): number;
}

export interface MemorySimulatorStoreOptions {
  /**
   * At most this many tokens, and as many cards' references (default 100 000): a throw-away simulator left running
   * must not grow without end. A full store refuses new tokens and new cards as a network error.
   */
  capacity?: number;
}

const DEFAULT_CAPACITY = 100_000;

export function createMemorySimulatorStore(options: MemorySimulatorStoreOptions = {}): MemorySimulatorStore {
  const capacity = options.capacity ?? DEFAULT_CAPACITY;
  const records = new Map<string, SimulatorRecord>();
  const references = new Map<string, PanReferences>();
  // Answers are kept for the last `capacity` keys (insertion order): a real network, too, keeps keys for a while only.
  const answers = new Map<string, IdempotentAnswer>();
  // Cryptograms likewise, the oldest forgotten first (long expired by then).
  const cryptograms = new Map<string, { record: CryptogramRecord; usedAt?: string }>();
  const full = () => new NetworkFailure('error', 'network simulator store is full');
  const keep = (answer: IdempotentAnswer) => {
    answers.set(answer.key, structuredClone(answer));
    if (answers.size > capacity) answers.delete(answers.keys().next().value as string);
  };
  return {
    // Copies in and out: a caller mutating a returned token must not change the network's state.
    async get(tokenRef) {
      const found = records.get(tokenRef);
      return found ? structuredClone(found) : undefined;
    },
    async insert(record) {
      if (records.size >= capacity && !records.has(record.token.tokenRef)) throw full();
      records.set(record.token.tokenRef, structuredClone(record));
    },
    async update(record, previousVersion, answer) {
      if (records.get(record.token.tokenRef)?.token.version !== previousVersion) return false;
      if (answer && answers.has(answer.key)) return false;
      records.set(record.token.tokenRef, structuredClone(record));
      if (answer) keep(answer);
      return true;
    },
    async answerOf(key) {
      const found = answers.get(key);
      return found ? structuredClone(found) : undefined;
    },
    async rememberAnswer(answer) {
      const first = answers.get(answer.key);
      if (first) return structuredClone(first);
      keep(answer);
      return structuredClone(answer);
    },
    async remove(tokenRef) {
      records.delete(tokenRef);
    },
    async panReferences(fingerprint, mint) {
      let known = references.get(fingerprint);
      if (!known) {
        if (references.size >= capacity) throw full();
        known = mint();
        references.set(fingerprint, known);
      }
      return { ...known };
    },
    async insertCryptogram(record) {
      cryptograms.set(record.id, { record: structuredClone(record) });
      if (cryptograms.size > capacity) cryptograms.delete(cryptograms.keys().next().value as string);
    },
    async findCryptogram(id) {
      const found = cryptograms.get(id);
      return found ? structuredClone(found) : undefined;
    },
    async useCryptogram(id, at) {
      const found = cryptograms.get(id);
      if (!found || found.usedAt !== undefined) return false;
      found.usedAt = at;
      return true;
    },
    size: () => records.size,
  };
}
