import { armor, createMessage, encrypt, enums, readKey, readPrivateKey, type PublicKey } from 'openpgp';
import { beforeAll, describe, expect, it } from 'vitest';
import { textToBase64 } from '../../src/client/base64.js';
import { encodePublicKeyForDistribution, encryptCard, type CardInput } from '../../src/client/encrypt-card.js';
import {
  generateCaptureKeyPair,
  loadCaptureDecryptor,
  MAX_ENCRYPTED_CARD_CHARS,
  type CaptureDecryptor,
  type CaptureKeyAlgorithm,
  type CaptureKeyPair,
} from '../../src/vault/capture-keys.js';

const CARD: CardInput = {
  cardNumber: '4111111111111111',
  expiryMonth: 12,
  expiryYear: 2029,
  cvv: '123',
  cardholderName: 'Jane Doe',
};
const RFC3339_UTC_SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

interface Fixture {
  pair: CaptureKeyPair;
  decryptor: CaptureDecryptor;
  publicKeyB64: string;
  publicKey: PublicKey;
}

async function fixture(algorithm: CaptureKeyAlgorithm, label: string): Promise<Fixture> {
  const pair = await generateCaptureKeyPair(algorithm, label);
  return {
    pair,
    decryptor: await loadCaptureDecryptor(pair.privateKeyArmored),
    publicKeyB64: encodePublicKeyForDistribution(pair.publicKeyArmored),
    publicKey: await readKey({ armoredKey: pair.publicKeyArmored }),
  };
}

/** Binary OpenPGP message encrypted to `keys`, for tests that need to build or damage blobs by hand. */
async function binaryMessage(text: string, keys: PublicKey[]): Promise<Uint8Array> {
  return encrypt({ message: await createMessage({ text }), encryptionKeys: keys, format: 'binary' });
}

function toEncryptedCard(binary: Uint8Array): string {
  return textToBase64(armor(enums.armor.message, binary));
}

const fixtures = new Map<CaptureKeyAlgorithm, Fixture>();
let other: Fixture;

beforeAll(async () => {
  fixtures.set('curve25519', await fixture('curve25519', 'merchant-a'));
  fixtures.set('rsa3072', await fixture('rsa3072', 'merchant-a-rsa'));
  other = await fixture('curve25519', 'merchant-b');
});

function get(algorithm: CaptureKeyAlgorithm): Fixture {
  const f = fixtures.get(algorithm);
  if (!f) throw new Error('fixture missing');
  return f;
}

describe.each(['curve25519', 'rsa3072'] as const)('capture keys (%s)', (algorithm) => {
  it('round-trips a card: encryptCard → decrypt gives the same JSON with a well-formed captureTime', async () => {
    const { decryptor, publicKeyB64 } = get(algorithm);
    const blob = await encryptCard(CARD, publicKeyB64);
    expect(blob).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);

    const result = await decryptor.decrypt(blob);
    if (!result.ok) throw new Error(`decrypt failed: ${result.reason}`);
    const parsed = JSON.parse(result.plaintext) as Record<string, unknown>;
    expect(parsed).toEqual({ ...CARD, captureTime: parsed.captureTime });
    expect(parsed.captureTime).toMatch(RFC3339_UTC_SECONDS);
    expect(Math.abs(Date.parse(String(parsed.captureTime)) - Date.now())).toBeLessThan(60_000);
    // Exactly what the client serialised: compact, one line.
    expect(result.plaintext).toBe(JSON.stringify(parsed));
    expect(result.plaintext).not.toMatch(/\n|\r/);
  });

  it('generates the requested key type with an encryption subkey', async () => {
    const { pair, publicKey } = get(algorithm);
    const subkeys = publicKey.getSubkeys();
    expect(subkeys).toHaveLength(1);
    const info = subkeys[0]!.getAlgorithmInfo();
    if (algorithm === 'curve25519') {
      expect(publicKey.getAlgorithmInfo()).toMatchObject({ algorithm: 'eddsaLegacy' });
      expect(info).toMatchObject({ algorithm: 'ecdh', curve: 'curve25519Legacy' });
    } else {
      expect(publicKey.getAlgorithmInfo()).toMatchObject({ algorithm: 'rsaEncryptSign', bits: 3072 });
      expect(info).toMatchObject({ algorithm: 'rsaEncryptSign', bits: 3072 });
    }
    const encryptionKey = await publicKey.getEncryptionKey();
    expect(encryptionKey.getKeyID().toHex()).toBe(subkeys[0]!.getKeyID().toHex());
    expect(publicKey.getUserIDs()).toEqual([`Tessera capture key ${algorithm === 'curve25519' ? 'merchant-a' : 'merchant-a-rsa'}`]);
    expect(pair.keyFingerprint).toMatch(/^[0-9a-f]{40}$/);
    expect(pair.keyFingerprint).toBe(publicKey.getFingerprint());
  });

  it('exports an unencrypted private key with secret key packets, and a public key without them', async () => {
    const { pair } = get(algorithm);
    expect(pair.privateKeyArmored).toContain('-----BEGIN PGP PRIVATE KEY BLOCK-----');
    const privateKey = await readPrivateKey({ armoredKey: pair.privateKeyArmored });
    expect(privateKey.isDecrypted()).toBe(true);
    for (const k of [privateKey, ...privateKey.getSubkeys()]) expect(k.keyPacket.isDecrypted()).toBe(true);

    const tags = (await privateKey.toPacketList()).map((p) => (p.constructor as unknown as { tag: number }).tag);
    expect(tags).toContain(enums.packet.secretKey);
    expect(tags).toContain(enums.packet.secretSubkey);

    expect(pair.publicKeyArmored).toContain('-----BEGIN PGP PUBLIC KEY BLOCK-----');
    const publicKey = await readKey({ armoredKey: pair.publicKeyArmored });
    expect(publicKey.isPrivate()).toBe(false);
  });

  it("reports 'wrong_key' for a blob encrypted to another merchant's key", async () => {
    const blob = await encryptCard(CARD, other.publicKeyB64);
    expect(await get(algorithm).decryptor.decrypt(blob)).toEqual({ ok: false, reason: 'wrong_key' });
  });

  it("reports 'corrupt' when the payload's integrity check fails", async () => {
    const { decryptor, publicKey } = get(algorithm);
    const binary = await binaryMessage('{"cardNumber":"4111111111111111"}', [publicKey]);
    // The last bytes of a SEIPD packet are the encrypted MDC: the session key still decrypts, the check fails.
    binary[binary.length - 2]! ^= 0x01;
    expect(await decryptor.decrypt(toEncryptedCard(binary))).toEqual({ ok: false, reason: 'corrupt' });
  });
});

describe('capture decryptor: input classification', () => {
  const f = (): Fixture => get('curve25519');

  it("reports 'malformed' for garbage that is not base64", async () => {
    for (const input of ['!!!not base64###', 'abc', 'QUJD=', '', 'Zm9v_-', '\u00e9t\u00e9']) {
      expect(await f().decryptor.decrypt(input)).toEqual({ ok: false, reason: 'malformed' });
    }
  });

  it("reports 'malformed' for base64 of something that is not an armored message", async () => {
    const notArmored = [
      textToBase64('{"cardNumber":"4111111111111111","expiryMonth":12}'),
      textToBase64('-----BEGIN PGP MESSAGE-----\n\nnot really\n-----END PGP MESSAGE-----\n'),
      // Base64 of the *binary* message: the format requires the armored form.
      btoa(String.fromCharCode(...(await binaryMessage('{}', [f().publicKey])))),
      // Bytes that are not UTF-8 at all.
      btoa('\xff\xfe\x00\x80'),
    ];
    for (const input of notArmored) {
      expect(await f().decryptor.decrypt(input)).toEqual({ ok: false, reason: 'malformed' });
    }
  });

  it("reports 'malformed' for an armored public key handed in instead of a message", async () => {
    expect(await f().decryptor.decrypt(f().publicKeyB64)).toEqual({ ok: false, reason: 'malformed' });
    // Also when the armor header is sneaked into a comment so the parser, not the pre-check, must refuse it.
    const sneaky = `Comment: -----BEGIN PGP MESSAGE-----\n${f().pair.publicKeyArmored}`;
    expect(await f().decryptor.decrypt(textToBase64(sneaky))).toEqual({ ok: false, reason: 'malformed' });
  });

  it("reports 'malformed' for an armored message that is not encrypted", async () => {
    const literal = (await createMessage({ text: '{"cardNumber":"4111111111111111"}' })).armor();
    expect(await f().decryptor.decrypt(textToBase64(literal))).toEqual({ ok: false, reason: 'malformed' });
  });

  it("reports 'malformed' for a valid blob bloated past the size cap (and accepts it just below)", async () => {
    const armored = atob(await encryptCard(CARD, f().publicKeyB64));
    const bloat = (base64Chars: number): string => {
      // An armor Comment header is ignored by the parser, so only the size differs. 3 bytes → 4 base64 chars.
      const filler = 'x'.repeat(Math.floor(((base64Chars - armored.length * (4 / 3)) * 3) / 4) - 16);
      return textToBase64(armored.replace('\n', `\nComment: ${filler}\n`));
    };
    const below = bloat(MAX_ENCRYPTED_CARD_CHARS - 64);
    const above = bloat(MAX_ENCRYPTED_CARD_CHARS + 64);
    expect(below.length).toBeLessThanOrEqual(MAX_ENCRYPTED_CARD_CHARS);
    expect(above.length).toBeGreaterThan(MAX_ENCRYPTED_CARD_CHARS);
    expect((await f().decryptor.decrypt(below)).ok).toBe(true);
    expect(await f().decryptor.decrypt(above)).toEqual({ ok: false, reason: 'malformed' });
  });

  it("reports 'malformed' when the authentic plaintext is not valid UTF-8", async () => {
    const binary = await encrypt({
      message: await createMessage({ binary: new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]) }),
      encryptionKeys: f().publicKey,
      format: 'binary',
    });
    expect(await f().decryptor.decrypt(toEncryptedCard(binary))).toEqual({ ok: false, reason: 'malformed' });
  });

  it('never throws for non-string input smuggled past the types', async () => {
    for (const input of [undefined, null, 42, {}, ['a']]) {
      expect(await f().decryptor.decrypt(input as unknown as string)).toEqual({ ok: false, reason: 'malformed' });
    }
  });

  it('is not ok when a character inside the armored body is flipped', async () => {
    const blob = await encryptCard(CARD, f().publicKeyB64);
    const armored = atob(blob);
    const lines = armored.split('\n');
    // Body lines are the base64 lines between the blank line after the header and the checksum/footer.
    const bodyStart = lines.indexOf('') + 1;
    const bodyEnd = lines.findIndex((l, i) => i > bodyStart && (l.startsWith('=') || l.startsWith('-----END')));
    expect(bodyEnd - bodyStart).toBeGreaterThan(1);
    for (const lineIndex of [bodyStart, Math.floor((bodyStart + bodyEnd) / 2), bodyEnd - 1]) {
      const line = lines[lineIndex]!;
      const pos = Math.floor(line.length / 2);
      const flipped = line[pos] === 'A' ? 'B' : 'A';
      const tampered = [...lines];
      tampered[lineIndex] = line.slice(0, pos) + flipped + line.slice(pos + 1);
      const result = await f().decryptor.decrypt(btoa(tampered.join('\n')));
      expect(result.ok).toBe(false);
    }
  });

  it("reports 'corrupt' when the wrapped session key is damaged", async () => {
    const binary = await binaryMessage('{}', [f().publicKey]);
    // Pin the layout the offset below relies on: new-format PKESK header, version 3, legacy ECDH (18).
    expect([binary[0], binary[2], binary[11]]).toEqual([0xc1, 3, enums.publicKey.ecdh]);
    // New-format header (2 bytes) + version 3 + key ID 8 + algorithm 1 + ephemeral point MPI (2+33)
    // + wrapped-key length 1: byte 60 lies inside the AES key-wrapped session key, whose check then fails.
    binary[60]! ^= 0x01;
    expect(await f().decryptor.decrypt(toEncryptedCard(binary))).toEqual({ ok: false, reason: 'corrupt' });
  });

  it('finds its own session-key packet among several recipients', async () => {
    const binary = await binaryMessage('{"a":1}', [other.publicKey, f().publicKey]);
    expect(await f().decryptor.decrypt(toEncryptedCard(binary))).toEqual({ ok: true, plaintext: '{"a":1}' });
    expect(await other.decryptor.decrypt(toEncryptedCard(binary))).toEqual({ ok: true, plaintext: '{"a":1}' });
  });

  it("reports 'wrong_key' for a password-encrypted message (no session key for any key of ours)", async () => {
    const armoredText = await encrypt({ message: await createMessage({ text: '{}' }), passwords: 'hunter2' });
    expect(await f().decryptor.decrypt(textToBase64(armoredText))).toEqual({ ok: false, reason: 'wrong_key' });
  });

  it('accepts base64 wrapped over several lines (as mobile SDKs emit it)', async () => {
    const blob = await encryptCard(CARD, f().publicKeyB64);
    const wrapped = blob.replace(/(.{76})/g, '$1\n');
    expect(wrapped).toContain('\n');
    expect((await f().decryptor.decrypt(wrapped)).ok).toBe(true);
  });

  it("exposes the key's fingerprint and decryption key IDs", async () => {
    const { decryptor, pair, publicKey } = f();
    expect(decryptor.keyFingerprint).toBe(pair.keyFingerprint);
    expect(decryptor.decryptionKeyIDs).toEqual([publicKey.getSubkeys()[0]!.getKeyID().toHex()]);
  });
});

describe('loadCaptureDecryptor', () => {
  it('rejects unusable keys without echoing key material', async () => {
    const pair = get('curve25519').pair;
    const inputs = [
      'not a key at all',
      pair.publicKeyArmored,
      // A passphrase-protected private key.
      await (async () => {
        const { encryptKey } = await import('openpgp');
        const key = await readPrivateKey({ armoredKey: pair.privateKeyArmored });
        return (await encryptKey({ privateKey: key, passphrase: 'secret' })).armor();
      })(),
    ];
    for (const input of inputs) {
      const error = await loadCaptureDecryptor(input).then(
        () => null,
        (e: unknown) => e as Error,
      );
      expect(error).toBeInstanceOf(Error);
      expect(error!.message).toMatch(/^capture key: /);
      expect(error!.message).not.toContain('BEGIN PGP');
      expect(error!.message.length).toBeLessThan(100);
    }
  });
});
