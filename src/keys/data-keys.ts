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
  /** Re-wraps every data key still wrapped by a former master key. Returns how many were re-wrapped. */
  rewrapAll(): Promise<number>;
}

const LATEST_VERSION_TTL_MS = 30_000;

const aadFor = (owner: string, purpose: string, version: number) => `data-key:${owner}:${purpose}:${version}`;

export interface DataKeysDeps {
  dal: DataKeysDal;
  keyring: MasterKeyring;
  clock: Clock;
}

export function createDataKeys({ dal, keyring, clock }: DataKeysDeps): DataKeys {
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
      return self.current(owner, purpose);
    },
    async rewrapAll() {
      const stale = await dal.wrappedByOther(keyring.currentId);
      for (const row of stale) {
        const aad = aadFor(row.owner, row.purpose, row.version);
        const key = keyring.unwrap(Buffer.from(row.wrapped_key, 'base64'), row.master_key_id, aad);
        const { wrapped, masterKeyId } = keyring.wrap(key, aad);
        await dal.rewrap(row, wrapped.toString('base64'), masterKeyId);
      }
      return stale.length;
    },
  };
  return self;
}
