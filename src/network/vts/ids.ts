/** Identifier formats of Visa Token Service (DOMAIN.md section 5). */
import { randomDigits, randomHex } from '../random.js';

/** Visa token reference: `DNITHE` + 18 digits. */
export function visaTokenRef(): string {
  return `DNITHE${randomDigits(18)}`;
}

/** Visa PAN reference: `V-` + 22 digits. */
export function visaPanRef(): string {
  return `V-${randomDigits(22)}`;
}

/** VTS walletAccountEmailAddressHash: 64 upper-case hex; random because the simulator never sees an e-mail. */
export function walletAccountHash(): string {
  return randomHex(64).toUpperCase();
}
