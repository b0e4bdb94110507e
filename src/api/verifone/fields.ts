/**
 * Domain field → Verifone parameter path. The merchant domain names its own inputs (`tokenScope`,
 * `encryptedCard.cardNumber`, `id`); the Verifone envelope names what the client sent, prefixed `body.`,
 * `query.` or `params.` as the contract asks. This table is the only place that knows both.
 */

/** Fields of the request body, by domain name. */
const BODY: Readonly<Record<string, string>> = {
  tokenScope: 'token_scope',
  publicKeyAlias: 'public_key_alias',
  encryptedCard: 'encrypted_card',
  cardBrand: 'card_brand',
  tokenType: 'token_type',
  reuseTokenType: 'reuse_token_type',
  tokenExpiryDate: 'token_expiry_date',
  tokenContext: 'token_context',
  'tokenContext.entityId': 'token_context.entity_id',
  'tokenContext.paymentProviderContract': 'token_context.payment_provider_contract',
  cvv: 'cvv',
  cardHolderName: 'card_holder_name',
  cardHolderEmail: 'card_holder_email',
  expiryMonth: 'expiry_month',
  expiryYear: 'expiry_year',
  schemeTokenAction: 'scheme_token_action',
};

/** Templated parameters of the URL, by domain name. */
const PARAMS: Readonly<Record<string, string>> = {
  id: 'id',
};

/** Inside the decrypted card the domain keeps the card JSON's own names (`cardNumber`, `captureTime`…). */
const CARD_PREFIX = 'encryptedCard.';

const snakeCase = (name: string) => name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);

export function verifonePath(field: string): string {
  if (Object.hasOwn(PARAMS, field)) return `params.${PARAMS[field]}`;
  if (Object.hasOwn(BODY, field)) return `body.${BODY[field]}`;
  if (field.startsWith(CARD_PREFIX)) return `body.encrypted_card.${field.slice(CARD_PREFIX.length)}`;
  // A field this table does not know yet still names the body parameter the contract's convention gives it,
  // rather than failing the answer.
  return `body.${field.split('.').map(snakeCase).join('.')}`;
}
