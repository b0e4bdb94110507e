/**
 * Sealing of sensitive records under an owner's current data key. The associated data names the owner and the
 * object, so a sealed value moved to another row or another merchant no longer opens.
 */
import { open, seal } from '../vault/envelope.js';
import { fingerprint } from '../vault/fingerprint.js';
import { analyticsToken } from '../vault/token-ids.js';
import type { DataKeys } from './data-keys.js';

export interface Sealed {
  sealed: string;
  keyVersion: number;
}

export interface SealedData {
  seal(owner: string, objectId: string, value: unknown): Promise<Sealed>;
  open<T>(owner: string, objectId: string, sealed: Sealed): Promise<T>;
  /** Keyed fingerprint of a PAN: stable for an owner, unrelated across owners. */
  panFingerprint(owner: string, pan: string): Promise<string>;
  analyticsToken(owner: string, pan: string): Promise<string>;
}

const aad = (owner: string, objectId: string, version: number) => `record:${owner}:${objectId}:v${version}`;

export function createSealedData(dataKeys: DataKeys): SealedData {
  // Fingerprint keys never rotate: a new key would make every known card look new.
  const fingerprintKey = async (owner: string) => (await dataKeys.current(owner, 'fingerprint')).key;
  return {
    async seal(owner, objectId, value) {
      const { version, key } = await dataKeys.current(owner, 'data');
      const sealed = seal(key, Buffer.from(JSON.stringify(value), 'utf8'), aad(owner, objectId, version));
      return { sealed: sealed.toString('base64'), keyVersion: version };
    },
    async open<T>(owner: string, objectId: string, { sealed, keyVersion }: Sealed): Promise<T> {
      const key = await dataKeys.get(owner, 'data', keyVersion);
      const plain = open(key, Buffer.from(sealed, 'base64'), aad(owner, objectId, keyVersion));
      return JSON.parse(plain.toString('utf8')) as T;
    },
    async panFingerprint(owner, pan) {
      return fingerprint(await fingerprintKey(owner), 'pan', pan);
    },
    async analyticsToken(owner, pan) {
      return analyticsToken(await fingerprintKey(owner), pan);
    },
  };
}
