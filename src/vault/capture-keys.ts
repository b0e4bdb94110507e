/**
 * Capture keys: the OpenPGP key pairs merchants' clients encrypt card data to (`encrypted_card`, DOMAIN.md §3),
 * and the server-side decryptor for those blobs.
 *
 * The private key is generated without a passphrase on purpose: OpenPGP's S2K (iterated SHA / Argon2) would cost
 * milliseconds per unlock for nothing, since the caller seals the armored private key with the platform's own
 * AES-GCM envelope (envelope.ts) before storing it.
 *
 * Cost per blob (Node 20, measured): curve25519 ≈ 1 ms of CPU, ~0.65 ms of it the session-key step (X25519 and
 * AES key unwrap as six small async WebCrypto calls; neither a config option nor the public API can shorten or
 * replace it), ~0.08 ms parsing, the rest the SEIPD payload and openpgp's stream plumbing. rsa3072 ≈ 100 ms of pure-JS BigInt on
 * the event loop, because Node 20 disables PKCS#1 v1.5 privateDecrypt (CVE-2023-46809) and openpgp falls back to
 * its own RSA: prefer curve25519. The server runs these decryptors in a worker thread (decrypt-pool.ts), off the
 * request thread; generateCaptureKeyPair and loadCaptureDecryptor below are what that worker (and the tests) use.
 */
import {
  decrypt as pgpDecrypt,
  enums,
  generateKey,
  Message,
  PacketList,
  readMessage,
  readPrivateKey,
  SymEncryptedIntegrityProtectedDataPacket,
  type AnyPacket,
  type KeyID,
  type PartialConfig,
  type PrivateKey,
} from 'openpgp';
import type { CaptureDecryptor, CaptureKeyAlgorithm, CaptureKeyPair, DecryptFailureReason, DecryptResult } from './capture-types.js';
import { MAX_ENCRYPTED_CARD_CHARS } from './capture-types.js';
import { decodeBase64Strict, decodeUtf8Strict } from './encoding.js';

export {
  MAX_ENCRYPTED_CARD_CHARS,
  type CaptureDecryptor,
  type CaptureKeyAlgorithm,
  type CaptureKeyPair,
  type DecryptFailureReason,
  type DecryptResult,
} from './capture-types.js';

// The plaintext is a few hundred bytes of JSON. Capping decompression stops a "zip bomb" in a compressed
// packet from making us inflate megabytes per request.
const MAX_PLAINTEXT_BYTES = 16 * 1024;

const DECRYPT_CONFIG: PartialConfig = {
  maxDecompressedMessageSize: MAX_PLAINTEXT_BYTES,
  // Integrity is never optional: refuse SED (no MDC) packets and never release unauthenticated plaintext.
  // These are openpgp's defaults; they are spelled out so a global config change cannot weaken them here.
  allowUnauthenticatedMessages: false,
  allowUnauthenticatedStream: false,
  enforceGrammar: true,
  // RSA keys: the blob comes from anyone who can call the API, so PKCS#1 v1.5 failures must not be
  // distinguishable (Bleichenbacher). Costs a couple of extra AES decryptions of a tiny payload per RSA blob.
  constantTimePKCS1Decryption: true,
};

/**
 * Generates a capture key pair: a signing/certifying primary key plus an encryption subkey.
 *
 * curve25519 is the "legacy" (RFC 4880bis / RFC 6637) EdDSA + ECDH-over-Curve25519 form rather than the
 * RFC 9580 X25519 algorithm: it is what GnuPG, Bouncy Castle and GopenPGP (the libraries merchants' mobile
 * SDKs are built on) all understand, and the x25519 work is the same.
 */
export async function generateCaptureKeyPair(algorithm: CaptureKeyAlgorithm, label: string): Promise<CaptureKeyPair> {
  const userIDs = [{ name: `Tessera capture key ${label}` }];
  const keyOptions = algorithm === 'curve25519' ? ({ type: 'ecc', curve: 'curve25519Legacy' } as const) : ({ type: 'rsa', rsaBits: 3072 } as const);
  const { privateKey } = await generateKey({ ...keyOptions, userIDs, format: 'object' });
  return {
    publicKeyArmored: privateKey.toPublic().armor(),
    privateKeyArmored: privateKey.armor(),
    keyFingerprint: privateKey.getFingerprint(),
  };
}

/**
 * Parses the private key once (slow: it verifies every self-signature) and returns a decryptor the caller can
 * cache per key. Throws if the key is unusable; the error never carries key material.
 */
export async function loadCaptureDecryptor(privateKeyArmored: string): Promise<CaptureDecryptor> {
  let key: PrivateKey;
  try {
    key = await readPrivateKey({ armoredKey: privateKeyArmored });
  } catch {
    throw new Error('capture key: not a readable OpenPGP private key');
  }
  if (!key.isDecrypted()) throw new Error('capture key: private key is passphrase-protected');
  let decryptionKeyIDs: KeyID[];
  try {
    // date null: key expiry must not stop us from decrypting what clients already encrypted (openpgp does the same).
    decryptionKeyIDs = (await key.getDecryptionKeys(undefined, null)).map((k) => k.getKeyID());
  } catch {
    throw new Error('capture key: no valid encryption (sub)key');
  }
  return new PgpCaptureDecryptor(key, decryptionKeyIDs);
}

class PgpCaptureDecryptor implements CaptureDecryptor {
  readonly keyFingerprint: string;
  readonly decryptionKeyIDs: readonly string[];

  constructor(
    private readonly key: PrivateKey,
    private readonly keyIDs: readonly KeyID[],
  ) {
    this.keyFingerprint = key.getFingerprint();
    this.decryptionKeyIDs = keyIDs.map((id) => id.toHex());
  }

  async decrypt(encryptedCardBase64: string): Promise<DecryptResult> {
    const message = await parseEncryptedCard(encryptedCardBase64);
    if (message === null) return fail('malformed');

    const encryptedData = message.packets.filterByTag(
      enums.packet.symEncryptedIntegrityProtectedData,
      enums.packet.aeadEncryptedData,
      enums.packet.symmetricallyEncryptedData,
    );
    // Exactly one encrypted payload, and only the integrity-protected kind (SEIPD v1 with MDC, or v2 AEAD).
    const payload = encryptedData[0];
    if (encryptedData.length !== 1 || payload === undefined) return fail('malformed');
    if (!(payload instanceof SymEncryptedIntegrityProtectedDataPacket)) return fail('malformed');

    // Recipient check from the cleartext key IDs, before any private-key operation. Only an exact match counts:
    // a wildcard ("hidden recipient") ID proves nothing, and accepting it would make us try the private key on
    // every such session-key packet an attacker cares to include.
    const sessionKeyPackets = message.packets.filterByTag(enums.packet.publicKeyEncryptedSessionKey);
    const recipientIDs = message.getEncryptionKeyIDs();
    const index = recipientIDs.findIndex((id) => this.keyIDs.some((own) => own.equals(id, false)));
    const sessionKeyPacket = sessionKeyPackets[index];
    if (index < 0 || sessionKeyPacket === undefined) return fail('wrong_key');

    // Decrypt a copy of the message that holds only our session-key packet: one private-key operation per blob,
    // however many session-key packets the sender included.
    const minimal = new PacketList<AnyPacket>();
    minimal.push(sessionKeyPacket, payload);

    let data: Uint8Array;
    try {
      const result = await pgpDecrypt({
        message: new Message(minimal),
        decryptionKeys: this.key,
        format: 'binary',
        config: DECRYPT_CONFIG,
      });
      data = result.data;
    } catch {
      // Session-key or payload decryption failed, or the MDC/AEAD tag did not verify. The cause is not
      // logged: openpgp's messages are safe, but nothing here needs them and this path is attacker-driven.
      return fail('corrupt');
    }
    // Authentic, but not text: the sender did not follow the format, which is a client error, not corruption.
    const plaintext = decodeUtf8Strict(data);
    return plaintext === null ? fail('malformed') : { ok: true, plaintext };
  }
}

function fail(reason: DecryptFailureReason): DecryptResult {
  return { ok: false, reason };
}

/** base64 → armored text → parsed OpenPGP message; null when any step fails. */
async function parseEncryptedCard(encryptedCardBase64: string): Promise<Message<string> | null> {
  if (typeof encryptedCardBase64 !== 'string' || encryptedCardBase64.length > MAX_ENCRYPTED_CARD_CHARS) return null;
  const bytes = decodeBase64Strict(encryptedCardBase64);
  if (bytes === null) return null;
  const armored = decodeUtf8Strict(bytes);
  // Cheap pre-check so plainly wrong input (JSON, binary, a key block) never reaches the armor parser.
  if (armored === null || !armored.includes('-----BEGIN PGP MESSAGE-----')) return null;
  try {
    // readMessage rejects armor of any other type (public key, signature…) and unparseable packets.
    return await readMessage({ armoredMessage: armored, config: DECRYPT_CONFIG });
  } catch {
    return null;
  }
}
