/**
 * Verifone request → merchant domain input. Bodies arrive already validated against the contract's schemas
 * (PutDto, PatchDto); here they are only renamed into the domain's words (merchant/types.ts).
 */
import type { FastifyRequest } from 'fastify';
import type { components } from '../../contracts/verifone.js';
import type { MerchantCaller, TokenizeInput, UpdateTokenInput } from '../../merchant/types.js';

type PutDto = components['schemas']['PutDto'];
type PatchDto = components['schemas']['PatchDto'];

/**
 * The PUT body as it reaches us: Ajv applies no schema defaults (`useDefaults: false`), so the two fields the
 * contract gives defaults may be absent; the domain applies the same defaults.
 */
export type PutBody = Omit<PutDto, 'token_type' | 'reuse_token_type'> & Partial<Pick<PutDto, 'token_type' | 'reuse_token_type'>>;
export type PatchBody = PatchDto;
export interface IdParams {
  id: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    merchantCaller?: MerchantCaller;
  }
}

/** The `{id}` path parameter (the contract's reuse-token id: 14 to 255 characters). */
export const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 14, maxLength: 255 } },
} as const;

/** The merchant the auth hook identified (routes.ts runs it before any operation). */
export function callerOf(request: FastifyRequest): MerchantCaller {
  if (!request.merchantCaller) throw new Error('route reached without authentication');
  return request.merchantCaller;
}

export function tokenizeInput(body: PutBody): TokenizeInput {
  const input: TokenizeInput = { tokenScope: body.token_scope, publicKeyAlias: body.public_key_alias, encryptedCard: body.encrypted_card };
  if (body.card_brand !== undefined) input.cardBrand = body.card_brand;
  if (body.token_type !== undefined) input.tokenType = body.token_type;
  if (body.reuse_token_type !== undefined) input.reuseTokenType = body.reuse_token_type;
  if (body.token_expiry_date !== undefined) input.tokenExpiryDate = body.token_expiry_date;
  if (body.token_context !== undefined) {
    const context = body.token_context;
    input.tokenContext = {};
    if (context.entity_id !== undefined) input.tokenContext.entityId = context.entity_id;
    if (context.payment_provider_contract !== undefined) input.tokenContext.paymentProviderContract = context.payment_provider_contract;
  }
  return input;
}

/** PatchDto field → domain field. Parameters the contract does not define are not passed on. */
const PATCH_FIELDS: { readonly [Field in keyof PatchDto]-?: keyof UpdateTokenInput } = {
  encrypted_card: 'encryptedCard',
  public_key_alias: 'publicKeyAlias',
  cvv: 'cvv',
  card_holder_name: 'cardHolderName',
  card_holder_email: 'cardHolderEmail',
  expiry_month: 'expiryMonth',
  expiry_year: 'expiryYear',
  token_expiry_date: 'tokenExpiryDate',
  scheme_token_action: 'schemeTokenAction',
};

/** Built in the order the client sent the fields: the domain's audit record lists them in that order. */
export function updateTokenInput(body: PatchBody | undefined): UpdateTokenInput {
  const input: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(body ?? {})) {
    if (value !== undefined && Object.hasOwn(PATCH_FIELDS, field)) input[PATCH_FIELDS[field as keyof PatchDto]] = value;
  }
  // Each value was validated against PatchDto, whose types UpdateTokenInput mirrors field for field.
  return input as UpdateTokenInput;
}
