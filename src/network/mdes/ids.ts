/** Identifier formats of Mastercard Digital Enablement Service (DOMAIN.md section 5). */
import { MIXED_ALNUM, randomDigits, randomFrom, randomHex } from '../random.js';
import type { Wallet } from '../types.js';

/**
 * MDES token unique reference: 6 letters + 42 lower-case hex. The letters name the token's storage domain in
 * real MDES; Apple Pay tokens live in a secure element (`DAPLMC`), the others in a wallet server (`DWSPMC`).
 */
export function mdesTokenRef(wallet: Wallet): string {
  const prefix = wallet === 'APPLE_PAY' ? 'DAPLMC' : 'DWSPMC';
  return `${prefix}${randomHex(42)}`;
}

/** MDES PAN unique reference: `FWSPMC` + 42 lower-case hex. */
export function mdesPanRef(): string {
  return `FWSPMC${randomHex(42)}`;
}

/** MDES correlation / tracking id: `D` + 13 digits. */
export function correlationId(): string {
  return `D${randomDigits(13)}`;
}

/** MDES payment app instance id: 48 alphanumerics, as wallets generate them per app installation. */
export function paymentAppInstanceId(): string {
  return randomFrom(MIXED_ALNUM, 48);
}
