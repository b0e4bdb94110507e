/**
 * The number of a card-on-file token, derived from its token reference under a key of the simulator, so the
 * network can hand the number to its token requestor again (a replayed request, a look-up) without ever storing
 * it: its records keep no full token number (record.ts). 16 digits, led by the network's token prefix, Luhn-valid,
 * never the card's own PAN.
 */
import { createHmac, hkdfSync } from 'node:crypto';
import { luhnCheckDigit } from '../../cards/luhn.js';
import { providerOf } from '../providers.js';
import type { PaymentNetwork } from '../types.js';

export const CARD_ON_FILE_TOKEN_LENGTH = 16;

export interface TokenNumbers {
  /** The token number of `tokenRef`; `pan` only to step aside in the 1-in-10^15 case of landing on it. */
  numberOf(network: PaymentNetwork, tokenRef: string, pan?: string): string;
}

export function createTokenNumbers(secret: Buffer): TokenNumbers {
  const key = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), 'tessera network simulator: token numbers', 32));
  return {
    numberOf(network, tokenRef, pan) {
      for (let round = 0; ; round++) {
        const digest = createHmac('sha256', key).update(`${network}:${tokenRef}:${round}`).digest();
        let digits = '';
        for (const byte of digest) digits += String(byte % 10);
        const payload = (providerOf(network).cardOnFileTokenPrefix + digits).slice(0, CARD_ON_FILE_TOKEN_LENGTH - 1);
        const candidate = payload + luhnCheckDigit(payload);
        if (candidate !== pan) return candidate;
      }
    },
  };
}
