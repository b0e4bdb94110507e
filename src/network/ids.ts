/**
 * Identifier formats of the simulated networks (DOMAIN.md section 5). Every random part comes from
 * node:crypto so that references cannot be predicted from one another (they are handed to wallets and issuers).
 */
import { randomBytes, randomInt } from 'node:crypto';
import { detectBrand } from '../cards/brand.js';
import { luhnCheckDigit } from '../cards/luhn.js';
import type { PaymentNetwork, Wallet } from './types.js';

const UPPER_ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const MIXED_ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function randomDigits(n: number): string {
  let out = '';
  for (let i = 0; i < n; i++) out += String(randomInt(10));
  return out;
}

function randomFrom(alphabet: string, n: number): string {
  let out = '';
  for (let i = 0; i < n; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

function randomHex(n: number): string {
  return randomBytes(Math.ceil(n / 2)).toString('hex').slice(0, n);
}

/** Visa token reference: `DNITHE` + 18 digits. */
export function visaTokenRef(): string {
  return `DNITHE${randomDigits(18)}`;
}

/** Visa PAN reference: `V-` + 22 digits. */
export function visaPanRef(): string {
  return `V-${randomDigits(22)}`;
}

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

/** Payment Account Reference: 29 upper-case alphanumerics, led by the BIN controller id of the network. */
export function par(network: PaymentNetwork): string {
  const controller = network === 'vts' ? 'V001' : '5001';
  return controller + randomFrom(UPPER_ALNUM, 29 - controller.length);
}

/** MDES correlation / tracking id: `D` + 13 digits. */
export function correlationId(): string {
  return `D${randomDigits(13)}`;
}

/** MDES payment app instance id: 48 alphanumerics, as wallets generate them per app installation. */
export function paymentAppInstanceId(): string {
  return randomFrom(MIXED_ALNUM, 48);
}

/** VTS walletAccountEmailAddressHash: 64 upper-case hex; random because the simulator never sees an e-mail. */
export function walletAccountHash(): string {
  return randomHex(64).toUpperCase();
}

/**
 * A network token number: a Luhn-valid PAN of the card's brand and length, never equal to the card's PAN.
 * Only brands the simulated networks carry are accepted (Visa on VTS, Mastercard on MDES).
 */
export function networkTokenNumber(pan: string): string {
  const brand = detectBrand(pan);
  let prefix: string;
  if (brand === 'VISA') prefix = '4';
  else if (brand === 'MASTERCARD') prefix = `5${randomInt(1, 6)}`; // 51–55 keeps the token in the classic MC range
  else throw new TypeError('networkTokenNumber: only Visa and Mastercard PANs are tokenized'); // no PAN echoed
  for (;;) {
    const payload = prefix + randomDigits(pan.length - prefix.length - 1);
    const candidate = payload + luhnCheckDigit(payload);
    if (candidate !== pan) return candidate;
  }
}

export interface TokenRequestor {
  id: string;
  name: string;
  /** What the issuer API calls `wallet_id`: the MDES wallet id, or the token requestor id on VTS (contract example). */
  walletId: string;
}

/**
 * Fixed token requestors per network and wallet (11 digits; Visa 400…, MDES 501…). Apple Pay on VTS and
 * Google Pay on MDES are the ids real material shows; the others are stable made-up ids of the same shape.
 */
export const TOKEN_REQUESTORS: Readonly<Record<PaymentNetwork, Readonly<Record<Wallet, TokenRequestor>>>> = {
  vts: {
    APPLE_PAY: { id: '40010030273', name: 'APPLE_PAY', walletId: '40010030273' },
    GOOGLE_PAY: { id: '40010075001', name: 'GOOGLE_PAY', walletId: '40010075001' },
    SAMSUNG_PAY: { id: '40010043095', name: 'SAMSUNG_PAY', walletId: '40010043095' },
    CARD_ON_FILE: { id: '40000000045', name: 'CARD_ON_FILE', walletId: '40000000045' },
  },
  mdes: {
    APPLE_PAY: { id: '50110030273', name: 'APPLE', walletId: '103' },
    GOOGLE_PAY: { id: '50120834693', name: 'GOOGLE', walletId: '216' },
    SAMSUNG_PAY: { id: '50139059239', name: 'SAMSUNG', walletId: '217' },
    CARD_ON_FILE: { id: '50150000045', name: 'CARD_ON_FILE', walletId: '327' },
  },
};

export function tokenRequestor(network: PaymentNetwork, wallet: Wallet): TokenRequestor {
  return TOKEN_REQUESTORS[network][wallet];
}

/** The random identifiers the simulator draws, injectable so tests can observe or pin them. */
export interface IdSource {
  tokenRef(network: PaymentNetwork, wallet: Wallet): string;
  panRef(network: PaymentNetwork): string;
  par(network: PaymentNetwork): string;
  networkTokenNumber(pan: string): string;
  correlationId(): string;
  paymentAppInstanceId(): string;
  walletAccountHash(): string;
}

export const randomIds: IdSource = Object.freeze({
  tokenRef: (network: PaymentNetwork, wallet: Wallet) => (network === 'vts' ? visaTokenRef() : mdesTokenRef(wallet)),
  panRef: (network: PaymentNetwork) => (network === 'vts' ? visaPanRef() : mdesPanRef()),
  par,
  networkTokenNumber,
  correlationId,
  paymentAppInstanceId,
  walletAccountHash,
});
