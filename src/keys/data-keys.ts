/**
 * Per-owner data keys (envelope encryption): random 256-bit keys, stored only wrapped by the master key,
 * versioned so that rotation never strands an old ciphertext. Unwrapped keys are cached in memory.
 */
import type { Clock } from '../clock.js';
import type { DataKeysTable } from '../store/schema.js';
import { generateKey } from '../vault/envelope.js';
import type { MasterKeyring } from '../vault/keyring.js';
import type { DataKeysDal } from './dal.js';

export type KeyPurpose = DataKeysTable['purpose'];
export interface VersionedKey {
  version: number;
  key: Buffer;
}

export interface DataKeys {
  /** The newest key for this owner and purpose, created on first use. */
  current(owner: string, purpose: KeyPurpose): Promise<VersionedKey>;
  /** A specific version, to open what an older key sealed. */
  get(owner: string, purpose: KeyPurpose, version: number): Promise<Buffer>;
  /** Adds a new version; new writes use it, old ciphertexts stay readable. */
  rotate(owner: string, purpose: KeyPurpose): Promise<VersionedKey>;
  /**
   * Re-wraps up to `limit` data keys still wrapped by another master key than the current one (`tessera rewrap`
   * calls it batch after batch). Never called implicitly: see README, "Rotating the master key".
   */
  rewrapBatch(limit: number): Promise<RewrapBatch>;
  /** Data keys by the master key that wraps them (`tessera rewrap` reports it before and after). */
  wrappingSummary(): Promise<WrappingSummary>;
  /**
   * Forgets which version is newest for this owner (every owner when omitted): another process rotated a data
   * key, so the next write reads the newest version again instead of waiting for the cache lifetime.
   */
  forgetNewest(owner?: string): void;
}

export interface RewrapBatch {
  /** Data keys re-wrapped under the current master key by this batch. */
  rewrapped: number;
  /** Whether data keys that this keyring can re-wrap may remain (false: none left). */
  more: boolean;
}

export interface WrappingSummary {
  currentMasterKeyId: string;
  /** Count of data keys by the id of the master key that wraps them. */
  byMasterKey: Record<string, number>;
  /** Data keys wrapped by another key than the current one, but one this keyring has: `tessera rewrap` moves them. */
  rewrappable: number;
  /** Data keys wrapped by a master key this keyring does not have (nothing can open them until it is configured). */
  unknown: number;
  /** The ids of those master keys. */
  unknownMasterKeyIds: string[];
}

const LATEST_VERSION_TTL_MS = 30_000;

const aadFor = (owner: string, purpose: string, version: number) => `data-key:${owner}:${purpose}:${version}`;

export interface DataKeysDeps {
  dal: DataKeysDal;
  keyring: MasterKeyring;
  clock: Clock;
  /** Called after a rotation, so other instances forget the newest version they knew (store/change-feed.ts). */
  onRotated?(owner: string): Promise<void>;
}

export function createDataKeys({ dal, keyring, clock, onRotated }: DataKeysDeps): DataKeys {
  const cache = new Map<string, Buffer>();
  // Which version is newest is re-read now and then, so a rotation done by another process (the CLI) is picked up.
  const latest = new Map<string, { version: number; until: number }>();
  const cacheKey = (owner: string, purpose: string, version: number) => `${owner}\0${purpose}\0${version}`;

  function unwrapRow(row: DataKeysTable): Buffer {
    const key = keyring.unwrap(Buffer.from(row.wrapped_key, 'base64'), row.master_key_id, aadFor(row.owner, row.purpose, row.version));
    cache.set(cacheKey(row.owner, row.purpose, row.version), key);
    return key;
  }

  async function insertVersion(owner: string, purpose: KeyPurpose, version: number): Promise<void> {
    const { wrapped, masterKeyId } = keyring.wrap(generateKey(), aadFor(owner, purpose, version));
    // Two callers racing to create the same version: the first wins, the other reads the winner's key.
    await dal.insertIfAbsent({
      owner,
      purpose,
      version,
      wrapped_key: wrapped.toString('base64'),
      master_key_id: masterKeyId,
      created_at: clock().toISOString(),
    });
  }

  const newest = (owner: string, purpose: KeyPurpose) => dal.newest(owner, purpose);

  const self: DataKeys = {
    async current(owner, purpose) {
      const known = latest.get(`${owner}\0${purpose}`);
      if (known !== undefined && known.until > clock().getTime()) {
        const key = cache.get(cacheKey(owner, purpose, known.version));
        if (key) return { version: known.version, key };
      }
      let row = await newest(owner, purpose);
      if (!row) {
        await insertVersion(owner, purpose, 1);
        row = await newest(owner, purpose);
        if (!row) throw new Error('data key vanished after insert');
      }
      latest.set(`${owner}\0${purpose}`, { version: row.version, until: clock().getTime() + LATEST_VERSION_TTL_MS });
      return { version: row.version, key: unwrapRow(row) };
    },
    async get(owner, purpose, version) {
      const cached = cache.get(cacheKey(owner, purpose, version));
      if (cached) return cached;
      const row = await dal.version(owner, purpose, version);
      if (!row) throw new Error(`no data key ${purpose} v${version} for ${owner}`);
      return unwrapRow(row);
    },
    async rotate(owner, purpose) {
      const row = await newest(owner, purpose);
      await insertVersion(owner, purpose, (row?.version ?? 0) + 1);
      latest.delete(`${owner}\0${purpose}`);
      await onRotated?.(owner);
      return self.current(owner, purpose);
    },
    async rewrapBatch(limit) {
      // Only rows this keyring can open: one wrapped by an unknown key must not stop the others being moved.
      const others = keyring.ids.filter((id) => id !== keyring.currentId);
      if (others.length === 0) return { rewrapped: 0, more: false };
      const batch = await dal.wrappedByAny(others, limit);
      let rewrapped = 0;
      for (const row of batch) {
        const aad = aadFor(row.owner, row.purpose, row.version);
        const key = keyring.unwrap(Buffer.from(row.wrapped_key, 'base64'), row.master_key_id, aad);
        const { wrapped, masterKeyId } = keyring.wrap(key, aad);
        // Idempotent: a row another process re-wrapped meanwhile is left as it is (and not counted).
        if (await dal.rewrap(row, wrapped.toString('base64'), masterKeyId)) rewrapped++;
      }
      return { rewrapped, more: batch.length === limit };
    },
    async wrappingSummary() {
      const byMasterKey = await dal.countByMasterKey();
      let rewrappable = 0;
      let unknown = 0;
      const unknownMasterKeyIds: string[] = [];
      for (const [id, count] of Object.entries(byMasterKey)) {
        if (id === keyring.currentId) continue;
        if (keyring.has(id)) {
          rewrappable += count;
        } else {
          unknown += count;
          unknownMasterKeyIds.push(id);
        }
      }
      return { currentMasterKeyId: keyring.currentId, byMasterKey, rewrappable, unknown, unknownMasterKeyIds };
    },
    forgetNewest(owner) {
      if (owner === undefined) latest.clear();
      else for (const key of latest.keys()) if (key.startsWith(`${owner}\0`)) latest.delete(key);
    },
  };
  return self;
}
