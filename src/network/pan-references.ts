/**
 * Stable per-card references: a network assigns one PAN reference and one PAR to a card, and every later token
 * of that card carries the same ones. The registry is keyed by an HMAC of the PAN under a random per-instance key,
 * so the simulator's memory never holds a PAN (nor a bare hash of one, which a 10^9-guess search would reverse).
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { IdSource } from './ids.js';
import type { PaymentNetwork } from './types.js';

export interface PanReferences {
  panRef: string;
  par: string;
}

export interface PanReferenceRegistry {
  /** The card's references on `network`, created on first sight. */
  lookup(network: PaymentNetwork, pan: string): PanReferences;
}

export function createPanReferenceRegistry(ids: Pick<IdSource, 'panRef' | 'par'>): PanReferenceRegistry {
  const key = randomBytes(32);
  const known = new Map<string, PanReferences>();
  return {
    lookup(network, pan) {
      const fingerprint = `${network}:${createHmac('sha256', key).update(pan).digest('base64url')}`;
      let refs = known.get(fingerprint);
      if (!refs) {
        refs = { panRef: ids.panRef(network), par: ids.par(network) };
        known.set(fingerprint, refs);
      }
      return { ...refs };
    },
  };
}
