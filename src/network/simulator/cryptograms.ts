/**
 * The simulated network's payment cryptograms (Visa TAVV, Mastercard DSRP-style): 20 bytes, sent as base64 (28
 * characters). The first 8 bytes are a random cryptogram id (the nonce, under which the network keeps what it was
 * issued for); the other 12 are an HMAC-SHA256, under a key of the simulator, over the network, the id, the token,
 * the token requestor, the amount and currency (when given), the transaction type and the issue time. Changing
 * any byte makes it unknown or not genuine.
 *
 * ECI per network and transaction type [ours, modelled on the schemes' tokenized e-commerce values]: Visa `05`
 * for a customer-initiated payment, `07` for a merchant-initiated one; Mastercard `02` and `07` alike.
 */
import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { PaymentNetwork, TransactionType } from '../types.js';

/** How long a cryptogram may be used after it was issued. */
export const CRYPTOGRAM_VALIDITY_MS = 5 * 60_000;
export const CRYPTOGRAM_BYTES = 20;
const ID_BYTES = 8;

export const ECI: Record<PaymentNetwork, Record<TransactionType, string>> = {
  vts: { CIT: '05', MIT: '07' },
  mdes: { CIT: '02', MIT: '07' },
};

/** What the network keeps of an issued cryptogram (never the cryptogram itself: its MAC can be computed again). */
export interface CryptogramRecord {
  id: string;
  network: PaymentNetwork;
  tokenRef: string;
  tokenRequestorId: string;
  amount?: number;
  currency?: string;
  transactionType: TransactionType;
  eci: string;
  issuedAt: string;
  expiresAt: string;
}

export interface CryptogramCodec {
  /** A new cryptogram id and the cryptogram for `record` (whose id is replaced by the new one). */
  issue(record: Omit<CryptogramRecord, 'id'>): { record: CryptogramRecord; cryptogram: string };
  /** The cryptogram id a value carries, or undefined when it is not a cryptogram at all. */
  idOf(cryptogram: string): string | undefined;
  /** Whether `cryptogram` is the genuine one of `record`. */
  isGenuine(cryptogram: string, record: CryptogramRecord): boolean;
}

const SHAPE = /^[A-Za-z0-9+/]{27}=$/;

export function createCryptogramCodec(secret: Buffer): CryptogramCodec {
  const key = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), 'tessera network simulator: cryptograms', 32));
  const mac = (record: CryptogramRecord): Buffer =>
    createHmac('sha256', key)
      .update(
        JSON.stringify([
          record.network,
          record.id,
          record.tokenRef,
          record.tokenRequestorId,
          record.amount ?? null,
          record.currency ?? null,
          record.transactionType,
          record.issuedAt,
        ]),
      )
      .digest()
      .subarray(0, CRYPTOGRAM_BYTES - ID_BYTES);
  const decode = (cryptogram: string): Buffer | undefined => {
    if (!SHAPE.test(cryptogram)) return undefined;
    const bytes = Buffer.from(cryptogram, 'base64');
    return bytes.length === CRYPTOGRAM_BYTES ? bytes : undefined;
  };
  return {
    issue(fields) {
      const record: CryptogramRecord = { ...fields, id: randomBytes(ID_BYTES).toString('hex') };
      return { record, cryptogram: Buffer.concat([Buffer.from(record.id, 'hex'), mac(record)]).toString('base64') };
    },
    idOf(cryptogram) {
      return decode(cryptogram)?.subarray(0, ID_BYTES).toString('hex');
    },
    isGenuine(cryptogram, record) {
      const bytes = decode(cryptogram);
      return bytes !== undefined && bytes.subarray(0, ID_BYTES).toString('hex') === record.id && timingSafeEqual(bytes.subarray(ID_BYTES), mac(record));
    },
  };
}
