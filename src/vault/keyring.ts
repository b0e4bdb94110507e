/**
 * The master keyring: the current master key plus former ones kept only to unwrap data keys until they are
 * re-wrapped. A key's id is derived from the key itself, so no version number has to be configured.
 */
import { createHmac } from 'node:crypto';
import { open, seal } from './envelope.js';

export interface MasterKeyring {
  currentId: string;
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
    wrap: (dataKey, aad) => ({ wrapped: seal(current, dataKey, `wrap:${aad}`), masterKeyId: currentId }),
    unwrap(wrapped, id, aad) {
      const key = keys.get(id);
      if (!key) throw new Error(`master key ${id} is not configured (set it in TESSERA_PREVIOUS_MASTER_KEYS)`);
      return open(key, wrapped, `wrap:${aad}`);
    },
    has: (id) => keys.has(id),
  };
}
