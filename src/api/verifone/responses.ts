/**
 * Shapes a merchant TokenView into the contract's three response bodies (CardResponse, TokenResponse,
 * PatchTokenResponse), typed by the generated contract.
 *
 * Built by plain property assignment, not conditional object spreads: these run on every read, and each
 * `...(cond ? {k} : {})` allocates and copies an object. Property order is the order the contract's examples
 * use and must not change (clients diff bodies), so each field is assigned in that order.
 */
import type { components } from '../../contracts/verifone.js';
import type { TokenView } from '../../merchant/types.js';
import { CURRENCIES, contractCountry, contractCurrency, type CurrencyList } from './bin-values.js';

type Schemas = components['schemas'];
export type CardResponse = Schemas['CardResponse'];
export type TokenResponse = Schemas['TokenResponse'];
export type PatchTokenResponse = Schemas['PatchTokenResponse'];
type BinDetails = Schemas['BinDetails'];
/** A body that may hold any field of the three responses; each function returns the ones its response has. */
type Shared = CardResponse & Partial<TokenResponse> & PatchTokenResponse;
// The BIN table holds ISO codes as plain strings: bin-values.ts keeps only (or maps to) the contract's enums.

const date = (iso: string) => iso.slice(0, 10);

/** `scheme_token`: the status always, the rest only as the view holds it (merchant is the token requestor, PAR). */
function schemeToken(view: TokenView): Schemas['SchemeToken'] | undefined {
  const scheme = view.schemeToken;
  if (!scheme) return undefined;
  const body: Schemas['SchemeToken'] = {};
  if (scheme.networkToken !== undefined) body.network_token = scheme.networkToken;
  body.status = scheme.status;
  if (scheme.expiryMonth !== undefined) body.expiry_month = scheme.expiryMonth;
  if (scheme.expiryYear !== undefined) body.expiry_year = scheme.expiryYear;
  if (scheme.paymentAccountReference !== undefined) body.payment_account_reference = scheme.paymentAccountReference;
  return body;
}

function binDetails(view: TokenView): BinDetails {
  const record = view.binRecord;
  const details: BinDetails = { bin: view.bin, last_four: view.lastFour };
  if (view.brand) details.brand = view.brand;
  if (record !== undefined) {
    if (record.issuer_name) details.issuer_name = record.issuer_name;
    const country = contractCountry(record.issuer_country);
    if (country) details.issuer_country = country;
    if (record.type) details.type = record.type;
    if (record.variant) details.variant = record.variant;
  }
  return details;
}

/** The fields every response shares, appended to `body` in contract order. */
function addCommon(body: Shared, view: TokenView, currencies: CurrencyList): Shared {
  const record = view.binRecord;
  body.bin = view.bin;
  body.expiry_month = view.expiryMonth;
  body.expiry_year = view.expiryYear;
  body.last_four = view.lastFour;
  if (view.cardHolderName) body.card_holder_name = view.cardHolderName;
  body.bin_details = binDetails(view);
  body.created_at = date(view.createdAt);
  body.updated_at = date(view.updatedAt);
  body.token_expiry_date = view.tokenExpiryDate;
  body.token_status = view.status;
  const currency = contractCurrency(record?.currency, currencies);
  // Checked against the list of this very response (its type is the intersection of the three responses' lists).
  if (currency) body.currency = currency as Shared['currency'];
  const country = contractCountry(record?.issuer_country);
  if (country) body.issuer_country = country;
  return body;
}

/** The CardResponse fields, which TokenResponse starts with. */
function cardBody(view: TokenView, currencies: CurrencyList): Shared & Pick<TokenResponse, 'reuse_token_type'> {
  const body: Shared = {};
  if (view.reuseToken) body.reuse_token = view.reuseToken;
  if (view.analyticsToken) body.analytics_token = view.analyticsToken;
  addCommon(body, view, currencies);
  body.reuse_token_type = view.reuseTokenType;
  body.token_scope = view.tokenScope;
  // reuse_token_type was just set: the one field TokenResponse requires.
  return body as Shared & Pick<TokenResponse, 'reuse_token_type'>;
}

/** PUT /api/v2/card → CardResponse */
export function cardResponse(view: TokenView): CardResponse {
  return cardBody(view, CURRENCIES.current);
}

/** GET /api/v2/card/{id} → TokenResponse */
export function tokenResponse(view: TokenView): TokenResponse {
  const record = view.binRecord;
  const body = cardBody(view, CURRENCIES.tokenResponse);
  if (view.brand) body.brand = view.brand;
  if (record?.issuer_name) body.issuer_name = record.issuer_name;
  if (record?.type) body.type = record.type;
  if (record?.variant) body.variant = record.variant;
  const scheme = schemeToken(view);
  if (scheme) body.scheme_token = scheme;
  return body;
}

/** PATCH /api/v2/card/{id} → PatchTokenResponse */
export function patchResponse(view: TokenView): PatchTokenResponse {
  const body = addCommon({}, view, CURRENCIES.current);
  if (view.cardHolderEmail) body.card_holder_email = view.cardHolderEmail;
  const scheme = schemeToken(view);
  if (scheme) body.scheme_token = scheme;
  return body;
}
