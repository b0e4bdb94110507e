/**
 * Shapes a TokenView into the contract's three response bodies (CardResponse, TokenResponse, PatchTokenResponse).
 */
import type { TokenView } from './token-service.js';

const date = (iso: string) => iso.slice(0, 10);

function binDetails(view: TokenView) {
  const record = view.binRecord;
  return {
    bin: view.bin,
    last_four: view.lastFour,
    ...(view.brand ? { brand: view.brand } : {}),
    ...(record?.issuer_name ? { issuer_name: record.issuer_name } : {}),
    ...(record?.issuer_country ? { issuer_country: record.issuer_country } : {}),
    ...(record?.type ? { type: record.type } : {}),
    ...(record?.variant ? { variant: record.variant } : {}),
  };
}

function common(view: TokenView) {
  return {
    bin: view.bin,
    expiry_month: view.expiryMonth,
    expiry_year: view.expiryYear,
    last_four: view.lastFour,
    ...(view.cardHolderName ? { card_holder_name: view.cardHolderName } : {}),
    bin_details: binDetails(view),
    created_at: date(view.createdAt),
    updated_at: date(view.updatedAt),
    token_expiry_date: view.tokenExpiryDate,
    token_status: view.status,
    ...(view.binRecord?.currency ? { currency: view.binRecord.currency } : {}),
    ...(view.binRecord?.issuer_country ? { issuer_country: view.binRecord.issuer_country } : {}),
  };
}

/** PUT /api/v2/card → CardResponse */
export function cardResponse(view: TokenView) {
  return {
    ...(view.reuseToken ? { reuse_token: view.reuseToken } : {}),
    ...(view.analyticsToken ? { analytics_token: view.analyticsToken } : {}),
    ...common(view),
    reuse_token_type: view.reuseTokenType,
    token_scope: view.tokenScope,
  };
}

/** GET /api/v2/card/{id} → TokenResponse */
export function tokenResponse(view: TokenView) {
  const record = view.binRecord;
  return {
    ...cardResponse(view),
    ...(view.brand ? { brand: view.brand } : {}),
    ...(record?.issuer_name ? { issuer_name: record.issuer_name } : {}),
    ...(record?.type ? { type: record.type } : {}),
    ...(record?.variant ? { variant: record.variant } : {}),
  };
}

/** PATCH /api/v2/card/{id} → PatchTokenResponse */
export function patchResponse(view: TokenView) {
  return {
    ...common(view),
    ...(view.cardHolderEmail ? { card_holder_email: view.cardHolderEmail } : {}),
  };
}
