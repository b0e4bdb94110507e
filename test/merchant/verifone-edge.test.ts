/**
 * The Verifone edge's translations, without a server: domain fields → Verifone parameter paths, request bodies →
 * domain inputs, and domain errors naming only domain fields (the HTTP suites prove the bytes end to end).
 */
import { describe, expect, it } from 'vitest';
import { verifonePath } from '../../src/api/verifone/fields.js';
import { tokenizeInput, updateTokenInput } from '../../src/api/verifone/requests.js';
import { InvalidInput } from '../../src/errors.js';
import { parseCapturedCard } from '../../src/merchant/card-payload.js';

describe('Verifone field paths', () => {
  it.each([
    ['tokenScope', 'body.token_scope'],
    ['publicKeyAlias', 'body.public_key_alias'],
    ['encryptedCard', 'body.encrypted_card'],
    ['encryptedCard.cardNumber', 'body.encrypted_card.cardNumber'],
    ['encryptedCard.somethingElse', 'body.encrypted_card.somethingElse'],
    ['tokenContext.entityId', 'body.token_context.entity_id'],
    ['tokenContext.paymentProviderContract', 'body.token_context.payment_provider_contract'],
    ['cardHolderName', 'body.card_holder_name'],
    ['expiryYear', 'body.expiry_year'],
    ['schemeTokenAction', 'body.scheme_token_action'],
    ['id', 'params.id'],
  ])('%s → %s', (field, path) => {
    expect(verifonePath(field)).toBe(path);
  });
});

describe('Verifone requests → domain inputs', () => {
  it('renames a PUT body, leaving absent fields absent (the domain applies the defaults)', () => {
    expect(tokenizeInput({ token_scope: 's', public_key_alias: 'a', encrypted_card: 'e', token_context: { entity_id: 'x' } })).toEqual({
      tokenScope: 's',
      publicKeyAlias: 'a',
      encryptedCard: 'e',
      tokenContext: { entityId: 'x' },
    });
  });

  it('renames a PATCH body in the order it was sent and drops parameters the contract does not define', () => {
    const input = updateTokenInput({ expiry_year: 2031, card_holder_name: 'J', cvv: '123', ...({ not_in_contract: 1 } as object) });
    expect(Object.keys(input)).toEqual(['expiryYear', 'cardHolderName', 'cvv']);
    expect(input).toEqual({ expiryYear: 2031, cardHolderName: 'J', cvv: '123' });
  });
});

describe('merchant domain errors', () => {
  it('name the decrypted card fields as encryptedCard.<field>, with neutral reasons and today’s messages', () => {
    const now = new Date('2026-12-01T12:00:00Z');
    const error = (() => {
      try {
        parseCapturedCard(JSON.stringify({ cardNumber: '4111111111111112', expiryMonth: 13, captureTime: now.toISOString(), extra: 1 }), now);
      } catch (thrown) {
        return thrown;
      }
      throw new Error('expected an InvalidInput');
    })();
    expect(error).toBeInstanceOf(InvalidInput);
    expect((error as InvalidInput).issues).toEqual([
      // Issue 11 point 8: the unknown field `extra` is ignored now, no longer an issue.
      { field: 'encryptedCard.cardNumber', reason: 'invalid', message: 'fails the Luhn check' },
      { field: 'encryptedCard.expiryMonth', reason: 'invalid', message: 'must be 1 to 12' },
      { field: 'encryptedCard.expiryYear', reason: 'required', message: 'is required' },
    ]);
  });
});
