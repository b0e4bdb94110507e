/**
 * The vault's strict decoders (src/vault/encoding.ts, node's Buffer) take exactly what the client's
 * (src/client/base64.ts, web-platform globals) take, and decode it to the same bytes and text.
 */
import { describe, expect, it } from 'vitest';
import { base64ToBytes, textToBase64, utf8Decode } from '../../src/client/base64.js';
import { decodeBase64Strict, decodeUtf8Strict } from '../../src/vault/encoding.js';

const BASE64_INPUTS = [
  '',
  'QQ==',
  'QUI=',
  'QUJD',
  'QUJDRA==',
  textToBase64('-----BEGIN PGP MESSAGE-----\n\nwV4D…\n-----END PGP MESSAGE-----\n'),
  'QUJD\r\nREVG\nR0g=',
  ' QUJD\tREVG ',
  'QQ', // unpadded
  'QQ=',
  'QUJD=',
  'Q===',
  'QU*D',
  'QUJD-_8=', // URL-safe alphabet
  '!!!not base64###',
  '{"cardNumber":"4111111111111111"}',
  '////',
  '++++',
  'QUJD\u00a0', // a non-ASCII space is not whitespace here
];

describe('vault decoders', () => {
  it('accept and refuse the same base64 as the client, with the same bytes', () => {
    for (const input of BASE64_INPUTS) {
      const ours = decodeBase64Strict(input);
      const client = base64ToBytes(input);
      expect(ours === null, JSON.stringify(input)).toBe(client === null);
      if (ours !== null && client !== null) expect(Array.from(ours)).toEqual(Array.from(client));
    }
  });

  it('decode UTF-8 strictly, like the client: invalid sequences are null, a BOM is kept', () => {
    const cases = [[0x68, 0x69], [0xef, 0xbb, 0xbf, 0x41], [0xc3, 0xa9], [0xc3], [0xff, 0xfe], [0xed, 0xa0, 0x80], []];
    for (const bytes of cases) {
      expect(decodeUtf8Strict(Uint8Array.from(bytes))).toBe(utf8Decode(Uint8Array.from(bytes)));
    }
    expect(decodeUtf8Strict(Uint8Array.from([0xc3]))).toBeNull();
  });
});
