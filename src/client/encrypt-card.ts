/**
 * Merchant-side card capture: turns card data into the Verifone-compatible `encrypted_card` string.
 *
 * Shipped to browsers as well as Node, so it imports nothing but 'openpgp' and uses web-platform globals only.
 * Format (DOMAIN.md §3): one-line JSON → OpenPGP message to the capture public key → ASCII armor → base64.
 */
import { createMessage, encrypt, readKey, type Key } from 'openpgp';
import { textToBase64 } from './base64.js';
import { decodeDistributedPublicKey } from './public-key.js';

export { decodeDistributedPublicKey, encodePublicKeyForDistribution } from './public-key.js';
export { verifyWebhook, WebhookVerificationError, type TesseraCloudEvent, type VerifyOptions, type WebhookHeaders } from './verify-webhook.js';

export interface CardInput {
  cardNumber: string;
  expiryMonth: number;
  expiryYear: number;
  cvv?: string;
  cardholderName?: string;
  sequenceNumber?: string;
  startMonth?: number;
  startYear?: number;
  /** RFC 3339 UTC; defaults to now. The server rejects blobs older than 15 minutes after this. */
  captureTime?: string;
}

type FieldKind = 'string' | 'integer';

// Serialisation order follows the vendor's documented example; optional fields go before captureTime.
// Copying only these names also keeps stray properties a JS caller may pass along out of the ciphertext.
const FIELDS: ReadonlyArray<readonly [keyof CardInput, FieldKind, boolean]> = [
  ['cardNumber', 'string', true],
  ['expiryMonth', 'integer', true],
  ['expiryYear', 'integer', true],
  ['cvv', 'string', false],
  ['cardholderName', 'string', false],
  ['sequenceNumber', 'string', false],
  ['startMonth', 'integer', false],
  ['startYear', 'integer', false],
  ['captureTime', 'string', false],
];

/** Current time as RFC 3339 UTC without fractional seconds, e.g. `2026-11-22T10:00:00Z`. */
export function captureTimeNow(now: Date = new Date()): string {
  return now.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Builds the plaintext JSON. Type checks are only there so JSON.stringify cannot silently produce something
 * the server would misread (NaN → null, a number as card number…); full validation is the server's job.
 * Errors name the field, never its value: the value may be a PAN or CVV.
 */
export function serializeCard(card: CardInput, now: Date = new Date()): string {
  const source = { ...card, captureTime: card.captureTime ?? captureTimeNow(now) };
  const out: Record<string, string | number> = {};
  for (const [name, kind, required] of FIELDS) {
    const value: unknown = source[name];
    // null is treated like undefined: JS callers often pass null for an empty optional form field.
    if (value === undefined || value === null) {
      if (required) throw new TypeError(`card.${name} is required`);
      continue;
    }
    const ok = kind === 'string' ? typeof value === 'string' : Number.isSafeInteger(value);
    if (!ok) throw new TypeError(`card.${name} must be ${kind === 'string' ? 'a string' : 'an integer'}`);
    out[name] = value as string | number;
  }
  // JSON.stringify without an indent argument emits one line with no insignificant whitespace.
  return JSON.stringify(out);
}

/** Encrypts the card to the merchant's capture public key and returns the `encrypted_card` string. */
export async function encryptCard(card: CardInput, publicKeyBase64: string): Promise<string> {
  const plaintext = serializeCard(card);
  const armoredKey = decodeDistributedPublicKey(publicKeyBase64);
  let key: Key;
  try {
    key = await readKey({ armoredKey });
  } catch {
    throw new Error('public key is not a valid OpenPGP key');
  }
  // A private key would also "work" here (its public half is used), but it means a merchant is about to ship
  // the capture private key to browsers: refuse loudly instead.
  if (key.isPrivate()) throw new Error('expected a public key, got a private key');
  const message = await createMessage({ text: plaintext });
  const armored = await encrypt({ message, encryptionKeys: key, format: 'armored' });
  return textToBase64(armored);
}
