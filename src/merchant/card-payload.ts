/**
 * The decrypted `encryptedCard` plaintext (DOMAIN.md section 3): parse, then validate every field, naming each
 * invalid one as `encryptedCard.<field>` (the field names of the card JSON itself). Error texts never repeat the
 * values they reject.
 */
import { checkExpiry, detectBrand, normalizeExpiryYear, validatePan, type CardBrand } from '../cards/index.js';
import { InvalidInput, IssueList } from '../errors.js';

export interface CapturedCard {
  pan: string;
  brand: CardBrand | undefined;
  expiryMonth: number;
  expiryYear: number;
  cvvPresent: boolean;
  cardholderName?: string;
  sequenceNumber?: string;
  startMonth?: number;
  startYear?: number;
}

/** How long a captured card stays usable, and how far ahead of our clock a browser's clock may run. */
export const CAPTURE_VALIDITY_MS = 15 * 60 * 1000;
export const CAPTURE_FUTURE_SKEW_MS = 2 * 60 * 1000;
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt]([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)$/;

/** An RFC 3339 date-time naming a day that exists: Date.parse alone would roll 2026-11-31 over to December 1st. */
function isRfc3339DateTime(value: string): boolean {
  const match = RFC3339.exec(value);
  if (!match || Number.isNaN(Date.parse(value))) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

const KNOWN_FIELDS = new Set(['cardNumber', 'expiryMonth', 'expiryYear', 'cvv', 'cardholderName', 'captureTime', 'sequenceNumber', 'startMonth', 'startYear']);
export const MAX_HOLDER_NAME = 30;

const CARD = 'encryptedCard';
const FIELD = (name: string) => `${CARD}.${name}`;

/** Integers may arrive as numbers or digit strings (SDKs differ); anything else is invalid. */
function asInteger(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^\d{1,4}$/.test(value)) return Number(value);
  return undefined;
}

export function validateCvv(cvv: unknown, brand: string | undefined): string | undefined {
  if (typeof cvv !== 'string' || !/^\d+$/.test(cvv)) return 'must be a string of digits';
  const expected = brand === 'AMEX' ? [4] : brand === undefined ? [3, 4] : [3];
  return expected.includes(cvv.length) ? undefined : `must have ${expected.join(' or ')} digits`;
}

export function validateHolderName(name: unknown): string | undefined {
  if (typeof name !== 'string') return 'must be a string';
  if (name.trim().length === 0) return 'must not be empty';
  if (name.length > MAX_HOLDER_NAME) return `must be at most ${MAX_HOLDER_NAME} characters`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'must not contain control characters';
  return undefined;
}

export function parseCapturedCard(plaintext: string, now: Date): CapturedCard {
  let raw: unknown;
  try {
    raw = JSON.parse(plaintext);
  } catch {
    throw new InvalidInput({ field: CARD, reason: 'invalid', message: 'decrypted content is not valid JSON' });
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new InvalidInput({ field: CARD, reason: 'invalid', message: 'decrypted content must be a JSON object' });
  }
  const data = raw as Record<string, unknown>;
  const errors = new IssueList();

  for (const key of Object.keys(data)) {
    if (!KNOWN_FIELDS.has(key)) errors.add(FIELD(key), 'not_allowed', 'is not a known card field');
  }

  const captureTime = data.captureTime;
  if (captureTime === undefined) {
    errors.add(FIELD('captureTime'), 'required', 'is required');
  } else if (typeof captureTime !== 'string' || !isRfc3339DateTime(captureTime)) {
    errors.add(FIELD('captureTime'), 'invalid', 'must be an RFC 3339 date-time, e.g. 2026-11-22T10:00:00Z');
  } else {
    const age = now.getTime() - Date.parse(captureTime);
    if (age > CAPTURE_VALIDITY_MS) errors.add(FIELD('captureTime'), 'expired', 'is older than 15 minutes: capture the card again');
    else if (age < -CAPTURE_FUTURE_SKEW_MS) errors.add(FIELD('captureTime'), 'invalid', 'is in the future');
  }

  let pan = '';
  let brand: CardBrand | undefined;
  if (typeof data.cardNumber !== 'string') {
    if (data.cardNumber === undefined) errors.add(FIELD('cardNumber'), 'required', 'is required');
    else errors.add(FIELD('cardNumber'), 'invalid', 'must be a string of digits');
  } else {
    const check = validatePan(data.cardNumber);
    if (!check.ok) {
      errors.add(FIELD('cardNumber'), 'invalid', check.reason === 'luhn' ? 'fails the Luhn check' : 'must be 12 to 19 digits');
    } else {
      pan = data.cardNumber;
      brand = check.brand ?? detectBrand(pan);
    }
  }

  const month = asInteger(data.expiryMonth);
  const rawYear = asInteger(data.expiryYear);
  if (data.expiryMonth === undefined) errors.add(FIELD('expiryMonth'), 'required', 'is required');
  else if (month === undefined || month < 1 || month > 12) errors.add(FIELD('expiryMonth'), 'invalid', 'must be 1 to 12');
  if (data.expiryYear === undefined) errors.add(FIELD('expiryYear'), 'required', 'is required');
  else if (rawYear === undefined) errors.add(FIELD('expiryYear'), 'invalid', 'must be a 2 or 4 digit year');
  if (month !== undefined && month >= 1 && month <= 12 && rawYear !== undefined) {
    const expiry = checkExpiry(month, rawYear, now);
    if (expiry === 'invalid') errors.add(FIELD('expiryYear'), 'invalid', 'is not a possible expiry year');
    else if (expiry === 'expired') errors.add(FIELD('expiryYear'), 'expired', 'the card has expired');
  }

  if (data.cvv !== undefined) {
    const problem = validateCvv(data.cvv, brand);
    if (problem) errors.add(FIELD('cvv'), 'invalid', problem);
  }
  if (data.cardholderName !== undefined) {
    const problem = validateHolderName(data.cardholderName);
    if (problem) errors.add(FIELD('cardholderName'), 'invalid', problem);
  }
  if (data.sequenceNumber !== undefined && (typeof data.sequenceNumber !== 'string' || !/^\d{1,3}$/.test(data.sequenceNumber))) {
    errors.add(FIELD('sequenceNumber'), 'invalid', 'must be 1 to 3 digits');
  }
  const startMonth = data.startMonth === undefined ? undefined : asInteger(data.startMonth);
  const startYear = data.startYear === undefined ? undefined : asInteger(data.startYear);
  if (data.startMonth !== undefined && (startMonth === undefined || startMonth < 1 || startMonth > 12)) {
    errors.add(FIELD('startMonth'), 'invalid', 'must be 1 to 12');
  }
  if (data.startYear !== undefined && startYear === undefined) errors.add(FIELD('startYear'), 'invalid', 'must be a 2 or 4 digit year');

  errors.throwIfAny();
  return {
    pan,
    brand,
    expiryMonth: month as number,
    expiryYear: normalizeExpiryYear(rawYear as number),
    cvvPresent: data.cvv !== undefined,
    ...(typeof data.cardholderName === 'string' ? { cardholderName: data.cardholderName } : {}),
    ...(typeof data.sequenceNumber === 'string' ? { sequenceNumber: data.sequenceNumber } : {}),
    ...(startMonth !== undefined ? { startMonth } : {}),
    ...(startYear !== undefined ? { startYear: normalizeExpiryYear(startYear) } : {}),
  };
}
