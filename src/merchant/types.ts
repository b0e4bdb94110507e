/**
 * The merchant domain's own inputs and views, in its own words (camelCase, no vendor body). The Verifone edge
 * (`src/api/verifone/requests.ts`, `responses.ts`) translates its request bodies into these and these into its
 * response bodies; nothing here knows which API a merchant called.
 */
import type { BinRecord } from '../cards/index.js';

export type TokenType = 'REUSE' | 'ANALYTICS' | 'REUSE_AND_ANALYTICS';
export type ReuseTokenType = 'INTERNAL' | 'CHASE' | 'TAVE';
export type TokenStatus = 'ACTIVE' | 'SUSPENDED' | 'DELETED';
export type SchemeTokenAction = 'ACTIVATE' | 'SUSPEND' | 'DELETE';

/** Who is calling: the merchant and the API key it authenticated with. */
export type { MerchantCaller } from '../auth/merchant-caller.js';

/** Where a token is used: required for third-party (format-preserving) tokens. */
export interface TokenContext {
  entityId?: string;
  paymentProviderContract?: string;
}

/** Tokenize a client-encrypted card, or refresh the live token that already stands for it in the scope. */
export interface TokenizeInput {
  tokenScope: string;
  publicKeyAlias: string;
  /** Base64 of an ASCII-armored OpenPGP message to one of the merchant's capture keys. */
  encryptedCard: string;
  cardBrand?: string;
  /** REUSE when omitted. */
  tokenType?: TokenType;
  /** INTERNAL when omitted. */
  reuseTokenType?: ReuseTokenType;
  /** YYYY-MM-DD; the scope's token lifetime when omitted. */
  tokenExpiryDate?: string;
  tokenContext?: TokenContext;
}

/** A partial update of a token: only the fields present change. */
export interface UpdateTokenInput {
  encryptedCard?: string;
  publicKeyAlias?: string;
  /** Checked, never stored. */
  cvv?: string;
  cardHolderName?: string;
  cardHolderEmail?: string;
  expiryMonth?: number;
  expiryYear?: number;
  tokenExpiryDate?: string;
  schemeTokenAction?: SchemeTokenAction;
}

/**
 * The card-on-file network token held for a reuse token, as its merchant may see it: the status always; the
 * number and its expiry only to a merchant that is the token's requestor; the PAR only with `par` in the scope.
 */
export interface SchemeTokenView {
  status: 'VALID' | 'SUSPENDED' | 'DELETED';
  networkToken?: string;
  expiryMonth?: number;
  expiryYear?: number;
  paymentAccountReference?: string;
}

/** What a token looks like to its merchant: never the PAN, at most BIN and last four. */
export interface TokenView {
  reuseToken?: string;
  analyticsToken?: string;
  tokenType: TokenType;
  reuseTokenType: ReuseTokenType;
  tokenScope: string;
  status: TokenStatus;
  bin: string;
  lastFour: string;
  brand?: string;
  expiryMonth: number;
  expiryYear: number;
  cardHolderName?: string;
  cardHolderEmail?: string;
  binRecord?: BinRecord;
  /** ISO 8601 timestamps. */
  createdAt: string;
  updatedAt: string;
  /** YYYY-MM-DD. */
  tokenExpiryDate: string;
  schemeToken?: SchemeTokenView;
}

/** A cryptogram request for a reuse token's scheme token: amount in minor units, with its currency. */
export interface CryptogramInput {
  amount?: number;
  currency?: string;
  transactionType?: 'CIT' | 'MIT';
}

/** What a merchant pays with: the network token, its expiry, a single-use cryptogram and the ECI to send with it. */
export interface CryptogramView {
  network: string;
  networkToken: string;
  expiryMonth: number;
  expiryYear: number;
  cryptogram: string;
  eci: string;
}
