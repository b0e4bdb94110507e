import { readFile, readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { base64ToBytes, base64ToText, bytesToBase64, textToBase64, utf8Decode } from '../../src/client/base64.js';
import {
  captureTimeNow,
  decodeDistributedPublicKey,
  encodePublicKeyForDistribution,
  encryptCard,
  serializeCard,
  type CardInput,
} from '../../src/client/encrypt-card.js';
import { generateCaptureKeyPair, loadCaptureDecryptor, type CaptureDecryptor, type CaptureKeyPair } from '../../src/vault/capture-keys.js';

const RFC3339_UTC_SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

describe('serializeCard', () => {
  it('emits one line of compact JSON with no whitespace at all', () => {
    const json = serializeCard({
      cardNumber: '4111111111111111',
      expiryMonth: 12,
      expiryYear: 2029,
      cvv: '123',
      cardholderName: 'JaneDoe',
      captureTime: '2026-11-22T10:00:00Z',
    });
    expect(json).toBe(
      '{"cardNumber":"4111111111111111","expiryMonth":12,"expiryYear":2029,"cvv":"123",' + '"cardholderName":"JaneDoe","captureTime":"2026-11-22T10:00:00Z"}',
    );
    expect(json).not.toMatch(/\s/);
  });

  it('keeps spaces inside values but adds none between tokens', () => {
    const json = serializeCard({ cardNumber: '4111', expiryMonth: 1, expiryYear: 2030, cardholderName: 'Jane  Doe' });
    expect(json).toBe(JSON.stringify(JSON.parse(json)));
    expect(json.replace('Jane  Doe', '')).not.toMatch(/\s/);
  });

  it('omits undefined (and null) optional fields and ignores unknown properties', () => {
    const card = {
      cardNumber: '4111111111111111',
      expiryMonth: 12,
      expiryYear: 2029,
      cvv: undefined,
      cardholderName: null,
      startMonth: undefined,
      captureTime: '2026-11-22T10:00:00Z',
      somethingElse: 'leak me',
    } as unknown as CardInput;
    const parsed = JSON.parse(serializeCard(card)) as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual(['cardNumber', 'expiryMonth', 'expiryYear', 'captureTime']);
  });

  it('includes every optional field when present', () => {
    const card: CardInput = {
      cardNumber: '6759649826438453',
      expiryMonth: 3,
      expiryYear: 2031,
      cvv: '9999',
      cardholderName: 'Zoë Ångström 山田',
      sequenceNumber: '01',
      startMonth: 4,
      startYear: 2024,
      captureTime: '2026-11-22T10:00:00Z',
    };
    expect(JSON.parse(serializeCard(card))).toEqual(card);
  });

  it('adds captureTime as RFC 3339 UTC without milliseconds when absent', () => {
    const json = serializeCard({ cardNumber: '4111', expiryMonth: 1, expiryYear: 2030 }, new Date('2026-11-22T10:00:00.987Z'));
    expect(JSON.parse(json)).toMatchObject({ captureTime: '2026-11-22T10:00:00Z' });
    expect(captureTimeNow()).toMatch(RFC3339_UTC_SECONDS);
    expect(Math.abs(Date.parse(captureTimeNow()) - Date.now())).toBeLessThan(2_000);
  });

  it('rejects wrong types naming the field but never echoing the value', () => {
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ cardNumber: 4111111111111111, expiryMonth: 12, expiryYear: 2029 }, 'cardNumber'],
      [{ cardNumber: '4111111111111111', expiryMonth: 12.5, expiryYear: 2029 }, 'expiryMonth'],
      [{ cardNumber: '4111111111111111', expiryMonth: 12, expiryYear: Number.NaN }, 'expiryYear'],
      [{ cardNumber: '4111111111111111', expiryMonth: 12, expiryYear: 2029, cvv: 123 }, 'cvv'],
      [{ expiryMonth: 12, expiryYear: 2029 }, 'cardNumber'],
    ];
    for (const [card, field] of bad) {
      let message = '';
      try {
        serializeCard(card as unknown as CardInput);
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toContain(`card.${field}`);
      expect(message).not.toMatch(/4111|123/);
    }
  });
});

describe('base64 helpers', () => {
  it('match Node Buffer for arbitrary bytes and non-ASCII text', () => {
    const bytes = new Uint8Array(70_000).map((_, i) => (i * 7919) & 0xff);
    expect(bytesToBase64(bytes)).toBe(Buffer.from(bytes).toString('base64'));
    const decoded = base64ToBytes(Buffer.from(bytes).toString('base64'));
    expect(decoded && Buffer.from(decoded).equals(Buffer.from(bytes))).toBe(true);
    const text = 'Zoë Ångström 山田 🃏\n-----BEGIN PGP MESSAGE-----';
    expect(textToBase64(text)).toBe(Buffer.from(text, 'utf8').toString('base64'));
    expect(base64ToText(textToBase64(text))).toBe(text);
  });

  it('reject non-base64, unpadded and url-safe input; tolerate line wrapping', () => {
    for (const bad of ['QUJD=', 'QUI', 'QQ', 'Q', '!!!!', 'Pz8_', 'Pz8-', 'QUJD====', 'QU=D']) {
      expect(base64ToBytes(bad)).toBeNull();
    }
    expect(base64ToBytes('')).toEqual(new Uint8Array());
    expect(base64ToText('QUJD\r\nREVG\n')).toBe('ABCDEF');
  });

  it('report invalid UTF-8 as null instead of replacing characters', () => {
    expect(utf8Decode(new Uint8Array([0x41, 0xff]))).toBeNull();
    expect(base64ToText(bytesToBase64(new Uint8Array([0xc3])))).toBeNull();
  });

  it('round-trip a public key through distribution encoding', async () => {
    const armored = '-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nabc\n-----END PGP PUBLIC KEY BLOCK-----\n';
    expect(decodeDistributedPublicKey(encodePublicKeyForDistribution(armored))).toBe(armored);
    expect(() => decodeDistributedPublicKey('not base64!')).toThrow(/not valid base64/);
  });
});

describe('encryptCard', () => {
  let pair: CaptureKeyPair;
  let decryptor: CaptureDecryptor;

  beforeAll(async () => {
    pair = await generateCaptureKeyPair('curve25519', 'client-tests');
    decryptor = await loadCaptureDecryptor(pair.privateKeyArmored);
  });

  it('produces base64 of an ASCII-armored OpenPGP message', async () => {
    const blob = await encryptCard(
      { cardNumber: '4111111111111111', expiryMonth: 12, expiryYear: 2029 },
      encodePublicKeyForDistribution(pair.publicKeyArmored),
    );
    const armored = base64ToText(blob);
    expect(armored).toMatch(/^-----BEGIN PGP MESSAGE-----\n/);
    expect(armored).toMatch(/-----END PGP MESSAGE-----\n?$/);
    // The plaintext must not be visible in the blob at any layer.
    expect(armored).not.toContain('4111111111111111');
  });

  it('round-trips non-ASCII names and keeps an explicit captureTime', async () => {
    const card: CardInput = {
      cardNumber: '4111111111111111',
      expiryMonth: 1,
      expiryYear: 2030,
      cardholderName: 'Zoë Ångström 山田',
      captureTime: '2026-11-22T10:00:00Z',
    };
    const result = await decryptor.decrypt(await encryptCard(card, encodePublicKeyForDistribution(pair.publicKeyArmored)));
    expect(result).toEqual({ ok: true, plaintext: serializeCard(card) });
  });

  it('omits undefined fields in what the server decrypts', async () => {
    const card: CardInput = { cardNumber: '4111111111111111', expiryMonth: 1, expiryYear: 2030, cvv: undefined };
    const result = await decryptor.decrypt(await encryptCard(card, encodePublicKeyForDistribution(pair.publicKeyArmored)));
    if (!result.ok) throw new Error(result.reason);
    const parsed = JSON.parse(result.plaintext) as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual(['cardNumber', 'expiryMonth', 'expiryYear', 'captureTime']);
    expect(parsed.captureTime).toMatch(RFC3339_UTC_SECONDS);
  });

  it('refuses a bad public key and a private key, without echoing card data', async () => {
    const card: CardInput = { cardNumber: '4111111111111111', expiryMonth: 1, expiryYear: 2030, cvv: '123' };
    const attempts = [
      encryptCard(card, 'not base64!'),
      encryptCard(card, textToBase64('just some text')),
      encryptCard(card, encodePublicKeyForDistribution(pair.privateKeyArmored)),
    ];
    for (const attempt of attempts) {
      const error = await attempt.then(
        () => null,
        (e: unknown) => e as Error,
      );
      expect(error).toBeInstanceOf(Error);
      expect(error!.message).not.toMatch(/4111|PRIVATE KEY/);
    }
  });
});

describe('client module portability', () => {
  it('imports only openpgp and sibling modules, and uses no Node-only globals', async () => {
    const dir = fileURLToPath(new URL('../../src/client/', import.meta.url));
    const files = (await readdir(dir)).filter((f) => f.endsWith('.ts'));
    expect(files).toEqual(expect.arrayContaining(['base64.ts', 'encrypt-card.ts']));
    for (const file of files) {
      const source = await readFile(dir + file, 'utf8');
      const specifiers = [...source.matchAll(/\bfrom\s+'([^']+)'|\bimport\(\s*'([^']+)'/g)].map((m) => m[1] ?? m[2]);
      for (const spec of specifiers) expect(spec === 'openpgp' || /^\.\/[\w-]+\.js$/.test(spec!)).toBe(true);
      const code = source.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      expect(code).not.toMatch(/\bBuffer\b|\bprocess\b|\brequire\(|node:/);
    }
  });
});
