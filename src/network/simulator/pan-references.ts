/**
 * Stable per-card references: a network assigns one PAN reference and one PAR to a card, and every later token
 * of that card carries the same ones. They are kept (in the simulator's store) under an HMAC of the PAN with the
 * simulator's own key, so its state never holds a PAN (nor a bare hash of one, which a 10^9-guess search would
 * reverse). A store that outlives the process needs a key that does too: see SimulatorOptions.panReferenceKey.
 */
import { createHmac, hkdfSync } from 'node:crypto';
import type { IdSource } from '../ids.js';
import type { PaymentNetwork } from '../types.js';
import type { PanReferences, SimulatorStore } from './store.js';

export type { PanReferences } from './store.js';

export interface PanReferenceRegistry {
  /** The card's references on `network`, created on first sight. */
  lookup(network: PaymentNetwork, pan: string): Promise<PanReferences>;
}

export function createPanReferenceRegistry(
  ids: Pick<IdSource, 'panRef' | 'par'>,
  store: Pick<SimulatorStore, 'panReferences'>,
  key: Buffer,
): PanReferenceRegistry {
  return {
    lookup(network, pan) {
      const fingerprint = `${network}:${createHmac('sha256', key).update(pan).digest('base64url')}`;
      return store.panReferences(fingerprint, () => ({ panRef: ids.panRef(network), par: ids.par(network) }));
    },
  };
}

/**
 * A registry key that stays the same across restarts, derived from a secret the deployment keeps anyway (the
 * master key in-process, the shared network secret for `tessera network-sim`); never that secret itself. After a
 * master-key rotation, cards the simulator had seen get new references on their next provisioning: simulated
 * references only, the issuer's data is unaffected.
 */
export function derivePanReferenceKey(secret: Buffer | string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), 'tessera network simulator: PAN references', 32));
}
