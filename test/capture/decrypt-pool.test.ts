/**
 * The decryption worker pool: real worker threads doing real decrypts, with the same verdicts as the in-process
 * decryptor; clean shutdown; and no request left hanging when a worker crashes or stops answering.
 */
import { existsSync, readdirSync } from 'node:fs';
import { armor, createMessage, encrypt, enums, readKey } from 'openpgp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { textToBase64 } from '../../src/client/base64.js';
import { encodePublicKeyForDistribution, encryptCard, type CardInput } from '../../src/client/encrypt-card.js';
import {
  generateCaptureKeyPair,
  loadCaptureDecryptor,
  MAX_ENCRYPTED_CARD_CHARS,
  type CaptureDecryptor,
  type CaptureKeyPair,
} from '../../src/vault/capture-keys.js';
import { createDecryptPool, DecryptWorkerError, type DecryptPool } from '../../src/vault/decrypt-pool.js';

const CARD: CardInput = { cardNumber: '4111111111111111', expiryMonth: 12, expiryYear: 2029, cvv: '123', cardholderName: 'Jane Doe' };
const FAULTY_WORKER = new URL('../support/faulty-decrypt-worker.ts', import.meta.url);

let ours: CaptureKeyPair;
let theirs: CaptureKeyPair;
let rsa: CaptureKeyPair;
let inProcess: CaptureDecryptor;
let pool: DecryptPool;
let pooled: CaptureDecryptor;

beforeAll(async () => {
  [ours, theirs, rsa] = await Promise.all([
    generateCaptureKeyPair('curve25519', 'pool-ours'),
    generateCaptureKeyPair('curve25519', 'pool-theirs'),
    generateCaptureKeyPair('rsa3072', 'pool-rsa'),
  ]);
  inProcess = await loadCaptureDecryptor(ours.privateKeyArmored);
  pool = createDecryptPool();
  pooled = await pool.load(ours.privateKeyArmored);
});

afterAll(async () => {
  await pool?.close();
});

const blobFor = (pair: CaptureKeyPair, card: CardInput = CARD) => encryptCard(card, encodePublicKeyForDistribution(pair.publicKeyArmored));

/** Threads of this process, where the OS tells (Linux): a worker is one more. */
const threadCount = (): number | undefined => (existsSync('/proc/self/task') ? readdirSync('/proc/self/task').length : undefined);

describe('decrypt pool (real worker)', () => {
  it('exposes the same fingerprint and decryption key IDs as the in-process decryptor', () => {
    expect(pooled.keyFingerprint).toBe(inProcess.keyFingerprint);
    expect(pooled.decryptionKeyIDs).toEqual(inProcess.decryptionKeyIDs);
  });

  it('gives the same results as the in-process decryptor: ok, wrong_key, corrupt, malformed', async () => {
    const key = await readKey({ armoredKey: ours.publicKeyArmored });
    const damaged = await encrypt({ message: await createMessage({ text: '{}' }), encryptionKeys: key, format: 'binary' });
    damaged[damaged.length - 2]! ^= 0x01;
    const inputs: unknown[] = [
      await blobFor(ours),
      await blobFor(theirs),
      textToBase64(armor(enums.armor.message, damaged)),
      '!!!not base64###',
      textToBase64('{"cardNumber":"4111111111111111"}'),
      'A'.repeat(MAX_ENCRYPTED_CARD_CHARS + 4),
      undefined,
      42,
      { blob: 'x' },
    ];
    const expected = await Promise.all(inputs.map((input) => inProcess.decrypt(input as string)));
    expect(expected.map((r) => (r.ok ? 'ok' : r.reason))).toEqual([
      'ok',
      'wrong_key',
      'corrupt',
      'malformed',
      'malformed',
      'malformed',
      'malformed',
      'malformed',
      'malformed',
    ]);
    const actual = await Promise.all(inputs.map((input) => pooled.decrypt(input as string)));
    expect(actual).toEqual(expected);
  });

  it('generates key pairs in the worker that encrypt to and decrypt with each other, both algorithms', async () => {
    for (const algorithm of ['curve25519', 'rsa3072'] as const) {
      const pair = await pool.generate(algorithm, `pool-generated-${algorithm}`);
      const publicKey = await readKey({ armoredKey: pair.publicKeyArmored });
      expect(publicKey.isPrivate()).toBe(false);
      expect(publicKey.getFingerprint()).toBe(pair.keyFingerprint);
      expect(publicKey.getAlgorithmInfo().algorithm).toBe(algorithm === 'rsa3072' ? 'rsaEncryptSign' : 'eddsaLegacy');
      const generated = await pool.load(pair.privateKeyArmored);
      expect(generated.keyFingerprint).toBe(pair.keyFingerprint);
      const result = await generated.decrypt(await blobFor(pair));
      expect(result.ok && JSON.parse(result.plaintext).cardNumber).toBe(CARD.cardNumber);
    }
  });

  it('decrypts many blobs in flight at once, each to its own plaintext', async () => {
    const cards = Array.from({ length: 40 }, (_, i) => ({ ...CARD, cardNumber: `41111111111${String(10000 + i)}` }));
    const blobs = await Promise.all(cards.map((card) => blobFor(ours, card)));
    const results = await Promise.all(blobs.map((blob) => pooled.decrypt(blob)));
    results.forEach((result, i) => {
      if (!result.ok) throw new Error(`decrypt ${i} failed: ${result.reason}`);
      expect(JSON.parse(result.plaintext)).toMatchObject({ cardNumber: cards[i]!.cardNumber });
    });
  });

  it('holds several keys, including RSA', async () => {
    const rsaPooled = await pool.load(rsa.privateKeyArmored);
    const theirsPooled = await pool.load(theirs.privateKeyArmored);
    const [a, b, c] = await Promise.all([
      rsaPooled.decrypt(await blobFor(rsa)),
      theirsPooled.decrypt(await blobFor(theirs)),
      pooled.decrypt(await blobFor(theirs)),
    ]);
    expect([a.ok, b.ok]).toEqual([true, true]);
    expect(c).toEqual({ ok: false, reason: 'wrong_key' });
  });

  it("refuses an unusable key with the loader's message, never echoing key material", async () => {
    for (const input of ['not a key at all', ours.publicKeyArmored]) {
      const error = await pool.load(input).then(
        () => null,
        (e: unknown) => e as Error,
      );
      expect(error).toBeInstanceOf(Error);
      expect(error).not.toBeInstanceOf(DecryptWorkerError);
      expect(error!.message).toMatch(/^capture key: /);
      expect(error!.message).not.toContain('BEGIN PGP');
    }
    // The pool is unharmed.
    expect((await pooled.decrypt(await blobFor(ours))).ok).toBe(true);
  });
});

describe('decrypt pool shutdown', () => {
  it('close() lets requests in flight finish, then stops the worker; later requests reject', async () => {
    const before = threadCount();
    const own = createDecryptPool();
    const decryptor = await own.load(ours.privateKeyArmored);
    const blob = await blobFor(ours);
    expect((await decryptor.decrypt(blob)).ok).toBe(true);
    if (before !== undefined) expect(threadCount()).toBeGreaterThan(before);

    const inFlight = Array.from({ length: 20 }, () => decryptor.decrypt(blob));
    // A second close() while the first still waits resolves, like the first, only once the worker has stopped.
    const first = own.close();
    await own.close();
    if (before !== undefined) expect(threadCount()).toBe(before);
    await first;
    expect((await Promise.all(inFlight)).every((r) => r.ok)).toBe(true);
    await expect(decryptor.decrypt(blob)).rejects.toBeInstanceOf(DecryptWorkerError);
    await expect(own.load(ours.privateKeyArmored)).rejects.toBeInstanceOf(DecryptWorkerError);
    await own.close(); // idempotent
    if (before !== undefined) expect(threadCount()).toBe(before);
  });
});

describe('decrypt pool failures', () => {
  it('a worker that exits fails its requests at once, and the next request gets a fresh worker with the key', async () => {
    const faulty = createDecryptPool({ entry: FAULTY_WORKER });
    try {
      const decryptor = await faulty.load(ours.privateKeyArmored);
      const blob = await blobFor(ours);
      expect((await decryptor.decrypt(blob)).ok).toBe(true);
      const bystander = decryptor.decrypt(blob).then(
        (r) => r.ok,
        (e: unknown) => e,
      );
      await expect(decryptor.decrypt('CRASH')).rejects.toBeInstanceOf(DecryptWorkerError);
      const outcome = await bystander;
      if (outcome !== true) expect(outcome).toBeInstanceOf(DecryptWorkerError);
      expect(await decryptor.decrypt(blob)).toMatchObject({ ok: true });
    } finally {
      await faulty.close();
    }
  });

  it('a worker that stops answering is stopped after the stall timeout; its requests reject, later ones work', async () => {
    const faulty = createDecryptPool({ entry: FAULTY_WORKER, stallTimeoutMs: 300 });
    try {
      const decryptor = await faulty.load(ours.privateKeyArmored);
      const blob = await blobFor(ours);
      const started = Date.now();
      await expect(decryptor.decrypt('HANG')).rejects.toThrow(/stopped answering/);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(await decryptor.decrypt(blob)).toMatchObject({ ok: true });
    } finally {
      await faulty.close();
    }
  });

  it('close() does not wait on a hung worker beyond its grace period', async () => {
    // The stall watchdog would only step in after a minute: close() must not rely on it.
    const faulty = createDecryptPool({ entry: FAULTY_WORKER, closeGraceMs: 200, stallTimeoutMs: 60_000 });
    const decryptor = await faulty.load(ours.privateKeyArmored);
    const hung = decryptor.decrypt('HANG').then(
      () => 'answered',
      (e: unknown) => e,
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    await faulty.close();
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await hung).toBeInstanceOf(DecryptWorkerError);
  });

  it('a worker that cannot start fails requests instead of leaving them pending', async () => {
    const broken = createDecryptPool({ entry: new URL('../support/no-such-worker.js', import.meta.url) });
    try {
      await expect(broken.load(ours.privateKeyArmored)).rejects.toBeInstanceOf(DecryptWorkerError);
    } finally {
      await broken.close();
    }
  });
});
