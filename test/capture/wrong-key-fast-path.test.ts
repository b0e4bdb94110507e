/**
 * 'wrong_key' must come from the recipient key IDs alone, before any private-key operation. Spying on the
 * session-key packet's decrypt catches every route into a private-key operation, whichever openpgp API is used.
 */
import {
  armor,
  createMessage,
  encrypt,
  encryptSessionKey,
  enums,
  generateSessionKey,
  PublicKeyEncryptedSessionKeyPacket,
  readKey,
  type PublicKey,
} from 'openpgp';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { textToBase64 } from '../../src/client/base64.js';
import { encodePublicKeyForDistribution, encryptCard } from '../../src/client/encrypt-card.js';
import { generateCaptureKeyPair, loadCaptureDecryptor, type CaptureDecryptor, type CaptureKeyPair } from '../../src/vault/capture-keys.js';

const CARD = { cardNumber: '4111111111111111', expiryMonth: 12, expiryYear: 2029 };
const pkeskPrototype = PublicKeyEncryptedSessionKeyPacket.prototype as unknown as {
  decrypt: (...args: unknown[]) => Promise<void>;
};

let ours: CaptureKeyPair;
let theirs: CaptureKeyPair;
let decryptor: CaptureDecryptor;

beforeAll(async () => {
  ours = await generateCaptureKeyPair('curve25519', 'ours');
  theirs = await generateCaptureKeyPair('curve25519', 'theirs');
  decryptor = await loadCaptureDecryptor(ours.privateKeyArmored);
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('wrong_key fast path', () => {
  it('the spy sees the private-key operation of a normal decryption (control)', async () => {
    const spy = vi.spyOn(pkeskPrototype, 'decrypt');
    const blob = await encryptCard(CARD, encodePublicKeyForDistribution(ours.publicKeyArmored));
    expect((await decryptor.decrypt(blob)).ok).toBe(true);
    expect(spy).toHaveBeenCalledTimes(1);
  });

  it("reports 'wrong_key' without any private-key operation", async () => {
    const spy = vi.spyOn(pkeskPrototype, 'decrypt');
    const blob = await encryptCard(CARD, encodePublicKeyForDistribution(theirs.publicKeyArmored));
    expect(await decryptor.decrypt(blob)).toEqual({ ok: false, reason: 'wrong_key' });
    expect(spy).not.toHaveBeenCalled();
  });

  it('does one private-key operation however many session-key packets the blob carries', async () => {
    const spy = vi.spyOn(pkeskPrototype, 'decrypt');
    const keys = await Promise.all([theirs.publicKeyArmored, ours.publicKeyArmored, theirs.publicKeyArmored].map((armoredKey) => readKey({ armoredKey })));
    const binary = await encrypt({
      message: await createMessage({ text: '{}' }),
      encryptionKeys: keys,
      format: 'binary',
    });
    expect(await decryptor.decrypt(armoredBlob(binary))).toEqual({ ok: true, plaintext: '{}' });
    expect(spy).toHaveBeenCalledTimes(1);
  });

  it('ignores hidden-recipient (wildcard) session-key packets: one private-key operation, not one per packet', async () => {
    const key = await readKey({ armoredKey: ours.publicKeyArmored });
    const sessionKey = await generateSessionKey({ encryptionKeys: key });
    // Decoys are genuinely encrypted to our key, so trying them would succeed: only skipping them avoids the work.
    const decoys = await encryptSessionKey({ ...sessionKey, encryptionKeys: [key, key, key], wildcard: true, format: 'binary' });
    const real = await encrypt({ message: await createMessage({ text: '{}' }), sessionKey, encryptionKeys: key, format: 'binary' });
    const spy = vi.spyOn(pkeskPrototype, 'decrypt');
    expect(await decryptor.decrypt(armoredBlob(concat(decoys, real)))).toEqual({ ok: true, plaintext: '{}' });
    expect(spy).toHaveBeenCalledTimes(1);
  });

  it("reports 'wrong_key' for a blob whose only recipients are hidden (wildcard), without trying the key", async () => {
    const key: PublicKey = await readKey({ armoredKey: ours.publicKeyArmored });
    const binary = await encrypt({ message: await createMessage({ text: '{}' }), encryptionKeys: key, wildcard: true, format: 'binary' });
    const spy = vi.spyOn(pkeskPrototype, 'decrypt');
    expect(await decryptor.decrypt(armoredBlob(binary))).toEqual({ ok: false, reason: 'wrong_key' });
    expect(spy).not.toHaveBeenCalled();
  });
});

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function armoredBlob(binary: Uint8Array): string {
  return textToBase64(armor(enums.armor.message, binary));
}
