/**
 * The master keyring: the current master key, which wraps every new data key, plus other keys used only to
 * unwrap: former keys, until `tessera rewrap` has moved their data keys to the current one, and during a rolling
 * rotation the coming key, so that an instance not yet switched reads what switched instances wrote (README,
 * "Rotating the master key"). A key's id is derived from the key itself, so no version number has to be configured.
 */
import { createHmac } from 'node:crypto';
import { open, seal } from './envelope.js';

export interface MasterKeyring {
  currentId: string;
  /** Ids of every key held: the current one first, then the others (former keys, or a coming one). */
  ids: readonly string[];
  wrap(dataKey: Buffer, aad: string): { wrapped: Buffer; masterKeyId: string };
  unwrap(wrapped: Buffer, masterKeyId: string, aad: string): Buffer;
  has(masterKeyId: string): boolean;
}

export function masterKeyId(key: Buffer): string {
  return createHmac('sha256', key).update('tessera master key id').digest('hex').slice(0, 16);
}

export function createMasterKeyring(current: Buffer, previous: Buffer[] = []): MasterKeyring {
  const keys = new Map<string, Buffer>();
  for (const key of [current, ...previous]) keys.set(masterKeyId(key), key);
  const currentId = masterKeyId(current);
  return {
    currentId,
    ids: [...keys.keys()],
    wrap: (dataKey, aad) => ({ wrapped: seal(current, dataKey, `wrap:${aad}`), masterKeyId: currentId }),
    unwrap(wrapped, id, aad) {
      const key = keys.get(id);
      if (!key) throw new Error(`master key ${id} is not configured (set it in TESSERA_PREVIOUS_MASTER_KEYS)`);
      return open(key, wrapped, `wrap:${aad}`);
    },
    has: (id) => keys.has(id),
  };
}
