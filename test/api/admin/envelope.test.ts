/** The admin edge's mapping of domain field paths and object kinds to the answers the API has always given. */
import { describe, expect, it } from 'vitest';
import { adminDetails, adminField } from '../../../src/api/admin/envelope.js';

describe('admin envelope field paths', () => {
  it('puts a domain field under body. in snake_case, segment by segment', () => {
    expect(adminField('name')).toBe('body.name');
    expect(adminField('cardholderName')).toBe('body.cardholder_name');
    expect(adminField('expiryYear')).toBe('body.expiry_year');
    expect(adminField('card.expiryMonth')).toBe('body.card.expiry_month');
  });

  it('keeps a field that names its location (query-string cursors and filters)', () => {
    expect(adminField('body.org_id')).toBe('body.org_id');
    expect(adminField('params.id')).toBe('params.id');
  });

  it('gives one message per field, the first issue winning, in order', () => {
    expect(
      adminDetails([
        { field: 'pan', reason: 'invalid', message: 'fails the Luhn check' },
        { field: 'expiryYear', reason: 'expired', message: 'the card has expired' },
        { field: 'pan', reason: 'invalid', message: 'second' },
      ]),
    ).toEqual({ 'body.pan': 'fails the Luhn check', 'body.expiry_year': 'the card has expired' });
  });
});
